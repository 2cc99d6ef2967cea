"""Making a resource's records table what its data items say, and dropping it with the resource.

``ensure_table`` compares the table the database has (its catalog, not a copy of ours) with the columns
wanted, and creates, adds, converts, drops and indexes what differs, in the caller's transaction: a
failed publication or aggregation leaves the table as it was. A converted value that does not fit its
new type becomes empty; such a change is made only by publishing a reviewed version (the authority's
review, ``catalog.workflow``), which lists it beforehand (``layout_changes``).
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db import connection

from ..ingest import CONVERTERS
from ..models import ItemType
from .layout import (
    BATCH,
    CREATED,
    KEY,
    RESERVED,
    SCHEMA,
    UPDATED,
    Column,
    bare_name,
    index_name,
    quote,
    table_name,
)

# A value's text must match to be converted on PostgreSQL; any other becomes NULL (never an error).
_PATTERNS: dict[str, str] = {
    ItemType.INTEGER: r"^[+-]?[0-9]{1,18}$",
    ItemType.DECIMAL: r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]{1,2})?$",
    ItemType.DATE: r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
    ItemType.DATETIME: r"^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9:.]+)?([+-][0-9:]+|Z)?$",
    ItemType.BOOLEAN: r"^(true|false|t|f|1|0|yes|no)$",
}


def existing_columns(resource_id: int) -> dict[str, str] | None:
    """The table's columns and their types as the database states them; None when there is no table."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
                "JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = %s AND c.relname = %s AND a.attnum > 0 AND NOT a.attisdropped "
                "ORDER BY a.attnum",
                [SCHEMA, bare_name(resource_id)],
            )
        else:
            cursor.execute(f"SELECT name, type FROM pragma_table_info('{bare_name(resource_id)}')")
        found = cursor.fetchall()
    return {name: sql_type for name, sql_type in found} or None


def ensure_table(resource_id: int, columns: Iterable[Column]) -> None:
    """Make the resource's table hold exactly these columns (and the platform's), typed and indexed."""
    columns = list(columns)
    existing = existing_columns(resource_id)
    table = table_name(resource_id)
    statements: list[str] = []
    if existing is None:
        statements += _create(resource_id, columns)
    else:
        wanted = {column.name: column for column in columns}
        for name in existing:
            if name not in RESERVED and name not in wanted:
                statements.append(f"ALTER TABLE {table} DROP COLUMN {quote(name)}")
        for column in columns:
            if column.name not in existing:
                statements.append(
                    f"ALTER TABLE {table} ADD COLUMN {quote(column.name)} {column.definition()}"
                )
            elif existing[column.name].lower() != column.sql_type():  # SQLite's pragma says TEXT, INTEGER
                _convert(resource_id, column, existing[column.name])
    statements += _indexes(resource_id, columns)
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def _create(resource_id: int, columns: list[Column]) -> list[str]:
    postgres = connection.vendor == "postgresql"
    stamp = "timestamp with time zone" if postgres else "datetime"
    key = 'text COLLATE "C"' if postgres else "text"
    items = "".join(f", {quote(c.name)} {c.definition()}" for c in columns)
    table = table_name(resource_id)
    return [
        f"CREATE TABLE {table} ({KEY} {key} PRIMARY KEY{items}, {CREATED} {stamp} NOT NULL, "
        f"{UPDATED} {stamp} NOT NULL, {BATCH} bigint)",
        # Increments (pushes) and corrections find the records changed since a time by it.
        f"CREATE INDEX {quote(index_name(resource_id, UPDATED))} ON {table} ({UPDATED})",
    ]


def _indexes(resource_id: int, columns: list[Column]) -> list[str]:
    table, statements = table_name(resource_id), []
    for column in columns:
        name = quote(index_name(resource_id, column.name))
        if column.indexed:
            # With the key: the matches come out in key order, so a keyset page reads its rows and stops,
            # however many records match (no sort of them all).
            statements.append(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({quote(column.name)}, {KEY})")
        else:
            qualified = f"{SCHEMA}.{name}" if connection.vendor == "postgresql" else name
            statements.append(f"DROP INDEX IF EXISTS {qualified}")
    return statements


def _convert(resource_id: int, column: Column, old_type: str) -> None:
    """Change a column's type, keeping the values that fit the new one (the others become NULL)."""
    table, name = table_name(resource_id), quote(column.name)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"ALTER TABLE {table} ALTER COLUMN {name} TYPE {column.definition()} USING {_cast(column, old_type)}"
            )
            return
        # SQLite: a new column of the new type, filled with the values made canonical in Python.
        cursor.execute(f"SELECT {KEY}, {name} FROM {table} WHERE {name} IS NOT NULL")
        values = [(key, _canonical(column, value)) for key, value in cursor.fetchall()]
        old = quote(f"_old_{column.name}")
        cursor.execute(f"ALTER TABLE {table} RENAME COLUMN {name} TO {old}")
        cursor.execute(f"ALTER TABLE {table} ADD COLUMN {name} {column.sql_type()}")
        cursor.executemany(f"UPDATE {table} SET {name} = %s WHERE {KEY} = %s", [(v, k) for k, v in values])
        cursor.execute(f"DROP INDEX IF EXISTS {quote(index_name(resource_id, column.name))}")
        cursor.execute(f"ALTER TABLE {table} DROP COLUMN {old}")


def _cast(column: Column, old_type: str) -> str:
    name = quote(column.name)
    if column.item_type == ItemType.STRING:
        text = f"{name}::text"
        return f"left({text}, {column.length})" if column.length else text
    if column.item_type == ItemType.INTEGER and old_type == "numeric":
        return (
            f"CASE WHEN {name} = trunc({name}) AND abs({name}) <= 9223372036854775807 THEN {name}::bigint END"
        )
    text = f"btrim({name}::text)"
    return f"CASE WHEN {text} ~* '{_PATTERNS[column.item_type]}' THEN {text}::{column.sql_type()} END"


def _canonical(column: Column, value):
    try:
        converted = CONVERTERS[column.item_type](value)
    except ValueError:
        return None
    if column.item_type == ItemType.STRING and column.length and converted is not None:
        return converted[: column.length]
    return converted


def drop_table(resource_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table_name(resource_id)}")


def layout_changes(before: Iterable[Column], after: Iterable[Column]) -> dict[str, list[str]]:
    """What publishing ``after`` over ``before`` does to the stored records: items added, items whose
    values are dropped, and items whose values are converted (those that do not fit become empty)."""
    old = {c.name: c for c in before}
    new = {c.name: c for c in after}
    return {
        "added": [name for name in new if name not in old],
        "dropped": [name for name in old if name not in new],
        "converted": [name for name, c in new.items() if name in old and not _keeps_values(old[name], c)],
    }


def _keeps_values(old: Column, new: Column) -> bool:
    """Every value of ``old`` fits ``new`` as it is: the same type, a longer text, an integer made decimal
    or any value made text of no stated length."""
    if new.item_type == ItemType.STRING and not new.length:
        return True
    if old.item_type == new.item_type == ItemType.STRING:
        return bool(old.length) and new.length >= old.length  # type: ignore[operator]
    if (old.item_type, new.item_type) == (ItemType.INTEGER, ItemType.DECIMAL):
        return True
    return old.item_type == new.item_type


@contextmanager
def indexes_rebuilt(resource_id: int) -> Iterator[None]:
    """Drop the table's indexes and primary key for a bulk load and build them again after it: a sort
    each instead of a B-tree insertion per row and index (a million rows: 4.7 s → 2.9 s). In the caller's
    transaction, so a failure leaves them as they were; the lock it takes makes readers wait until then."""
    table = table_name(resource_id)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid), c.conname, "
            "pg_get_constraintdef(c.oid) FROM pg_index i LEFT JOIN pg_constraint c "
            "ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid WHERE i.indrelid = %s::regclass",
            [table],
        )
        indexes = cursor.fetchall()
        for index, _definition, constraint, _constraint_sql in indexes:
            if constraint:
                cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quote(constraint)}")
            else:
                cursor.execute(f"DROP INDEX {index}")
    yield
    with connection.cursor() as cursor:
        for _index, definition, constraint, constraint_sql in indexes:
            if constraint:
                cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {quote(constraint)} {constraint_sql}")
            else:
                cursor.execute(definition)
