"""Bulk exchange: full and incremental pushes into real PostgreSQL and MariaDB targets."""

import datetime as dt
import decimal

import pytest
from django.utils import timezone

from audit.models import AuditEvent, Outcome
from catalog.aggregation.deletion import records_delete
from catalog.aggregation.services import records_upsert
from catalog.models import Record
from dataplatform.core.errors import ApplicationError
from sharing.exchange import runs as runs_module
from sharing.exchange.config import push_now, push_pause, push_resume, push_task_check, push_task_save
from sharing.exchange.crypto import secret_decrypt
from sharing.exchange.models import RunStatus
from sharing.exchange.runs import push_run_execute, pushes_start_due
from sharing.models import PushRun, PushTask
from sharing.services import grant_change
from tests.factories.sharing import GRANTED, company
from tests.sharing.exchange_targets import (
    MYSQL,
    PG,
    mysql_rows,
    pg_rows,
    table_name,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("exchange_settings")]


def wrap_reader(monkeypatch, wrapper):
    """Put ``wrapper(real, **kwargs)`` around both ways a run reads records (rows, or COPY text on
    PostgreSQL); returns the undo."""
    originals = {name: getattr(runs_module, name) for name in ("records_batch", "records_stream_pg")}
    for name, real in originals.items():
        monkeypatch.setattr(runs_module, name, lambda real=real, **kwargs: wrapper(real, **kwargs))

    def undo():
        for name, real in originals.items():
            monkeypatch.setattr(runs_module, name, real)

    return undo


def pg_task(bulk_grant, applicant, database, **values):
    fields = {"name": "人社库", "engine": "postgresql", **PG, "database": database, "username": "postgres"}
    fields.pop("user")
    return push_task_save(
        actor=applicant, grant=bulk_grant, values={**fields, "table": table_name(), **values}
    )


def mysql_task(bulk_grant, applicant, database):
    fields = {"name": "人社 MySQL", "engine": "mysql", "host": MYSQL["host"], "port": MYSQL["port"]}
    values = {**fields, "database": database, "username": "root", "password": "", "table": table_name()}
    return push_task_save(actor=applicant, grant=bulk_grant, values=values)


def run_once(task, applicant) -> PushRun:
    run = push_now(actor=applicant, task=task)
    push_run_execute(run.pk)
    run.refresh_from_db()
    return run


def source(resource) -> dict:
    return {r.key: r.data for r in Record.objects.filter(resource=resource)}


def assert_target_matches(rows: dict, resource):
    expected = source(resource)
    assert set(rows) == set(expected)
    for key, data in expected.items():
        assert rows[key]["company_name"] == data["company_name"]
        assert decimal.Decimal(str(rows[key]["capital"])) == decimal.Decimal(str(data["capital"]))


def test_a_full_push_copies_only_the_granted_items(bulk_grant, applicant, pg_target_db):
    task = pg_task(bulk_grant, applicant, pg_target_db)
    run = run_once(task, applicant)

    assert run.status == RunStatus.DONE, run.error
    assert run.full is True and run.rows_written == 20 and run.rows_expected == 20
    rows = pg_rows(pg_target_db, task.table)
    assert_target_matches(rows, bulk_grant.resource)
    assert set(next(iter(rows.values()))) == {"record_key", *GRANTED}  # registered_on never leaves
    task.refresh_from_db()
    assert task.watermark == run.watermark and task.next_run_at > timezone.now()


def test_increments_carry_changes_and_deletions_and_never_duplicate(
    bulk_grant, applicant, producer, pg_target_db
):
    task = pg_task(bulk_grant, applicant, pg_target_db)
    run_once(task, applicant)

    records_upsert(
        actor=producer,
        resource=bulk_grant.resource,
        records=[company(3, company_name="改名企业"), company(4, capital="999"), company(50)],
    )
    records_delete(
        actor=producer, resource=bulk_grant.resource, keys=[company(7)["credit_code"], "no-such-key"]
    )
    run = run_once(task, applicant)

    assert run.status == RunStatus.DONE, run.error
    assert run.full is False and run.rows_written == 3 and run.rows_deleted == 1
    rows = pg_rows(pg_target_db, task.table)
    assert_target_matches(rows, bulk_grant.resource)
    assert (
        company(7)["credit_code"] not in rows
        and rows[company(3)["credit_code"]]["company_name"] == "改名企业"
    )

    again = run_once(task, applicant)  # nothing changed since: nothing written, still no duplicates
    assert again.rows_written == 0 and again.rows_deleted == 0
    assert len(pg_rows(pg_target_db, task.table)) == 20


def test_mariadb_target_full_incremental_and_deletion(bulk_grant, applicant, producer, mysql_target_db):
    task = mysql_task(bulk_grant, applicant, mysql_target_db)
    assert run_once(task, applicant).rows_written == 20
    records_upsert(actor=producer, resource=bulk_grant.resource, records=[company(1, company_name="新名称")])
    records_delete(actor=producer, resource=bulk_grant.resource, keys=[company(2)["credit_code"]])
    run = run_once(task, applicant)

    assert run.status == RunStatus.DONE, run.error
    rows = mysql_rows(mysql_target_db, task.table)
    assert_target_matches(rows, bulk_grant.resource)
    assert rows[company(1)["credit_code"]]["company_name"] == "新名称"


def test_the_password_is_stored_encrypted(bulk_grant, applicant, pg_target_db):
    task = pg_task(bulk_grant, applicant, pg_target_db, password="s3cret-pass")
    stored = PushTask.objects.values_list("password_encrypted", flat=True).get(pk=task.pk)
    assert "s3cret" not in stored and secret_decrypt(stored) == "s3cret-pass"


def test_a_run_interrupted_midway_is_completed_by_the_next_without_duplicates(
    bulk_grant, applicant, pg_target_db, monkeypatch
):
    task = pg_task(bulk_grant, applicant, pg_target_db)
    calls = {"n": 0}

    def failing_after_two_batches(real, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise ConnectionError("network dropped")
        return real(**kwargs)

    undo = wrap_reader(monkeypatch, failing_after_two_batches)
    first = run_once(task, applicant)
    assert first.status == RunStatus.FAILED and "ConnectionError" in first.error
    assert len(pg_rows(pg_target_db, task.table)) == 14  # two batches of 7, each committed whole
    task.refresh_from_db()
    assert task.failures == 1 and task.next_run_at > timezone.now()  # retry with back-off

    undo()
    assert pushes_start_due(now=task.next_run_at + dt.timedelta(seconds=1)) == 1
    retry = PushRun.objects.filter(task=task).latest("pk")
    assert retry.trigger == "retry"
    push_run_execute(retry.pk)
    retry.refresh_from_db()
    assert retry.status == RunStatus.DONE and retry.rows_written == 20  # the run's total, resumed at 14
    assert_target_matches(pg_rows(pg_target_db, task.table), bulk_grant.resource)


def test_pause_stops_a_run_and_resume_finishes_it(bulk_grant, applicant, pg_target_db, monkeypatch):
    task = pg_task(bulk_grant, applicant, pg_target_db)

    def pausing(real, **kwargs):
        if kwargs["after"]:  # after the first batch, the administrator pauses
            push_pause(actor=applicant, task=task)
        return real(**kwargs)

    undo = wrap_reader(monkeypatch, pausing)
    run = run_once(task, applicant)
    assert run.status == RunStatus.PAUSED
    written = len(pg_rows(pg_target_db, task.table))
    assert 0 < written < 20

    undo()
    resumed = push_resume(actor=applicant, task=task)
    push_run_execute(resumed.pk)
    resumed.refresh_from_db()
    assert resumed.status == RunStatus.DONE
    assert_target_matches(pg_rows(pg_target_db, task.table), bulk_grant.resource)


def test_a_suspended_grant_pushes_nothing_and_the_refusal_is_audited(
    bulk_grant, applicant, reviewer, pg_target_db
):
    task = pg_task(bulk_grant, applicant, pg_target_db)
    grant_change(actor=reviewer, grant=bulk_grant, move="suspend", reason="超范围使用")
    run = push_start_for(task)
    assert run.status == RunStatus.FAILED and "超范围使用" in run.error
    event = AuditEvent.objects.filter(action="push.run").latest("pk")
    assert event.outcome == Outcome.FAILED and event.detail["grant"] == bulk_grant.pk
    task.refresh_from_db()
    assert task.next_run_at is None  # no retry until someone acts


def test_a_grant_suspended_mid_run_stops_the_push_before_the_next_batch(
    bulk_grant, applicant, reviewer, pg_target_db, monkeypatch
):
    task = pg_task(bulk_grant, applicant, pg_target_db)

    def suspending(real, **kwargs):
        if kwargs["after"]:  # after the first batch, the authority suspends the grant
            grant_change(actor=reviewer, grant=bulk_grant, move="suspend", reason="超范围使用")
        return real(**kwargs)

    wrap_reader(monkeypatch, suspending)
    run = run_once(task, applicant)
    assert run.status == RunStatus.FAILED and "超范围使用" in run.error
    # The batch being read when the suspension came is finished; not one after it.
    assert len(pg_rows(pg_target_db, task.table)) == 14


def push_start_for(task) -> PushRun:
    run = runs_module.push_start(task=task, trigger="schedule")
    push_run_execute(run.pk)
    run.refresh_from_db()
    return run


def test_every_run_is_audited_with_grant_items_and_count(bulk_grant, applicant, pg_target_db):
    task = pg_task(bulk_grant, applicant, pg_target_db)
    run = run_once(task, applicant)
    event = AuditEvent.objects.get(action="push.run", outcome=Outcome.OK)
    assert event.detail["grant"] == bulk_grant.pk and event.detail["run"] == run.pk
    assert event.data_items == list(GRANTED) and event.record_count == 20
    assert event.owner_unit == bulk_grant.resource.producer and event.purpose == bulk_grant.scenario


def test_the_timer_starts_a_due_task_once_and_requeues_a_lost_run(bulk_grant, applicant, pg_target_db):
    task = pg_task(bulk_grant, applicant, pg_target_db)  # a new task is due at once
    assert pushes_start_due() == 1
    assert pushes_start_due() == 0  # its run is queued: no second one
    run = PushRun.objects.get(task=task)
    # A worker took it up and died: its heartbeat goes stale, and a worker takes it up again.
    PushRun.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING, claims=1, heartbeat_at=timezone.now() - dt.timedelta(hours=1)
    )
    assert push_run_execute(run.pk).status == RunStatus.DONE
    run.refresh_from_db()
    assert run.claims == 2 and PushRun.objects.filter(task=task).count() == 1


def test_only_the_holders_data_administrators_set_up_pushes(bulk_grant, producer, pg_target_db):
    with pytest.raises(ApplicationError):
        pg_task(bulk_grant, producer, pg_target_db)


def test_test_connection_reports_a_wrong_password_without_showing_it(bulk_grant, applicant, mysql_target_db):
    task = mysql_task(bulk_grant, applicant, mysql_target_db)
    task.password_encrypted = push_task_save(
        actor=applicant, grant=bulk_grant, task=task, values={"password": "wrong-password-xyz"}
    ).password_encrypted
    with pytest.raises(ApplicationError) as refused:
        push_task_check(actor=applicant, task=task)
    assert "wrong-password-xyz" not in str(refused.value)
