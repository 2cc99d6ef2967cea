"""Prometheus metrics for operators (issue 18, item 7): who may read them, and that they say what is true."""

import datetime as dt

import pytest
from celery.signals import task_failure
from django.test import override_settings
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from catalog.models import Resource

pytestmark = pytest.mark.django_db


def samples(response) -> dict[tuple[str, tuple], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def test_metrics_are_refused_to_a_caller_off_the_loopback_without_a_token(client):
    assert client.get("/metrics", REMOTE_ADDR="10.0.0.5").status_code == 403


@override_settings(METRICS_TOKEN="s3cret-scraper-token")
def test_with_a_token_only_the_token_opens_them(client):
    assert client.get("/metrics").status_code == 403  # loopback is not enough once a token is set
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    response = client.get(
        "/metrics", REMOTE_ADDR="10.0.0.5", HTTP_AUTHORIZATION="Bearer s3cret-scraper-token"
    )
    assert response.status_code == 200


def test_request_latency_by_view_and_the_platform_state_are_exposed(client, unconditional):
    client.get("/healthz")
    before = samples(client.get("/metrics"))
    assert before[("dataplatform_overdue_deadlines", (("kind", "catalog_update"),))] == 0
    assert any(name == "django_http_requests_latency_seconds_by_view_method_count" for name, _ in before)
    assert ("dataplatform_audit_sealer_lag_seconds", ()) in before

    Resource.objects.filter(pk=unconditional.pk).update(
        update_due=timezone.localdate() - dt.timedelta(days=2)
    )
    after = samples(client.get("/metrics"))
    assert after[("dataplatform_overdue_deadlines", (("kind", "catalog_update"),))] == 1


def test_failed_tasks_of_any_worker_are_counted_through_redis(client, settings):
    if not settings.REDIS_URL:
        pytest.skip("needs Redis (REDIS_URL)")
    name = "tests.metrics.always_fails"
    key = ("dataplatform_task_failures_total", (("task", name),))
    before = samples(client.get("/metrics")).get(key, 0)
    task = type("FailingTask", (), {"name": name})()  # a Celery task is the signal's sender
    task_failure.send(sender=task, task_id="t1", exception=RuntimeError("boom"))
    task_failure.send(sender=task, task_id="t2", exception=RuntimeError("boom"))
    assert samples(client.get("/metrics"))[key] == before + 2
    assert ("dataplatform_queue_length", (("queue", settings.CELERY_TASK_DEFAULT_QUEUE),)) in samples(
        client.get("/metrics")
    )
