"""The RateLimit fields on the data interface (draft-ietf-httpapi-ratelimit-headers-06: the per-minute
rate, with RateLimit-Policy naming the rate and the daily quota), and the grant's limits in the grants API."""

# ruff: noqa: F811  (the data interface's fixtures are imported from its tests and named as arguments)
import datetime as dt
import re

import pytest
import time_machine

from sharing import counters
from sharing.models import Grant
from tests.sharing.test_data_api import (  # noqa: F401  (fixtures)
    RECORDS,
    call,
    client_key,
    granted,
    redis_counters,
    url,
)

pytestmark = pytest.mark.django_db

KEY = RECORDS[0]["credit_code"]


def fields(response) -> dict:
    return {
        name: response.get(name) for name in ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")
    }


def test_every_answer_says_the_minutes_limit_and_what_remains(call, granted, unconditional, settings):
    settings.DATA_API = {**settings.DATA_API, "RATE_PER_MINUTE": 5, "DAILY_QUOTA": 1000}
    answers = [call(url(unconditional, KEY)) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert [a["RateLimit-Limit"] for a in answers] == ["5", "5", "5"]
    assert [a["RateLimit-Remaining"] for a in answers] == ["4", "3", "2"]
    assert all(0 < int(a["RateLimit-Reset"]) <= 60 for a in answers)
    assert answers[0]["RateLimit-Policy"] == "5;w=60, 1000;w=86400"


def test_the_grants_own_limits_are_the_ones_reported(call, granted, unconditional):
    Grant.objects.filter(pk=granted.pk).update(rate_per_minute=7, daily_quota=300)
    answer = call(url(unconditional, KEY))
    assert (answer["RateLimit-Limit"], answer["RateLimit-Remaining"]) == ("7", "6")
    assert answer["RateLimit-Policy"] == "7;w=60, 300;w=86400"


def test_a_list_and_a_key_that_finds_nothing_carry_them_too(call, granted, unconditional):
    assert "RateLimit-Remaining" in call(url(unconditional)).headers
    missing = call(url(unconditional, "no-such-key"))
    assert missing.status_code == 404 and "RateLimit-Remaining" in missing.headers


def test_a_429_keeps_retry_after_and_says_nothing_remains(call, granted, unconditional, settings):
    settings.DATA_API = {**settings.DATA_API, "RATE_PER_MINUTE": 2}
    third = [call(url(unconditional, KEY)) for _ in range(3)][-1]
    assert third.status_code == 429
    assert 0 < int(third["Retry-After"]) <= 60
    assert third["RateLimit-Limit"] == "2" and third["RateLimit-Remaining"] == "0"


def test_over_the_daily_quota_retry_after_waits_for_the_next_day(call, granted, unconditional):
    Grant.objects.filter(pk=granted.pk).update(daily_quota=1)
    refused = [call(url(unconditional, KEY)) for _ in range(2)][-1]
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 60
    assert refused["RateLimit-Policy"].endswith(", 1;w=86400")


def test_a_refused_grant_counts_nothing_and_reports_no_limits(call, granted, unconditional, reviewer):
    Grant.objects.filter(pk=granted.pk).update(status="suspended")
    refused = call(url(unconditional, KEY))
    assert refused.status_code == 403 and "RateLimit-Limit" not in refused.headers


class CountingRedis:
    """The Redis client, counting round trips (a pipeline's execute is one)."""

    def __init__(self, client) -> None:
        self.client, self.trips = client, 0

    def pipeline(self, **kwargs):
        outer, pipe = self, self.client.pipeline(**kwargs)
        execute = pipe.execute

        def counted():
            outer.trips += 1
            return execute()

        pipe.execute = counted
        return pipe

    def register_script(self, script):
        outer, registered = self, self.client.register_script(script)

        def counted(**kwargs):
            outer.trips += 1
            return registered(**kwargs)

        return counted

    def __getattr__(self, name):
        self.trips += 1
        return getattr(self.client, name)


def test_the_fields_cost_no_redis_round_trip(call, granted, unconditional, redis_counters):
    counting, cached = CountingRedis(redis_counters), counters._redis
    counters._redis = lambda: counting  # type: ignore[assignment]
    try:
        answer = call(url(unconditional, KEY))
    finally:
        counters._redis = cached
    assert answer["RateLimit-Remaining"] == str(int(answer["RateLimit-Limit"]) - 1)
    # Counting the call before the read (the key lockout, rate, calls, records reserved, the latest keys
    # and the misses: one script); a lookup that found its record settles nothing after it.
    assert counting.trips == 1


def test_an_applicant_sees_its_grants_rate_quota_and_use_today(
    api_as, applicant, call, granted, unconditional, settings
):
    Grant.objects.filter(pk=granted.pk).update(rate_per_minute=20, daily_quota=500)
    for _ in range(3):
        call(url(unconditional, KEY))
    grant = api_as(applicant).get("/api/v1/sharing/grants/").json()["results"][0]
    assert grant["limits"] == {
        "rate_per_minute": 20,
        "daily_quota": 500,
        "used_today": 3,
        "remaining_today": 497,
        "daily_row_quota": settings.DATA_API["DAILY_ROWS"],
        "rows_today": 3,
        "rows_remaining_today": settings.DATA_API["DAILY_ROWS"] - 3,
    }


def test_a_grant_without_its_own_limits_shows_the_platforms(api_as, applicant, granted, settings):
    settings.DATA_API = {**settings.DATA_API, "RATE_PER_MINUTE": 60, "DAILY_QUOTA": 10000, "DAILY_ROWS": 5000}
    grant = api_as(applicant).get("/api/v1/sharing/grants/").json()["results"][0]
    assert grant["limits"] == {
        "rate_per_minute": 60,
        "daily_quota": 10000,
        "used_today": 0,
        "remaining_today": 10000,
        "daily_row_quota": 5000,
        "rows_today": 0,
        "rows_remaining_today": 5000,
    }


def test_the_limits_are_read_on_redis_too(api_as, applicant, call, granted, unconditional, redis_counters):
    call(url(unconditional, KEY))
    call(url(unconditional, KEY))
    grant = api_as(applicant).get("/api/v1/sharing/grants/").json()["results"][0]
    assert grant["limits"]["used_today"] == 2


def test_the_reviewers_change_answer_carries_the_limits(api_as, applicant, reviewer, granted):
    answer = api_as(reviewer).post(
        f"/api/v1/sharing/grants/{granted.pk}/change/", {"move": "suspend", "reason": "核查"}, format="json"
    )
    assert answer.status_code == 200 and answer.json()["limits"]["used_today"] == 0


# --- the grants page: today's calls against the quota, and the rate ------------------------------------

# A moment the calls and the page share: the minute's counter cannot roll over between them.
FROZEN = dt.datetime(2026, 12, 3, 10, 15, 20, tzinfo=dt.UTC)


def grant_card(html: str, testid: str) -> str:
    found = re.search(rf'data-testid="{testid}">(.*?)</dd>', html, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))).strip() if found else ""


def test_the_grants_page_shows_todays_calls_against_the_quota_and_the_rate(
    client, applicant, call, granted, unconditional
):
    Grant.objects.filter(pk=granted.pk).update(rate_per_minute=30, daily_quota=12000)
    client.force_login(applicant)
    with time_machine.travel(FROZEN, tick=False):
        for _ in range(3):
            call(url(unconditional, KEY))
        html = client.get("/sharing/grants/").content.decode()
    assert grant_card(html, "grant-calls-today") == "3 / 12,000 次（每日配额，剩余 11,997 次）"
    assert grant_card(html, "grant-rate") == "每分钟 30 次 · 本分钟已调用 3 次"
    assert 'aria-valuenow="0"' in html  # 3 of 12,000: under one percent


def test_the_producer_and_the_authority_see_the_same_use_in_english(
    client, producer, reviewer, call, granted, unconditional, settings
):
    settings.DATA_API = {**settings.DATA_API, "RATE_PER_MINUTE": 60, "DAILY_QUOTA": 20000}
    with time_machine.travel(FROZEN, tick=False):
        call(url(unconditional, KEY))
        client.cookies["django_language"] = "en"
        for person in (producer, reviewer):
            client.force_login(person)
            html = client.get("/sharing/grants/").content.decode()
            assert grant_card(html, "grant-calls-today") == "1 of 20,000 a day (19,999 left)"
            assert grant_card(html, "grant-rate") == "60 calls a minute · 1 this minute"


def test_the_grants_page_reads_the_counters_on_redis_too(
    client, applicant, call, granted, unconditional, redis_counters
):
    with time_machine.travel(FROZEN, tick=False):
        call(url(unconditional, KEY))
        call(url(unconditional, KEY))
        client.force_login(applicant)
        html = client.get("/sharing/grants/").content.decode()
    assert grant_card(html, "grant-calls-today").startswith("2 / ")
    assert grant_card(html, "grant-rate").endswith("本分钟已调用 2 次")


def test_a_bulk_exchange_grant_counts_no_calls_and_shows_none(client, applicant, bulk_grant):
    client.force_login(applicant)
    html = client.get("/sharing/grants/").content.decode()
    assert 'data-testid="grant"' in html and 'data-testid="grant-calls-today"' not in html
