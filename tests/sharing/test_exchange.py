"""Bulk exchange: full and incremental pushes into real PostgreSQL and MariaDB targets."""

import datetime as dt
import decimal
import uuid

import psycopg
import pymysql
import pytest
from django.utils import timezone

from audit.models import AuditEvent, Outcome
from catalog.aggregation.deletion import records_delete
from catalog.aggregation.services import records_upsert
from catalog.records import all_records
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
    return {key: row.data for key, row in all_records(resource_id=resource.pk).items()}


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


# --- Whose progress: a state row belongs to one task of one platform, and one table ----------------


def pg_execute(database: str, sql: str, params=()) -> list:
    with psycopg.connect(**PG, dbname=database, autocommit=True) as conn:
        cursor = conn.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def mysql_execute(database: str, sql: str, params=()) -> list:
    conn = pymysql.connect(**MYSQL, database=database, autocommit=True)
    with conn.cursor() as cur:
        cur.execute(sql, params)
        rows = list(cur.fetchall())
    conn.close()
    return rows


@pytest.fixture
def fresh_pg_db():
    """A target database of its own: no state table yet."""
    name = f"dp_push_fresh_{uuid.uuid4().hex[:10]}"
    pg_execute("postgres", f'CREATE DATABASE "{name}"')
    yield name
    pg_execute("postgres", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def fresh_mysql_db():
    name = f"dp_push_fresh_{uuid.uuid4().hex[:10]}"
    mysql_execute("", f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    yield name
    mysql_execute("", f"DROP DATABASE IF EXISTS `{name}`")


def as_platform(task, identity, table) -> PushTask:
    """The same task id on another platform: another identity (and here another table)."""
    PushTask.objects.filter(pk=task.pk).update(identity=identity, table=table)
    task.refresh_from_db()
    return task


def change_records(producer, resource, n: int) -> None:
    records_upsert(actor=producer, resource=resource, records=[company(n, company_name=f"改名{n}")])


@pytest.mark.parametrize("engine", ["postgresql", "mysql"])
def test_a_stale_state_row_of_the_same_task_id_is_no_progress_the_run_is_a_full_load(
    engine, bulk_grant, applicant, pg_target_db, mysql_target_db
):
    """A re-seeded platform: a new task has the id of one that pushed here before, whose state row and
    rows are still there. The run is a full load, and the stale rows go."""
    if engine == "postgresql":
        task, execute, rows_of = pg_task(bulk_grant, applicant, pg_target_db), pg_execute, pg_rows
        database = pg_target_db
    else:
        task, execute, rows_of = mysql_task(bulk_grant, applicant, mysql_target_db), mysql_execute, mysql_rows
        database = mysql_target_db
    push_task_check(actor=applicant, task=task)  # creates the state table and the target table
    execute(
        database,
        "INSERT INTO dp_push_state (task_uuid, task_id, target_table, watermark, cursor_key) "
        "VALUES (%s, %s, %s, %s, '')",
        [str(uuid.uuid4()), task.pk, task.table, timezone.now().isoformat()],
    )
    execute(database, f"INSERT INTO {task.table} (record_key, company_name) VALUES ('stale-key', '旧')")

    run = run_once(task, applicant)

    assert run.status == RunStatus.DONE, run.error
    assert run.full is True and run.rows_written == 20
    assert_target_matches(rows_of(database, task.table), bulk_grant.resource)  # stale-key is gone
    assert len(execute(database, "SELECT 1 FROM dp_push_state WHERE task_id = %s", [task.pk])) == 2


@pytest.mark.parametrize("engine", ["postgresql", "mysql"])
def test_a_state_table_keyed_by_task_id_is_upgraded_and_its_rows_no_longer_match(
    engine, bulk_grant, applicant, producer, fresh_pg_db, fresh_mysql_db
):
    if engine == "postgresql":
        database, execute, rows_of = fresh_pg_db, pg_execute, pg_rows
        task = pg_task(bulk_grant, applicant, database)
        legacy = (
            "CREATE TABLE dp_push_state (task_id bigint PRIMARY KEY, target_table text, watermark text, "
            "horizon text, phase text, cursor_key text NOT NULL DEFAULT '', "
            "rows_written bigint NOT NULL DEFAULT 0, rows_deleted bigint NOT NULL DEFAULT 0)"
        )
    else:
        database, execute, rows_of = fresh_mysql_db, mysql_execute, mysql_rows
        task = mysql_task(bulk_grant, applicant, database)
        legacy = (
            "CREATE TABLE dp_push_state (task_id BIGINT PRIMARY KEY, target_table TEXT, "
            "watermark VARCHAR(40), horizon VARCHAR(40), phase VARCHAR(20), "
            "cursor_key VARCHAR(255) NOT NULL DEFAULT '', rows_written BIGINT NOT NULL DEFAULT 0, "
            "rows_deleted BIGINT NOT NULL DEFAULT 0) ENGINE=InnoDB"
        )
    execute(database, legacy)
    execute(
        database,
        "INSERT INTO dp_push_state (task_id, target_table, watermark) VALUES (%s, %s, %s)",
        [task.pk, task.table, timezone.now().isoformat()],
    )

    run = run_once(task, applicant)
    assert run.status == RunStatus.DONE, run.error
    assert run.full is True and run.rows_written == 20
    assert_target_matches(rows_of(database, task.table), bulk_grant.resource)

    change_records(producer, bulk_grant.resource, 5)
    again = run_once(task, applicant)
    assert again.status == RunStatus.DONE, again.error
    assert again.full is False and again.rows_written == 1
    assert_target_matches(rows_of(database, task.table), bulk_grant.resource)


@pytest.mark.parametrize("engine", ["postgresql", "mysql"])
def test_changing_the_table_starts_a_full_load_into_the_new_table(
    engine, bulk_grant, applicant, producer, pg_target_db, mysql_target_db
):
    if engine == "postgresql":
        task, database, rows_of = pg_task(bulk_grant, applicant, pg_target_db), pg_target_db, pg_rows
    else:
        task, database, rows_of = (
            mysql_task(bulk_grant, applicant, mysql_target_db),
            mysql_target_db,
            mysql_rows,
        )
    first_table = task.table
    assert run_once(task, applicant).full is True
    change_records(producer, bulk_grant.resource, 1)

    task = push_task_save(actor=applicant, grant=bulk_grant, task=task, values={"table": table_name()})
    assert task.watermark is None
    run = run_once(task, applicant)
    assert run.status == RunStatus.DONE, run.error
    assert run.full is True and run.rows_written == 20
    assert_target_matches(rows_of(database, task.table), bulk_grant.resource)

    # Back to the first table, which missed a change meanwhile: a full load again, no duplicates.
    change_records(producer, bulk_grant.resource, 2)
    task = push_task_save(actor=applicant, grant=bulk_grant, task=task, values={"table": first_table})
    back = run_once(task, applicant)
    assert back.status == RunStatus.DONE, back.error
    assert back.full is True and back.rows_written == 20
    assert_target_matches(rows_of(database, first_table), bulk_grant.resource)


def test_two_platforms_with_the_same_task_id_keep_separate_progress(
    bulk_grant, applicant, producer, pg_target_db
):
    task = pg_task(bulk_grant, applicant, pg_target_db)
    ours, theirs = (task.identity, task.table), (uuid.uuid4(), table_name())
    assert run_once(task, applicant).full is True

    as_platform(task, *theirs)  # the other platform's task of the same id, into the same database
    assert run_once(task, applicant).full is True

    change_records(producer, bulk_grant.resource, 3)
    for identity, table in (ours, theirs):
        run = run_once(as_platform(task, identity, table), applicant)
        assert run.status == RunStatus.DONE, run.error
        assert run.full is False and run.rows_written == 1  # each from its own watermark
        assert_target_matches(pg_rows(pg_target_db, table), bulk_grant.resource)
    states = pg_execute(pg_target_db, "SELECT task_uuid FROM dp_push_state WHERE task_id = %s", [task.pk])
    assert {row[0] for row in states} == {str(ours[0]), str(theirs[0])}


def test_every_task_has_its_own_identity(bulk_grant, applicant, pg_target_db):
    first, second = pg_task(bulk_grant, applicant, pg_target_db), pg_task(bulk_grant, applicant, pg_target_db)
    assert first.identity and second.identity and first.identity != second.identity
