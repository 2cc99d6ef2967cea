"""Increments: a push carries every change committed before it starts (the database's own clock, no
margin), and its writes cost what the change does."""

import threading
import time

import pytest
from django.db import connection, connections

from catalog.aggregation.services import records_upsert
from catalog.records.staging import CopyStage
from sharing.exchange import runs as runs_module
from sharing.exchange import source as source_module
from sharing.exchange.models import RunStatus
from tests.factories.sharing import company
from tests.sharing.exchange_targets import pg_rows
from tests.sharing.test_exchange import assert_target_matches, pg_execute, pg_task, run_once

pytestmark = pytest.mark.usefixtures("exchange_settings")

RENAMED = "改名企业"


def rename(producer, resource) -> None:
    records_upsert(actor=producer, resource=resource, records=[company(3, company_name=RENAMED)])


def name_pushed(database: str, table: str) -> str:
    return pg_rows(database, table)[company(3)["credit_code"]]["company_name"]


@pytest.mark.django_db
@pytest.mark.parametrize("seconds_before", [0, 1])
def test_a_change_committed_just_before_a_run_starts_is_carried_by_that_run(
    bulk_grant, applicant, producer, pg_target_db, seconds_before
):
    task = pg_task(bulk_grant, applicant, pg_target_db)
    run_once(task, applicant)

    rename(producer, bulk_grant.resource)
    time.sleep(seconds_before)
    run = run_once(task, applicant)

    assert run.status == RunStatus.DONE, run.error
    assert run.rows_written == 1
    assert name_pushed(pg_target_db, task.table) == RENAMED


@pytest.mark.django_db
def test_a_change_stamped_after_the_horizon_goes_whole_with_the_next_run(
    bulk_grant, applicant, producer, pg_target_db, monkeypatch
):
    task = pg_task(bulk_grant, applicant, pg_target_db)
    run_once(task, applicant)
    real = runs_module.horizon_now

    def horizon_then_a_change(resource_id):
        horizon = real(resource_id)
        rename(producer, bulk_grant.resource)  # takes the lock the run has just let go
        return horizon

    monkeypatch.setattr(runs_module, "horizon_now", horizon_then_a_change)
    run = run_once(task, applicant)
    assert run.status == RunStatus.DONE and run.rows_written == 0
    assert name_pushed(pg_target_db, task.table) != RENAMED

    monkeypatch.setattr(runs_module, "horizon_now", real)
    later = run_once(task, applicant)
    assert later.rows_written == 1
    assert name_pushed(pg_target_db, task.table) == RENAMED


def waiting_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def in_thread(work, errors: list) -> threading.Thread:
    def target():
        try:
            work()
        except Exception as exc:  # noqa: BLE001 - the test thread reports it
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=target)
    thread.start()
    return thread


@pytest.mark.django_db(transaction=True)
def test_a_writer_holding_the_lock_when_a_run_starts_goes_whole_with_that_run(
    bulk_grant, applicant, producer, pg_target_db, monkeypatch
):
    task = pg_task(bulk_grant, applicant, pg_target_db)
    run_once(task, applicant)
    stamped, go, errors, runs = threading.Event(), threading.Event(), [], []
    apply = CopyStage.apply

    def apply_then_wait(self, **kwargs):
        counts = apply(self, **kwargs)
        stamped.set()  # stamped under the entry's lock, not yet committed
        assert go.wait(30)
        return counts

    monkeypatch.setattr(CopyStage, "apply", apply_then_wait)
    writer = in_thread(lambda: rename(producer, bulk_grant.resource), errors)
    assert stamped.wait(30)
    pusher = in_thread(lambda: runs.append(run_once(task, applicant)), errors)
    deadline = time.monotonic() + 30
    while not waiting_for_a_lock() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert pusher.is_alive() and waiting_for_a_lock()  # the run waits for the writer's commit
    time.sleep(0.2)  # the run's clock would now be well past the writer's stamp
    go.set()
    writer.join(30)
    pusher.join(30)

    assert not errors
    assert runs[0].status == RunStatus.DONE and runs[0].rows_written == 1
    assert name_pushed(pg_target_db, task.table) == RENAMED


@pytest.mark.django_db
def test_the_target_table_leaves_room_on_its_pages_for_updates_in_place(bulk_grant, applicant, pg_target_db):
    task = pg_task(bulk_grant, applicant, pg_target_db)
    run_once(task, applicant)

    (options,) = pg_execute(
        pg_target_db, "SELECT reloptions FROM pg_class WHERE oid = to_regclass(%s)", [task.table]
    )
    assert options[0] == ["fillfactor=90"]  # an increment's update stays on its page (HOT)


@pytest.mark.django_db
def test_rows_streamed_in_many_blocks_arrive_whole(
    bulk_grant, applicant, producer, pg_target_db, monkeypatch
):
    monkeypatch.setattr(source_module, "COPY_BLOCK_BYTES", 100)  # a block every row or two
    task = pg_task(bulk_grant, applicant, pg_target_db)
    run_once(task, applicant)
    rename(producer, bulk_grant.resource)
    run = run_once(task, applicant)

    assert run.status == RunStatus.DONE and run.rows_written == 1
    assert_target_matches(pg_rows(pg_target_db, task.table), bulk_grant.resource)
