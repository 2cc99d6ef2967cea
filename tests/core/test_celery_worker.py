"""Tasks through a real Celery worker process on Redis, against the test database."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from audit.partitions import partitions_list
from audit.services import audit_record
from audit.tasks import maintain_partitions, seal_events
from dataplatform.core.audit_actions import AuditAction
from dataplatform.core.models import Notification
from dataplatform.core.tasks import send_notification_email

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(tmp_path, celery_eager, request):
    """A worker process consuming a queue of its own, on the test database, connected as the
    application's role as in docker-compose (manage.py grant_app_role)."""
    if not settings.REDIS_URL or connection.vendor != "postgresql":
        pytest.skip("needs REDIS_URL and PostgreSQL (make test sets both)")
    app_role = request.getfixturevalue("app_role")
    celery_eager.conf.task_always_eager = False
    db = connection.settings_dict
    queue = f"test-{uuid.uuid4().hex[:8]}"
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{app_role}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
    }
    command = [sys.executable, "-m", "celery", "-A", "dataplatform", "worker", "-P", "solo", "-Q", queue]
    with log.open("w") as out:
        process = subprocess.Popen(
            [*command, "--without-gossip", "--without-mingle", "-l", "INFO"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        yield queue, log
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_a_real_worker_sends_a_notification_email_once(worker, producer):
    queue, log = worker
    producer.email = "producer@example.org"
    producer.save()
    notification = Notification.objects.create(recipient=producer, title="worker-mail-check")

    first = send_notification_email.apply_async(args=[notification.pk], queue=queue)
    assert first.get(timeout=60) is True
    second = send_notification_email.apply_async(args=[notification.pk], queue=queue)
    assert second.get(timeout=60) is False  # the claim is taken: never sent twice

    notification.refresh_from_db()
    assert notification.emailed_at is not None
    assert log.read_text().count("To: producer@example.org") == 1


def test_a_real_worker_as_the_application_role_seals_events_and_leaves_partitions_to_the_owner(worker):
    queue, log = worker
    event = audit_record(action=AuditAction.LOGIN)
    partitions = partitions_list()

    assert seal_events.apply_async(queue=queue).get(timeout=60) == 1
    assert maintain_partitions.apply_async(queue=queue).get(timeout=60) == 0

    event.refresh_from_db()
    assert event.sealed_at is not None and len(event.hash) == 64
    assert partitions_list() == partitions
    assert "maintained by the owner of the tables" in log.read_text()
