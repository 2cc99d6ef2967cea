"""Prometheus metrics at ``/metrics`` (issue 18, item 7: operators see trouble first).

django-prometheus counts requests and their latency by view and status (its middlewares, settings), and the
data interface counts its calls by action and answer (``sharing.calls``). The platform's own state is read
at scrape time by ``PlatformCollector``, from the database and Redis that every process shares, so it is the
same whichever web process answers: the Celery queue's length, the audit sealer's lag, the deadlines overdue
now, the push runs waiting, and the tasks that failed in any worker (counted in Redis by a Celery signal).

The endpoint answers a scraper that sends ``Authorization: Bearer <METRICS_TOKEN>``; with no token set, only
callers on the loopback address. Under gunicorn with several workers, set ``PROMETHEUS_MULTIPROC_DIR`` (an
empty directory per start) so that the request counters of every worker are added up.
"""

import hmac
import ipaddress
import logging
import os
from collections.abc import Iterator

from celery.signals import task_failure
from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from audit.anchoring import anchor_failures
from catalog.models import Resource, ResourceStatus
from correction.models import TIMED_STATUSES, CorrectionTicket
from dataplatform.core.health import check_audit_sealer
from sharing.exchange.models import PushTask
from sharing.models import OPEN_STATUSES, Application

logger = logging.getLogger(__name__)

TASK_FAILURES_KEY = "metrics:task-failures"


def _redis():
    url = getattr(settings, "REDIS_URL", "")
    if not url:
        return None
    import redis  # only with Redis configured

    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


@task_failure.connect
def count_task_failure(sender=None, **kwargs) -> None:
    """Every failed task, in whichever worker, adds one to its name's count in Redis."""
    client = _redis()
    if client is None:
        return
    try:
        client.hincrby(TASK_FAILURES_KEY, getattr(sender, "name", str(sender)), 1)
    except Exception:  # a metric must never fail the worker's own handling of the failure
        logger.warning("Could not count a task failure in Redis", exc_info=True)
    finally:
        client.close()


class PlatformCollector(Collector):
    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        today = timezone.localdate()
        overdue = GaugeMetricFamily(
            "dataplatform_overdue_deadlines",
            "Deadlines passed and not met, now, by kind of work",
            labels=["kind"],
        )
        overdue.add_metric(
            ["catalog_review"],
            Resource.objects.filter(status=ResourceStatus.SUBMITTED, review_due__lt=today).count(),
        )
        overdue.add_metric(["catalog_update"], Resource.objects.filter(update_due__lt=today).count())
        overdue.add_metric(
            ["application"], Application.objects.filter(status__in=OPEN_STATUSES, due__lt=today).count()
        )
        overdue.add_metric(
            ["correction"], CorrectionTicket.objects.filter(status__in=TIMED_STATUSES, due__lt=today).count()
        )
        yield overdue

        backlog = GaugeMetricFamily(
            "dataplatform_push_backlog", "Push tasks due to run and not paused (their run is waiting)"
        )
        backlog.add_metric(
            [], PushTask.objects.filter(Q(next_run_at__lte=timezone.now()), paused=False).count()
        )
        yield backlog

        sealer = check_audit_sealer()
        yield GaugeMetricFamily(
            "dataplatform_audit_sealer_lag_seconds",
            "Age of the oldest audit event not yet sealed into its chain (0: none waiting)",
            value=sealer["lag_seconds"],
        )
        yield GaugeMetricFamily(
            "dataplatform_audit_anchor_failures",
            "Timestamps of the audit chain heads (AUDIT_TSA_URL) that failed since the last one that succeeded",
            value=anchor_failures(),
        )
        yield from self._redis_metrics()

    def _redis_metrics(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        client = _redis()
        if client is None:
            return
        try:
            queue = settings.CELERY_TASK_DEFAULT_QUEUE
            length = GaugeMetricFamily(
                "dataplatform_queue_length", "Tasks waiting in the Celery queue", labels=["queue"]
            )
            length.add_metric([queue], client.llen(queue))
            failures = CounterMetricFamily(
                "dataplatform_task_failures", "Celery tasks that failed, by task", labels=["task"]
            )
            for name, count in client.hgetall(TASK_FAILURES_KEY).items():
                failures.add_metric([name.decode()], int(count))
        except Exception:  # Redis down: /readyz says so; the metrics of the database still answer
            logger.warning("Redis metrics unavailable", exc_info=True)
            return
        finally:
            client.close()
        yield length
        yield failures


def _exposition() -> bytes:
    """django-prometheus's and the data interface's counters (of every gunicorn worker, in multiprocess
    mode), then the platform's state."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        counters = CollectorRegistry()
        multiprocess.MultiProcessCollector(counters)
    else:
        counters = REGISTRY
    state = CollectorRegistry()
    state.register(PlatformCollector())
    return generate_latest(counters) + generate_latest(state)


def _allowed(request: HttpRequest) -> bool:
    token = getattr(settings, "METRICS_TOKEN", "")
    if token:
        sent = request.META.get("HTTP_AUTHORIZATION", "")
        return hmac.compare_digest(sent.encode(), f"Bearer {token}".encode())
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not _allowed(request):
        return HttpResponse("Forbidden\n", status=403, content_type="text/plain; charset=utf-8")
    return HttpResponse(_exposition(), content_type=CONTENT_TYPE_LATEST)
