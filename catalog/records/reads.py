"""Reading a resource's records from its table: by key, by equal values (keyset pages), counted, grouped,
in key order for downloads. Plain SQL over a cursor: the columns come back typed and become the
canonical values that aggregation stored (``catalog.ingest.values``), whatever the database.
"""

import datetime as dt
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import connection

from ..ingest.values import _decimal_text, _utc_text
from .layout import BATCH, CREATED, KEY, UPDATED, quote, table_name
from .tables import existing_columns

MAX_GROUPS = 10_000  # the distinct values a statistics call groups at most


class RecordRow(NamedTuple):
    key: str
    data: dict[str, Any]
    updated_at: Any
    batch_id: int | None = None  # the aggregation that last changed it (provenance)
    created_at: Any = None


def canonical(value: Any) -> Any:
    kind = type(value)
    if kind is Decimal:
        return _decimal_text(value)
    if kind is dt.datetime:
        return _utc_text(value)
    if kind is dt.date:
        return value.isoformat()
    return value


def _aware(moment: Any) -> Any:
    if isinstance(moment, str):  # SQLite without the declared type's converter
        moment = dt.datetime.fromisoformat(moment)
    if isinstance(moment, dt.datetime) and moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment


def _rows(cursor) -> list[RecordRow]:
    names = [column[0] for column in cursor.description]
    key, updated, batch = names.index(KEY), names.index(UPDATED), names.index(BATCH)
    created = names.index(CREATED)
    items = [(i, name) for i, name in enumerate(names) if not name.startswith("_")]
    return [
        RecordRow(
            row[key],
            {name: canonical(row[i]) for i, name in items},
            _aware(row[updated]),
            row[batch],
            _aware(row[created]),
        )
        for row in cursor.fetchall()
    ]


def stamp(moment: dt.datetime) -> Any:
    """A time as a parameter compared with the stamps (SQLite keeps them as Django writes them)."""
    return connection.ops.adapt_datetimefield_value(moment)


class Where:
    """Records whose items equal values: all of ``equals``, and any one of ``any_equals``. The name
    ``_key`` stands for the record key. Values are canonical (``catalog.ingest.CONVERTERS``)."""

    def __init__(self, equals: Mapping[str, Any] | None = None, any_equals: Mapping[str, Any] | None = None):
        self.equals = dict(equals or {})
        self.any_equals = dict(any_equals or {})

    def sql(self) -> tuple[str, list]:
        clauses, params = [], []
        for name, value in self.equals.items():
            if value is None:
                clauses.append(f"{quote(name)} IS NULL")
            else:
                clauses.append(f"{quote(name)} = %s")
                params.append(value)
        if self.any_equals:
            either = [f"{quote(name)} = %s" for name in self.any_equals]
            clauses.append("(" + " OR ".join(either) + ")")
            params += list(self.any_equals.values())
        return " AND ".join(clauses) or "TRUE", params


def record_by_key(*, resource_id: int, key: str) -> RecordRow | None:
    """The resource's record of this key, or None."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table_name(resource_id)} WHERE {KEY} = %s", [key])
        rows = _rows(cursor)
    return rows[0] if rows else None


def records_by_keys(*, resource_id: int, keys: list[str]) -> dict[str, dict[str, Any]]:
    """The data of the records with these keys (the keys that hold none are missing)."""
    if not keys:
        return {}
    marks = ", ".join(["%s"] * len(keys))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table_name(resource_id)} WHERE {KEY} IN ({marks})", list(keys))
        return {row.key: row.data for row in _rows(cursor)}


def records_where(
    *, resource_id: int, where: Where | None = None, after: str = "", limit: int = 50
) -> list[RecordRow]:
    """Up to ``limit`` matching records with keys after ``after``, in key order (a keyset page: the
    index on a query item holds its values with the keys, so a page costs the same on any page)."""
    condition, params = (where or Where()).sql()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT * FROM {table_name(resource_id)} WHERE {condition} AND {KEY} > %s ORDER BY {KEY} LIMIT %s",
            [*params, after, limit],
        )
        return _rows(cursor)


def record_count(*, resource_id: int, where: Where | None = None) -> int:
    condition, params = (where or Where()).sql()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table_name(resource_id)} WHERE {condition}", params)
        return cursor.fetchone()[0]


def has_records(*, resource_id: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {table_name(resource_id)} LIMIT 1")
        return cursor.fetchone() is not None


def changed_count(*, resource_id: int, keys: list[str], since: dt.datetime) -> int:
    """How many of these records changed after ``since``."""
    if not keys:
        return 0
    marks = ", ".join(["%s"] * len(keys))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM {table_name(resource_id)} WHERE {KEY} IN ({marks}) AND {UPDATED} > %s",
            [*keys, stamp(since)],
        )
        return cursor.fetchone()[0]


def grouped_counts(*, resource_id: int, item: str) -> list[tuple[Any, int]]:
    """(value, how many records hold it) for each value of ``item``, in value order."""
    column = quote(item)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {column}, count(*) FROM {table_name(resource_id)} GROUP BY {column} ORDER BY {column} "
            "LIMIT %s",
            [MAX_GROUPS],
        )
        return [(canonical(value), count) for value, count in cursor.fetchall()]


def iter_records(*, resource_id: int, batch: int = 2000) -> Iterator[RecordRow]:
    """Every record in key order, read a batch at a time (keyset): a download of a million records
    holds one batch in memory."""
    after = ""
    while True:
        rows = records_where(resource_id=resource_id, after=after, limit=batch)
        yield from rows
        if len(rows) < batch:
            return
        after = rows[-1].key


def all_records(*, resource_id: int) -> dict[str, RecordRow]:
    """Every record by its key: for tests and small entries only."""
    return {row.key: row for row in iter_records(resource_id=resource_id)}


def iter_columns(
    *, resource_id: int, names: list[str], batch: int = 2000
) -> Iterator[tuple[int, dict[str, list]]]:
    """The named items of every record in key order, a batch at a time: (how many records, a list of
    values per name). A download's read: only the columns it writes, no dict per row. A name the
    table has no column for (an item not yet published) comes back empty."""
    stored = existing_columns(resource_id) or {}
    present = [name for name in names if name in stored]
    selected = "".join(f", {quote(name)}" for name in present)
    sql = f"SELECT {KEY}{selected} FROM {table_name(resource_id)} WHERE {KEY} > %s ORDER BY {KEY} LIMIT %s"
    after = ""
    while True:
        with connection.cursor() as cursor:
            cursor.execute(sql, [after, batch])
            rows = cursor.fetchall()
        if not rows:
            return
        columns = list(zip(*rows, strict=True))
        found = {
            name: list(map(canonical, values)) for name, values in zip(present, columns[1:], strict=True)
        }
        yield len(rows), {name: found.get(name) or [None] * len(rows) for name in names}
        if len(rows) < batch:
            return
        after = columns[0][-1]
