"""Redis, the broker, restarts while timers and a push are pending (issue 9: fault tests).

A Redis of the test's own (no persistence, like the production one) holds the timers' messages when it
is killed and started again empty: those messages are gone. The next ticks of the timers find the due
work in the database again, and every reminder still goes out once, the push runs once."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from celery import Celery
from django.conf import settings
from django.db import connection
from django.utils import timezone

from dataplatform.core.models import Notification
from sharing.exchange.config import push_task_save
from sharing.exchange.models import RunStatus
from sharing.models import Application, PushRun
from sharing.workflow import application_act
from tests.factories.sharing import GRANTED, apply, company
from tests.sharing.exchange_targets import PG, pg_rows, table_name

ROOT = Path(__file__).resolve().parents[2]
TIMERS = ["sharing.tasks.remind_applications", "sharing.tasks.start_due_pushes"]

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Redis:
    def __init__(self, port: int, folder: Path) -> None:
        self.port, self.folder, self.process = port, folder, None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            cwd=self.folder,
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise AssertionError("redis-server did not start")

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)


@pytest.fixture
def broker(tmp_path):
    if shutil.which("redis-server") is None or connection.vendor != "postgresql" or not settings.REDIS_URL:
        pytest.skip("needs redis-server, PostgreSQL and REDIS_URL (make test has them)")
    redis = Redis(free_port(), tmp_path)
    redis.start()
    yield redis
    if redis.process.poll() is None:
        redis.kill()


def start_worker(url: str, queue: str, log: Path) -> subprocess.Popen:
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": url,
        "CELERY_QUEUE": queue,
    }
    command = [sys.executable, "-m", "celery", "-A", "dataplatform", "worker", "-P", "solo", "-Q", queue]
    with log.open("a") as out:
        return subprocess.Popen(
            [*command, "--without-gossip", "--without-mingle", "-l", "INFO"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def tick(url: str, queue: str) -> None:
    """What beat does each minute: send the timers' tasks by name."""
    sender = Celery(broker=url, set_as_current=False)  # the app under test stays the current one
    for name in TIMERS:
        sender.send_task(name, queue=queue)
    sender.close()


def test_after_a_broker_restart_reminders_go_once_and_the_push_runs_once(
    broker, tmp_path, applicant, evaluator, unconditional, conditional, producer, pg_target_db
):
    from catalog.aggregation.services import records_upsert

    # Due work, in the database: an evaluation due today, and a bulk exchange push task due now.
    application = application_act(application=apply(applicant, conditional), action="submit", actor=applicant)
    Application.objects.filter(pk=application.pk).update(due=timezone.localdate())
    records_upsert(actor=producer, resource=unconditional, records=[company(n) for n in range(20)])
    bulk = application_act(
        application=apply(applicant, unconditional, method="bulk_exchange", items=GRANTED),
        action="submit",
        actor=applicant,
    )
    application_act(application=bulk, action="configure", actor=evaluator)
    values = {"name": "人社库", "engine": "postgresql", "host": PG["host"], "port": PG["port"]}
    values |= {"database": pg_target_db, "username": "postgres", "table": table_name()}
    task = push_task_save(actor=applicant, grant=bulk.grants.get(), values=values)

    url, queue = f"redis://127.0.0.1:{broker.port}/0", f"test-restart-{uuid.uuid4().hex[:8]}"
    tick(url, queue)  # the timers' messages wait in the broker ...
    broker.kill()  # ... which dies with them
    broker.start()
    worker = start_worker(url, queue, tmp_path / "worker.log")
    try:
        for _ in range(3):  # the next ticks, some of them twice over
            tick(url, queue)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if PushRun.objects.filter(task=task, status=RunStatus.DONE).exists():
                break
            time.sleep(0.2)
        time.sleep(1)  # let any duplicate delivery finish
    finally:
        worker.terminate()
        worker.wait(timeout=30)

    reminders = Notification.objects.filter(recipient=evaluator, title__contains="到期")
    assert reminders.count() == 1
    assert list(PushRun.objects.filter(task=task).values_list("status", flat=True)) == [RunStatus.DONE]
    assert len(pg_rows(pg_target_db, task.table)) == 20
