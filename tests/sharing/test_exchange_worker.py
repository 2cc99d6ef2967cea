"""A push of 100,000 rows through a real Celery worker on Redis into a real PostgreSQL target, killed in
the middle ten times over: the pool process that runs the task, and, separately, the whole worker. Each
time the timer finds the run's heartbeat stale and queues it again, and the next worker resumes it from
the state kept in the target; the target ends with exactly the source's rows, none twice, and the
schedule has one run, completed once (issue 9: fault tests)."""

import datetime as dt
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from catalog.records import all_records, ensure_table, published_columns, table_name
from sharing.exchange.config import push_now, push_task_save
from sharing.exchange.models import RunStatus
from sharing.exchange.runs import pushes_start_due
from sharing.models import Grant, PushRun
from sharing.workflow import application_act
from tests.factories.sharing import apply
from tests.sharing.exchange_targets import PG, pg_rows
from tests.sharing.exchange_targets import table_name as target_table

ROOT = Path(__file__).resolve().parents[2]
ROWS = 100_000
KILLS = int(os.environ.get("FAULT_KILLS", "10"))
# Kills land only while rows are still to be written; a run faster than the polling may finish before the
# last of them (each kill that landed must have cost a claim: assert_exact_copy).
MIN_KILLS = KILLS // 2
BATCH_ROWS = 500  # the worker's EXCHANGE_BATCH_ROWS: a run moves on a batch at a time
END_MARGIN = 10 * BATCH_ROWS  # rows the run still has to write when the last kill may land
STALE_SECONDS = 2

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


class Worker:
    """``celery worker`` with a prefork pool of one process, on a queue of its own."""

    def __init__(self, queue: str, log: Path) -> None:
        db = connection.settings_dict
        self.env = {
            **os.environ,
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "REDIS_URL": settings.REDIS_URL,
            "CELERY_QUEUE": queue,
            "EXCHANGE_BATCH_ROWS": str(BATCH_ROWS),
            "EXCHANGE_STALE_SECONDS": str(STALE_SECONDS),
        }
        self.queue, self.log, self.process = queue, log, None

    def start(self) -> None:
        command = [sys.executable, "-m", "celery", "-A", "dataplatform", "worker", "-P", "prefork", "-c", "1"]
        with self.log.open("a") as out:
            self.process = subprocess.Popen(
                [*command, "-Q", self.queue, "--without-gossip", "--without-mingle", "-l", "INFO"],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: the whole worker can be killed at once
            )

    def pool_pids(self) -> list[int]:
        found = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True)
        return [int(pid) for pid in found.stdout.split()]

    def kill_pool_process(self) -> None:
        for pid in self.pool_pids():
            os.kill(pid, signal.SIGKILL)

    def kill_all(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)


@pytest.fixture
def worker(tmp_path, celery_eager):
    if not settings.REDIS_URL or connection.vendor != "postgresql":
        pytest.skip("needs REDIS_URL and PostgreSQL (make test sets both)")
    queue = f"test-push-{uuid.uuid4().hex[:8]}"
    celery_eager.conf.task_always_eager = False
    saved_queue = celery_eager.conf.task_default_queue
    celery_eager.conf.task_default_queue = queue  # tasks queued by this test go to this worker
    worker = Worker(queue, tmp_path / "worker.log")
    worker.start()
    yield worker
    worker.stop()
    celery_eager.conf.task_default_queue = saved_queue


def bulk_records(resource, rows: int) -> None:
    """``rows`` companies written straight into the resource's table, as one statement: aggregating
    them would take most of the test's time, and aggregation has tests of its own."""
    ensure_table(resource.pk, published_columns(resource))
    code, now = "'91350500MA' || lpad(n::text, 7, '0') || 'X'", timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table_name(resource.pk)} "
            "(_key, credit_code, company_name, capital, _created_at, _updated_at) "
            f"SELECT {code}, {code}, '企业' || n, n, %s, %s FROM generate_series(0, %s - 1) AS n",
            [now, now, rows],
        )


@pytest.fixture
def task(applicant, evaluator, unconditional, pg_target_db):
    bulk_records(unconditional, ROWS)
    application = application_act(
        application=apply(
            applicant, unconditional, method="bulk_exchange", items=("company_name", "capital")
        ),
        action="submit",
        actor=applicant,
    )
    application_act(application=application, action="configure", actor=evaluator)
    grant = Grant.objects.get(application=application)
    values = {"name": "人社库", "engine": "postgresql", "host": PG["host"], "port": PG["port"]}
    values |= {"database": pg_target_db, "username": "postgres", "table": target_table()}
    return push_task_save(actor=applicant, grant=grant, values=values)


def wait_for(condition, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def written(run: PushRun) -> int:
    run.refresh_from_db()
    return run.rows_written


def requeue_after_loss(run: PushRun) -> None:
    """What the timer does in production: a run whose heartbeat went stale is queued again."""
    time.sleep(STALE_SECONDS + 0.5)
    pushes_start_due(now=timezone.now() + dt.timedelta(minutes=10))


def assert_exact_copy(task, pg_target_db, kills: int):
    rows = pg_rows(pg_target_db, task.table)  # keyed by record_key: a duplicate key cannot hide here
    records = all_records(resource_id=task.grant.resource_id)
    source = {key: row.data["company_name"] for key, row in records.items()}
    assert len(rows) == ROWS and {key: row["company_name"] for key, row in rows.items()} == source
    run = PushRun.objects.get(task=task)  # one run for the schedule, completed once
    assert run.status == RunStatus.DONE and run.rows_written == ROWS and run.claims >= kills + 1


def push_with_kills(task, applicant, kill) -> int:
    """Kill whenever the run has moved on since the last kill; returns how many kills landed mid-run."""
    run = push_now(actor=applicant, task=task)
    kills = 0
    while kills < KILLS:
        floor = written(run)
        # What is left shared among the kills still to land (and a margin): a run that outpaced the
        # polling leaves shorter steps to the later kills, never too few rows for all of them.
        step = max(BATCH_ROWS, (ROWS - END_MARGIN - floor) // (KILLS - kills + 2))
        wait_for(
            lambda floor=floor, step=step: written(run) >= floor + step or run.status == RunStatus.DONE,
            timeout=120,
            what="the push to move on",
        )
        if run.status == RunStatus.DONE or written(run) > ROWS - END_MARGIN:
            # Near the end a kill could land after the target recorded the run complete and before the
            # platform did: that is no kill mid-run (and the resumed worker would start a new, empty one).
            break
        kill()
        kills += 1
        requeue_after_loss(run)
    wait_for(lambda: PushRun.objects.get(pk=run.pk).status == RunStatus.DONE, timeout=180, what="the run")
    return kills


def test_killing_the_pool_process_mid_push_loses_and_duplicates_nothing(
    task, applicant, worker, pg_target_db
):
    kills = push_with_kills(task, applicant, worker.kill_pool_process)
    assert kills >= MIN_KILLS
    assert_exact_copy(task, pg_target_db, kills)


def test_killing_the_whole_worker_mid_push_loses_and_duplicates_nothing(
    task, applicant, worker, pg_target_db
):
    def kill_and_restart():
        worker.kill_all()  # as after a power cut: the broker keeps the message until its visibility timeout
        worker.start()

    kills = push_with_kills(task, applicant, kill_and_restart)
    assert kills >= MIN_KILLS
    assert_exact_copy(task, pg_target_db, kills)
