"""PostgreSQL: the audit event table is partitioned by month, with the search indexes and the guard
trigger on every partition (Q8.4, F24)."""

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction

from audit.models import AuditEvent
from audit.partitions import (
    DEFAULT_PARTITION,
    PARENT,
    first_of_month,
    next_month,
    partition_name,
    partitions_ensure,
    partitions_list,
)
from audit.usage import CST

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="partitions are PostgreSQL's"),
]


def this_month() -> dt.date:
    return first_of_month(dt.datetime.now(CST).date())


def table_of(event: AuditEvent) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tableoid::regclass::text FROM {PARENT} WHERE id = %s", [event.pk])
        return cursor.fetchone()[0]


def index_columns(table: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = %s", [table])
        return {row[0].split(" USING btree ")[1] for row in cursor.fetchall()}


def test_this_month_and_the_next_three_are_partitions_and_a_default_catches_the_rest(record):
    months = [this_month()]
    for _ in range(3):
        months.append(next_month(months[-1]))
    assert {partition_name(month) for month in months} <= {p.name for p in partitions_list()}
    [event] = record(1)
    assert table_of(event) == partition_name(this_month())
    old = AuditEvent.objects.create(action="t.old", occurred_at=dt.datetime(2001, 5, 1, tzinfo=dt.UTC))
    assert table_of(old) == DEFAULT_PARTITION


def test_partitions_created_later_carry_the_search_indexes_and_the_chain_position_index():
    [created] = partitions_ensure(since=dt.date(2024, 3, 1), months_ahead=0)[:1]
    assert created == "audit_auditevent_p2024_03"
    columns = index_columns(created)
    for search_index in (
        "(owner_unit_id, occurred_at)",
        "(actor_unit_id, occurred_at)",
        "(object_type, object_id)",
    ):
        assert search_index in columns
    assert "(COALESCE(owner_unit_id, (0)::bigint), chain_seq) WHERE (chain_seq IS NOT NULL)" in columns
    assert partitions_ensure(since=dt.date(2024, 3, 1), months_ahead=0) == []  # idempotent


def test_the_guard_trigger_refuses_delete_on_a_partition_queried_directly(record):
    [event] = record(1)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table_of(event)} WHERE id = %s", [event.pk])


def test_nothing_holds_a_foreign_key_to_audit_events():
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_constraint WHERE confrelid = %s::regclass", [PARENT])
        assert cursor.fetchone()[0] == 0


def test_ids_still_come_from_one_sequence(record):
    first, second = record(2)
    assert second.pk == first.pk + 1
