"""What one key lookup costs on the paths production takes (PostgreSQL, Redis): the SQL statements and
the Redis round trips, counted; and that nothing of it is cached past a grant's suspension."""

# ruff: noqa: F811  (the data interface's fixtures are imported from its tests and named as arguments)
from contextlib import contextmanager

import pytest
import redis
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEvent
from sharing.services import grant_change
from tests.sharing.test_data_api import (  # noqa: F401  (fixtures)
    RECORDS,
    call,
    client_key,
    granted,
    redis_counters,
    url,
)

pytestmark = pytest.mark.django_db


@contextmanager
def redis_round_trips(monkeypatch):
    """Counts every round trip to Redis, by any client (the misuse counters', the Django cache's): a
    command sent alone, a pipeline or a script each count one."""
    trips = []
    command, execute = redis.Redis.execute_command, redis.client.Pipeline.execute

    def one_command(client, *args, **options):
        trips.append(args[0])
        return command(client, *args, **options)

    def one_pipeline(pipe, *args, **options):
        trips.append("pipeline")
        return execute(pipe, *args, **options)

    with monkeypatch.context() as patched:
        patched.setattr(redis.Redis, "execute_command", one_command)
        patched.setattr(redis.client.Pipeline, "execute", one_pipeline)
        yield trips


def test_a_key_lookup_costs_at_most_four_statements_and_one_redis_round_trip(
    call, granted, unconditional, redis_counters, monkeypatch
):
    call(url(unconditional, RECORDS[0]["credit_code"]))  # the key's last use is written once a minute
    with CaptureQueriesContext(connection) as queries, redis_round_trips(monkeypatch) as trips:
        answer = call(url(unconditional, RECORDS[1]["credit_code"]))
    assert answer.status_code == 200 and answer.json()["key"] == RECORDS[1]["credit_code"]
    assert len(queries) <= 4, [q["sql"][:120] for q in queries]
    assert len(trips) <= 1, trips
    # Still audited, and counted against the grant's limits.
    assert AuditEvent.objects.filter(action="data.query", outcome="ok").count() == 2
    assert answer["RateLimit-Remaining"] == str(int(answer["RateLimit-Limit"]) - 2)


def test_a_grant_suspended_between_two_calls_refuses_the_second(
    call, granted, unconditional, reviewer, redis_counters
):
    key = RECORDS[2]["credit_code"]
    assert call(url(unconditional, key)).status_code == 200
    grant_change(actor=reviewer, grant=granted, move="suspend", reason="违规转供第三方")
    refused = call(url(unconditional, key))
    assert refused.status_code == 403 and refused.json()["code"] == "grant_suspended"
    assert AuditEvent.objects.filter(action="data.query", outcome="denied").count() == 1


# --- the API-key lockout, checked in the data call's own round trip -----------------------------------

ADDRESS = "10.7.0.1"


def lock_out(api, settings) -> None:
    for n in range(settings.API_KEY_FAILURE_LIMIT):
        api.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Api-Key guess{n:03d}.nothing", REMOTE_ADDR=ADDRESS)


def lookup(api, key, resource, record=RECORDS[0]["credit_code"]):
    return api.get(url(resource, record), HTTP_AUTHORIZATION=f"Api-Key {key}", REMOTE_ADDR=ADDRESS)


def test_a_locked_out_address_gets_429_on_a_lookup_and_counts_nothing(
    api, client_key, granted, unconditional, settings
):
    lock_out(api, settings)
    refused = lookup(api, client_key, unconditional)
    assert refused.status_code == 429 and "RateLimit-Limit" not in refused.headers
    assert not AuditEvent.objects.filter(action="data.query").exists()
    answered = api.get(
        url(unconditional, RECORDS[0]["credit_code"]), HTTP_AUTHORIZATION=f"Api-Key {client_key}"
    )
    assert answered["RateLimit-Remaining"] == str(int(answered["RateLimit-Limit"]) - 1)


def test_a_locked_out_address_gets_429_before_a_refusal_and_with_a_wrong_key(
    api, client_key, unconditional, settings
):
    lock_out(api, settings)
    assert lookup(api, client_key, unconditional).status_code == 429  # no grant: not a 403
    assert lookup(api, "guess999.nothing", unconditional).status_code == 429  # a wrong key: not a 401
    assert not AuditEvent.objects.filter(action="data.query").exists()


def test_on_redis_the_lockout_holds_and_survives_the_loss_of_its_counters(
    api, client_key, granted, unconditional, settings, redis_counters
):
    from django.core.cache import cache

    counters = [f"api-key-failures:ip:{ADDRESS}", f"api-key-failures:known:ip:{ADDRESS}"]
    cache.delete_many(counters)
    try:
        assert lookup(api, client_key, unconditional).status_code == 200
        lock_out(api, settings)
        assert lookup(api, client_key, unconditional).status_code == 429
        cache.delete_many(counters)  # what a restart of Redis does: read back from the audit log
        assert lookup(api, client_key, unconditional).status_code == 429
    finally:
        cache.delete_many(counters)
    assert AuditEvent.objects.filter(action="data.query").count() == 1
