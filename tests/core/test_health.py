"""/healthz and /readyz (dataplatform.core.health): liveness without the database, readiness that names
the failing check."""

import shutil
from collections import namedtuple
from datetime import timedelta
from unittest import mock

import pytest
from django.db import DatabaseError, connection
from django.test import Client
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import audit_record, audit_seal
from dataplatform.core import health
from dataplatform.core.models import Heartbeat
from dataplatform.core.tasks import HEARTBEAT_TASK, beat_published, heartbeat

DiskUsage = namedtuple("DiskUsage", "total used free")


@pytest.fixture
def client():
    return Client()


@pytest.fixture
def beating(db):
    """Worker and beat beat now; nothing waits for the sealer."""
    health.heartbeat_write(health.WORKER, health.BEAT)
    audit_seal()


def failing(response) -> list[str]:
    return sorted(name for name, check in response.json()["checks"].items() if not check["ok"])


def test_healthz_answers_without_the_database(client):
    """No django_db mark: a query here would raise."""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"process": {"ok": True}}}


@pytest.mark.django_db
def test_readyz_is_ok_when_all_is_well(client, beating, settings):
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {
        "database",
        "redis",
        "worker_heartbeat",
        "beat_heartbeat",
        "audit_sealer",
        "disk",
    }
    assert all(check["ok"] for check in body["checks"].values())


@pytest.mark.django_db
def test_readyz_fails_with_no_heartbeat_yet(client):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["status"] == "fail"
    assert {"worker_heartbeat", "beat_heartbeat"} <= set(failing(response))


@pytest.mark.django_db
def test_readyz_names_a_stale_worker_heartbeat(client, beating, settings):
    Heartbeat.objects.filter(name=health.WORKER).update(
        at=timezone.now() - timedelta(seconds=settings.HEALTH_HEARTBEAT_MAX_AGE + 60)
    )
    response = client.get("/readyz")
    assert response.status_code == 503
    assert failing(response) == ["worker_heartbeat"]
    assert response.json()["checks"]["worker_heartbeat"]["age_seconds"] > settings.HEALTH_HEARTBEAT_MAX_AGE


@pytest.mark.django_db
def test_readyz_names_a_lagging_sealer(client, beating, settings, producer_unit):
    """Events are append-only (a trigger refuses the update): the clock of the checks moves on instead."""
    audit_record(action="record.view", owner_unit=producer_unit)
    later = timezone.now() + timedelta(seconds=settings.HEALTH_SEALER_MAX_LAG + 60)
    settings.HEALTH_HEARTBEAT_MAX_AGE = 24 * 3600  # the heartbeats age with the clock; not this test's
    with mock.patch.object(health, "timezone", mock.Mock(now=mock.Mock(return_value=later))):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert failing(response) == ["audit_sealer"]
    assert response.json()["checks"]["audit_sealer"]["lag_seconds"] > settings.HEALTH_SEALER_MAX_LAG


@pytest.mark.django_db
def test_readyz_counts_a_young_unsealed_event_as_keeping_up(client, beating, producer_unit):
    audit_record(action="record.view", owner_unit=producer_unit)
    assert client.get("/readyz").status_code == 200


@pytest.mark.django_db
def test_readyz_names_an_unreachable_database(client, beating):
    with mock.patch.object(connection, "cursor", side_effect=DatabaseError("connection refused")):
        response = client.get("/readyz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"] == {"ok": False, "error": "DatabaseError: connection refused"}


@pytest.mark.django_db
def test_readyz_names_a_full_disk(client, beating, settings):
    low = DiskUsage(total=10**12, used=10**12, free=(settings.HEALTH_MIN_FREE_DISK_MB - 1) * 1024 * 1024)
    with mock.patch.object(shutil, "disk_usage", return_value=low):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert failing(response) == ["disk"]
    disk = response.json()["checks"]["disk"]
    assert disk["AUDIT_CHECKPOINT_DIR"]["free_mb"] == settings.HEALTH_MIN_FREE_DISK_MB - 1


@pytest.mark.django_db
def test_readyz_skips_redis_in_embedded_mode_and_fails_when_it_does_not_answer(client, beating, settings):
    settings.REDIS_URL = ""
    assert client.get("/readyz").json()["checks"]["redis"]["ok"] is True
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    response = client.get("/readyz")
    assert response.status_code == 503
    assert failing(response) == ["redis"]


@pytest.mark.django_db
def test_readyz_needs_no_login_and_no_post(client, beating):
    assert client.post("/readyz").status_code == 405
    assert client.get("/readyz").status_code == 200


@pytest.mark.django_db
def test_the_heartbeat_timer_in_process_writes_worker_and_beat(settings):
    """`manage.py run_timers` (embedded mode) runs the task in-process: it is beat and worker at once."""
    heartbeat.apply()
    assert set(Heartbeat.objects.values_list("name", flat=True)) == {health.WORKER, health.BEAT}
    assert "heartbeat" in {
        name for name, entry in settings.CELERY_BEAT_SCHEDULE.items() if entry["task"] == HEARTBEAT_TASK
    }


@pytest.mark.django_db
def test_beat_publishing_the_heartbeat_is_beats_heartbeat():
    beat_published(sender="sharing.tasks.expire_grants")
    assert not Heartbeat.objects.exists()
    beat_published(sender=HEARTBEAT_TASK)
    assert list(Heartbeat.objects.values_list("name", flat=True)) == [health.BEAT]


@pytest.mark.django_db
def test_the_sealer_lag_query_can_use_the_unsealed_index():
    if connection.vendor != "postgresql":
        pytest.skip("the partial index is PostgreSQL's")
    query = AuditEvent.objects.filter(sealed_at__isnull=True).order_by()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = query.explain()
    # Each partition's copy of the partial index audit_unsealed (owner_unit, id) WHERE sealed_at IS NULL.
    assert "Seq Scan" not in plan and "owner_unit_id_id_idx" in plan, plan
