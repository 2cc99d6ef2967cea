"""PostgreSQL: the audit event table becomes partitioned by month on ``occurred_at`` (Q8.4, F24: three
years kept, then archived a month at a time and dropped). SQLite keeps its plain table.

The table is rebuilt: the plain one is renamed, a partitioned one created LIKE it, the months its rows
span (and the next ones) created as partitions with a default partition beside them, the rows copied,
the plain table dropped, and its indexes, foreign keys and guard trigger created again on the parent,
under the same names, so that later Django migrations find them. PostgreSQL clones them onto every
partition, those created later included.

Two things differ from the plain table, because a partitioned table requires it:
- the primary key is (id, occurred_at): it must contain the partition key. ``id`` still comes from one
  sequence and stays unique; Django never needed the database key to be ``id`` alone. Nothing has a
  foreign key to audit events (checked: checkpoints and archives name chains and files, not events).
- the ``audit_one_event_per_chain_seq`` unique index lives on each partition (``<partition>_chain_seq``,
  see ``audit.partitions``): a unique index on the parent would have to contain ``occurred_at``. A later
  migration that removes that constraint from the model must drop those indexes itself.

Archives are guarded like checkpoints: never changed, never deleted.
"""

import datetime as dt
import re

from django.db import migrations
from django.utils import timezone

from audit.partitions import (
    CST,
    PARENT,
    default_partition_sql,
    first_of_month,
    next_month,
    partition_create_sql,
)

OLD = f"{PARENT}_unpartitioned"
CHAIN_SEQ_INDEX = "audit_one_event_per_chain_seq"
MONTHS_AHEAD = 3
# Past months too, so that back-dated events (the demo seeds months of history) find their own partition
# rather than the default one, where a month's rows keep its partition from ever being created.
MONTHS_BEHIND = 6


def _definitions(cursor, table: str) -> tuple[list[str], list[str]]:
    """The table's index definitions (not its key) and foreign keys, to be created again on the new one."""
    cursor.execute(
        "SELECT pg_get_indexdef(indexrelid) FROM pg_index "
        "WHERE indrelid = %s::regclass AND NOT indisprimary ORDER BY indexrelid",
        [table],
    )
    indexes = [row[0] for row in cursor.fetchall()]
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
        [table],
    )
    foreign_keys = [
        f'ALTER TABLE {PARENT} ADD CONSTRAINT "{name}" {definition}' for name, definition in cursor
    ]
    return indexes, foreign_keys


def _on_new_table(index_sql: str) -> str:
    # Read before the rename, a definition names the parent, "ON ONLY" when it was partitioned.
    return re.sub(rf" ON (ONLY )?(\S+\.)?{PARENT}(_unpartitioned)? ", f" ON {PARENT} ", index_sql)


def _months(cursor) -> list:
    cursor.execute(f"SELECT min(occurred_at) FROM {OLD}")
    first = cursor.fetchone()[0]
    this_month = first_of_month(timezone.now().astimezone(CST).date())
    month = this_month
    for _ in range(MONTHS_BEHIND):
        month = first_of_month(month - dt.timedelta(days=1))
    if first is not None:
        month = min(month, first_of_month(first.astimezone(CST).date()))
    last = this_month
    for _ in range(MONTHS_AHEAD):
        last = next_month(last)
    months = []
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months


def _rename_old(cursor) -> None:
    cursor.execute(f"ALTER TABLE {PARENT} RENAME TO {OLD}")
    cursor.execute(f"ALTER TABLE {OLD} DROP CONSTRAINT {PARENT}_pkey")
    cursor.execute(f"DROP TRIGGER IF EXISTS audit_event_guard ON {OLD}")
    # The identity's sequence goes with it: the new table gets a sequence of its own, set past the rows.
    cursor.execute(f"ALTER TABLE {OLD} ALTER COLUMN id DROP IDENTITY IF EXISTS")
    cursor.execute(f"ALTER TABLE {OLD} ALTER COLUMN id DROP DEFAULT")
    cursor.execute(f"DROP SEQUENCE IF EXISTS {PARENT}_id_seq")


def _new_table(cursor, *, partitioned: bool) -> None:
    partition_by = " PARTITION BY RANGE (occurred_at)" if partitioned else ""
    cursor.execute(
        f"CREATE TABLE {PARENT} (LIKE {OLD} INCLUDING DEFAULTS INCLUDING CONSTRAINTS){partition_by}"
    )
    cursor.execute(f"CREATE SEQUENCE {PARENT}_id_seq OWNED BY {PARENT}.id")
    cursor.execute(f"ALTER TABLE {PARENT} ALTER COLUMN id SET DEFAULT nextval('{PARENT}_id_seq')")
    key = "id, occurred_at" if partitioned else "id"
    cursor.execute(f"ALTER TABLE {PARENT} ADD CONSTRAINT {PARENT}_pkey PRIMARY KEY ({key})")


def _move_rows_and_finish(cursor, indexes: list[str], foreign_keys: list[str]) -> None:
    cursor.execute(f"INSERT INTO {PARENT} SELECT * FROM {OLD}")
    cursor.execute(
        f"SELECT setval('{PARENT}_id_seq', COALESCE((SELECT max(id) FROM {PARENT}), 0) + 1, false)"
    )
    cursor.execute(f"DROP TABLE {OLD}")
    for sql in indexes:
        cursor.execute(_on_new_table(sql))
    for sql in foreign_keys:
        cursor.execute(sql)
    cursor.execute(
        f"CREATE TRIGGER audit_event_guard BEFORE UPDATE OR DELETE ON {PARENT} "
        "FOR EACH ROW EXECUTE FUNCTION audit_event_guard()"
    )


def partition(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        indexes, foreign_keys = _definitions(cursor, PARENT)
        indexes = [sql for sql in indexes if f" {CHAIN_SEQ_INDEX} " not in sql]  # per partition instead
        _rename_old(cursor)
        _new_table(cursor, partitioned=True)
        for sql in default_partition_sql():
            cursor.execute(sql)
        for month in _months(cursor):
            for sql in partition_create_sql(month):
                cursor.execute(sql)
        _move_rows_and_finish(cursor, indexes, foreign_keys)


def unpartition(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        indexes, foreign_keys = _definitions(cursor, PARENT)
        _rename_old(cursor)
        _new_table(cursor, partitioned=False)
        indexes.append(
            f"CREATE UNIQUE INDEX {CHAIN_SEQ_INDEX} ON {PARENT} ((COALESCE(owner_unit_id, 0)), chain_seq) "
            "WHERE chain_seq IS NOT NULL"
        )
        _move_rows_and_finish(cursor, indexes, foreign_keys)


ARCHIVE_GUARD = {
    "postgresql": [
        """
        CREATE FUNCTION audit_archive_guard() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'audit archives cannot be changed or deleted (Q8.4)' USING ERRCODE = 'restrict_violation';
        END $$;
        """,
        "CREATE TRIGGER audit_archive_guard BEFORE UPDATE OR DELETE ON audit_auditarchive "
        "FOR EACH ROW EXECUTE FUNCTION audit_archive_guard();",
    ],
    "sqlite": [
        "CREATE TRIGGER audit_archive_refuse_update BEFORE UPDATE ON audit_auditarchive "
        "BEGIN SELECT RAISE(ABORT, 'audit archives cannot be changed (Q8.4)'); END;",
        "CREATE TRIGGER audit_archive_refuse_delete BEFORE DELETE ON audit_auditarchive "
        "BEGIN SELECT RAISE(ABORT, 'audit archives cannot be deleted (Q8.4)'); END;",
    ],
}
ARCHIVE_GUARD_REVERSE = {
    "postgresql": [
        "DROP TRIGGER audit_archive_guard ON audit_auditarchive;",
        "DROP FUNCTION audit_archive_guard();",
    ],
    "sqlite": ["DROP TRIGGER audit_archive_refuse_update;", "DROP TRIGGER audit_archive_refuse_delete;"],
}


def _run(statements: dict[str, list[str]]):
    def run(apps, schema_editor) -> None:
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0006_archive")]

    operations = [
        migrations.RunPython(partition, unpartition, elidable=False),
        migrations.RunPython(_run(ARCHIVE_GUARD), _run(ARCHIVE_GUARD_REVERSE), elidable=False),
    ]
