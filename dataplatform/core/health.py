"""Liveness and readiness for operators and the load balancer ("operators see trouble first").

``/healthz`` answers as long as the process does: no database, no network. ``/readyz`` says whether this
instance should get traffic: the database answers, Redis answers (when ``REDIS_URL`` is set), the Celery
worker and beat have beaten recently (the ``heartbeat`` timer, dataplatform.core.tasks), the audit sealer
keeps up (the oldest unsealed event is young), and the audit file directories have disk to spare.

Both answer ``{"status": "ok"|"fail", "checks": {name: {"ok": bool, ...}}}``, 200 or 503, without login.
Every check is cheap: one primary-key read, one read of the sealer's partial index, a ``statvfs``.
Thresholds are settings (``HEALTH_*``, settings/base.py), with the defaults below.
"""

import logging
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.db.models import Min
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .models import Heartbeat

logger = logging.getLogger(__name__)

WORKER = "worker"
BEAT = "beat"

DEFAULTS = {
    "HEALTH_HEARTBEAT_MAX_AGE": 300,  # seconds; the heartbeat timer runs every minute
    "HEALTH_SEALER_MAX_LAG": 600,  # seconds; the sealer runs every minute
    "HEALTH_MIN_FREE_DISK_MB": 1024,
    "HEALTH_REDIS_TIMEOUT": 2,  # seconds
}

Check = dict[str, Any]


def setting(name: str) -> Any:
    return getattr(settings, name, DEFAULTS[name])


def heartbeat_write(*names: str) -> None:
    now = timezone.now()
    for name in names:
        Heartbeat.objects.update_or_create(name=name, defaults={"at": now})


# --- the checks: each returns its detail with "ok", or raises (the check fails with the error) ------------


def check_database() -> Check:
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"ok": True, "ms": round((time.monotonic() - started) * 1000, 1)}


def check_redis() -> Check:
    url = getattr(settings, "REDIS_URL", "")
    if not url:
        return {"ok": True, "skipped": "REDIS_URL is not set (embedded mode)"}
    import redis  # only with Redis configured

    timeout = setting("HEALTH_REDIS_TIMEOUT")
    client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
    try:
        client.ping()
    finally:
        client.close()
    return {"ok": True}


def _heartbeat(name: str) -> Check:
    max_age = setting("HEALTH_HEARTBEAT_MAX_AGE")
    at = Heartbeat.objects.filter(name=name).values_list("at", flat=True).first()
    if at is None:
        return {"ok": False, "error": "no heartbeat yet", "max_age_seconds": max_age}
    age = (timezone.now() - at).total_seconds()
    return {"ok": age <= max_age, "age_seconds": round(age, 1), "max_age_seconds": max_age}


def check_worker() -> Check:
    return _heartbeat(WORKER)


def check_beat() -> Check:
    return _heartbeat(BEAT)


def check_audit_sealer() -> Check:
    """The age of the oldest unsealed audit event. ``sealed_at IS NULL`` is the predicate of the partial
    index ``audit_unsealed`` (audit.models.AuditEvent): the query reads only the sealer's small queue.
    The model is looked up by name: the core sits below audit in the layers (pyproject, importlinter)."""
    max_lag = setting("HEALTH_SEALER_MAX_LAG")
    event = apps.get_model("audit", "AuditEvent")
    oldest = event.objects.filter(sealed_at__isnull=True).order_by().aggregate(oldest=Min("occurred_at"))
    if oldest["oldest"] is None:
        return {"ok": True, "lag_seconds": 0, "max_lag_seconds": max_lag}
    lag = max((timezone.now() - oldest["oldest"]).total_seconds(), 0.0)
    return {"ok": lag <= max_lag, "lag_seconds": round(lag, 1), "max_lag_seconds": max_lag}


def check_disk() -> Check:
    """Free space where the audit checkpoints and archives are written (a directory not made yet is
    measured at its nearest existing parent)."""
    minimum = setting("HEALTH_MIN_FREE_DISK_MB")
    paths = {}
    ok = True
    for name in ("AUDIT_CHECKPOINT_DIR", "AUDIT_ARCHIVE_DIR"):
        path = getattr(settings, name)
        existing = Path(path)
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent
        free_mb = shutil.disk_usage(existing).free // (1024 * 1024)
        paths[name] = {"path": str(path), "free_mb": free_mb}
        ok = ok and free_mb >= minimum
    return {"ok": ok, "min_free_mb": minimum, **paths}


READINESS: dict[str, Callable[[], Check]] = {
    "database": check_database,
    "redis": check_redis,
    "worker_heartbeat": check_worker,
    "beat_heartbeat": check_beat,
    "audit_sealer": check_audit_sealer,
    "disk": check_disk,
}


def run_checks(checks: dict[str, Callable[[], Check]]) -> tuple[bool, dict[str, Check]]:
    results: dict[str, Check] = {}
    for name, check in checks.items():
        try:
            results[name] = check()
        except Exception as exc:  # a check that cannot run has failed; the others still answer
            logger.warning("Readiness check %s failed: %r", name, exc)
            results[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    return all(result["ok"] for result in results.values()), results


def answer(ok: bool, checks: dict[str, Check]) -> JsonResponse:
    failing = sorted(name for name, result in checks.items() if not result["ok"])
    if failing:
        logger.warning("Not ready: %s", ", ".join(failing))
    return JsonResponse({"status": "ok" if ok else "fail", "checks": checks}, status=200 if ok else 503)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. No database, so a database outage does not restart every web
    process."""
    return answer(True, {"process": {"ok": True}})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    ok, checks = run_checks(READINESS)
    return answer(ok, checks)
