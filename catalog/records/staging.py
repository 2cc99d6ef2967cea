"""Where checked rows wait until the whole batch is known to be good, and how they enter the resource's
table: all at once, in the caller's transaction, a record's ``_updated_at`` moving only when its data
does (increments and corrections are found by it).

On PostgreSQL the rows are COPYed, as text, into a temporary table typed like the resource's, which
PostgreSQL parses on its own core while Python checks the next rows; repeated keys are found there by
one query, and one ``INSERT … ON CONFLICT`` applies them, skipping the unchanged ones. The process holds
nothing per row: its memory is the same for a thousand rows or a million. On SQLite (the demo) the rows
wait in memory and go through the same statement shapes.
"""

import datetime as dt
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from itertools import repeat
from typing import Any

from django.db import connection, transaction
from psycopg.copy import QueuedLibpqWriter

from ..ingest.rows import MAX_LISTED_ERRORS, Chunk, RowChecker
from ..ingest.schema import Schema
from ..models import ItemType
from .layout import BATCH, CREATED, KEY, UPDATED, Column, quote, table_name
from .reads import has_records, stamp
from .tables import ensure_table, indexes_rebuilt

PROGRESS_SECONDS = 1.0  # between two progress writes of a file's batch (each ends one COPY statement)
STAGE = "aggregation_stage"
# A fresh entry's indexes are built after its rows from this many rows on: below, dropping and making
# them again costs more than inserting into them (bench/aggregate.py).
REBUILD_INDEXES_FROM = 20_000
_NULL = "\\N"


def schema_columns(schema: Schema) -> list[Column]:
    return [
        Column(name=i.name, item_type=i.item_type, length=i.length, is_key=i.is_key, is_query=i.is_query)
        for i in schema.items
    ]


class Stage:
    remember_keys = True  # the checker finds repeated keys (in memory) or the stage does (its table)

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.columns = schema_columns(schema)
        self.names = [quote(column.name) for column in self.columns]

    def checker(self) -> RowChecker:
        return RowChecker(self.schema, remember_keys=self.remember_keys)

    def load(
        self,
        chunks: Iterable[Chunk | None],
        checker: RowChecker,
        *,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        """Stage the checked chunks, writing progress about every PROGRESS_SECONDS. After the first
        error only keys are staged, if the stage finds repeated ones (the batch will be refused), but
        every row is still checked."""
        chunks, more = iter(chunks), True
        while more:
            more, due = False, time.monotonic() + PROGRESS_SECONDS
            with self.writer() as write:
                for chunk in chunks:
                    if chunk is not None and (not checker.error_count or not self.remember_keys):
                        write(chunk, not checker.error_count)
                    if progress is not None and time.monotonic() >= due:
                        more = True  # end this COPY statement, so that the progress row can be written
                        break
            if progress is not None:
                progress(checker.processed)
        if not self.remember_keys:
            self.find_repeated_keys(checker)

    def find_repeated_keys(self, checker: RowChecker) -> None:
        raise NotImplementedError

    @contextmanager
    def writer(self) -> Iterator[Callable[[Chunk, bool], None]]:
        """Something to call with each chunk, and whether its rows are whole (False: keys only)."""
        raise NotImplementedError

    def apply(self, *, resource_id: int, batch_id: int, now: dt.datetime) -> tuple[int, int]:
        """Upsert the staged rows into the resource's table (made to fit the schema first); answer
        (inserted, updated)."""
        ensure_table(resource_id, self.columns)
        if not has_records(resource_id=resource_id):
            return self._insert(resource_id, batch_id, now), 0
        return self._upsert(resource_id, batch_id, now)

    def _insert(self, resource_id: int, batch_id: int, now: dt.datetime) -> int:
        """A fresh entry: every staged row is new, and nothing is compared."""
        names = ", ".join(self.names)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table_name(resource_id)} ({KEY}, {names}, {CREATED}, {UPDATED}, {BATCH}) "
                f"SELECT {KEY}, {names}, %s, %s, %s FROM {self.table}",
                [stamp(now), stamp(now), batch_id],
            )
            return cursor.rowcount

    def _upsert(self, resource_id: int, batch_id: int, now: dt.datetime) -> tuple[int, int]:
        raise NotImplementedError

    table = f"pg_temp.{STAGE}"

    def close(self) -> None:
        if connection.in_atomic_block and connection.needs_rollback:
            return  # the caller's rollback drops the table with everything else
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.table}")


# --- PostgreSQL ------------------------------------------------------------------------------------


def _copy_escaped(text: str) -> str:
    """COPY's text format: backslash, tab, line breaks escaped."""
    if "\\" in text:
        text = text.replace("\\", "\\\\")
    if "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def _copy_texts(column: list) -> list[str]:
    """A column of text values (text, decimals, dates, times), escaped only where a value needs it,
    which the whole column tells in C."""
    values = [value for value in column if value is not None] if None in column else column
    probe = "\x1f".join(values)
    if "\\" in probe or "\t" in probe or "\n" in probe or "\r" in probe:
        column = [_copy_escaped(value) if value is not None else None for value in column]
    return [_NULL if value is None else value for value in column] if None in column else column


def _copy_numbers(column: list) -> list[str]:
    return [_NULL if value is None else str(value) for value in column]


def _copy_booleans(column: list) -> list[str]:
    return [_NULL if value is None else "t" if value else "f" for value in column]


_COPY: dict[str, Callable[[list[Any]], list[str]]] = {
    ItemType.INTEGER: _copy_numbers,
    ItemType.BOOLEAN: _copy_booleans,
}


class CopyStage(Stage):
    remember_keys = False

    def __init__(self, schema: Schema) -> None:
        super().__init__(schema)
        items = "".join(
            f", {name} {column.sql_type()}" for name, column in zip(self.names, self.columns, strict=True)
        )
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.table}")
            cursor.execute(
                f'CREATE TEMPORARY TABLE {STAGE} ({KEY} text COLLATE "C" NOT NULL, _row integer NOT NULL, '
                f"_bad boolean NOT NULL{items})"
            )
        self.staged = 0  # whole rows sent to the stage
        self.encoders = [_COPY.get(column.item_type, _copy_texts) for column in self.columns]
        self.nulls = "\t" + "\t".join([_NULL] * len(self.columns)) if self.columns else ""

    @contextmanager
    def writer(self) -> Iterator[Callable[[Chunk, bool], None]]:
        connection.ensure_connection()
        names = ", ".join(self.names)
        # A savepoint inside a caller's transaction: a COPY cut short by a bad file must not poison it.
        # The queued writer sends from a thread, so that Python goes on with the next chunk meanwhile.
        with (
            transaction.atomic(),
            connection.connection.cursor() as cursor,
            cursor.copy(
                f"COPY {STAGE} ({KEY}, _row, _bad, {names}) FROM STDIN", writer=QueuedLibpqWriter(cursor)
            ) as copy,
        ):
            yield lambda chunk, whole: copy.write(self.copy_text(chunk) if whole else self.claims_text(chunk))

    def copy_text(self, chunk: Chunk) -> str:
        self.staged += len(chunk.keys)
        columns = [encode(column) for encode, column in zip(self.encoders, chunk.columns, strict=True)]
        keys = _copy_texts(chunk.keys)
        # Whole lines are joined in C, a chunk at a time: no Python code runs per row.
        lines = zip(keys, map(str, chunk.numbers), repeat("f"), *columns)
        return "\n".join(map("\t".join, lines)) + "\n"

    def claims_text(self, chunk: Chunk) -> str:
        """A refused batch's rows: keys only, for repeated keys to be found."""
        flag = {True: "t", False: "f"}
        return "".join(
            f"{_copy_escaped(key)}\t{number}\t{flag[bad]}{self.nulls}\n"
            for key, number, bad in chunk.claims()
        )

    def find_repeated_keys(self, checker: RowChecker) -> None:
        """Each row whose key an earlier row has, the first MAX_LISTED_ERRORS in row order listed, with
        how many there are and how many of them are in rows without another error."""
        sql = f"""
            WITH repeated AS (
                SELECT {KEY}, min(_row) AS first FROM {self.table} GROUP BY {KEY} HAVING count(*) > 1
            )
            SELECT s._row, s.{KEY}, r.first, count(*) OVER (), count(*) FILTER (WHERE NOT s._bad) OVER ()
            FROM {self.table} s JOIN repeated r ON r.{KEY} = s.{KEY} AND s._row > r.first
            ORDER BY s._row
            LIMIT %s
        """
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {self.table}")  # its size, for the plans here and in apply
            cursor.execute(sql, [MAX_LISTED_ERRORS])
            found = cursor.fetchall()
        if found:
            checker.repeated_keys(
                [(row, key, first) for row, key, first, _count, _rows in found],
                count=found[0][3],
                rows=found[0][4],
            )

    def apply(self, *, resource_id: int, batch_id: int, now: dt.datetime) -> tuple[int, int]:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")  # compiling costs more than it saves on these plans
        return super().apply(resource_id=resource_id, batch_id=batch_id, now=now)

    def _insert(self, resource_id: int, batch_id: int, now: dt.datetime) -> int:
        """A large fresh entry builds its indexes after its rows (``indexes_rebuilt``). The entry is
        empty, so the lock this takes only makes readers of an empty table wait for the aggregation."""
        if self.staged < REBUILD_INDEXES_FROM:
            return super()._insert(resource_id, batch_id, now)
        with indexes_rebuilt(resource_id):
            return super()._insert(resource_id, batch_id, now)

    def _upsert(self, resource_id: int, batch_id: int, now: dt.datetime) -> tuple[int, int]:
        table, names = table_name(resource_id), ", ".join(self.names)
        old = ", ".join(f"o.{name}" for name in self.names)
        new = ", ".join(f"s.{name}" for name in self.names)
        mine = ", ".join(f"r.{name}" for name in self.names)
        excluded = ", ".join(f"EXCLUDED.{name}" for name in self.names)
        sets = ", ".join(f"{name} = EXCLUDED.{name}" for name in self.names)
        # The join leaves out unchanged rows before ON CONFLICT sees them, which would otherwise lock
        # (and so write) every conflicting row even when its data is the same. xmax = 0 marks a row this
        # statement inserted.
        sql = f"""
            WITH upserted AS (
                INSERT INTO {table} AS r ({KEY}, {names}, {CREATED}, {UPDATED}, {BATCH})
                SELECT s.{KEY}, {new}, %s, %s, %s
                FROM {self.table} s LEFT JOIN {table} o ON o.{KEY} = s.{KEY}
                WHERE o.{KEY} IS NULL OR ROW({old}) IS DISTINCT FROM ROW({new})
                ON CONFLICT ({KEY}) DO UPDATE
                    SET {sets}, {UPDATED} = EXCLUDED.{UPDATED}, {BATCH} = EXCLUDED.{BATCH}
                    WHERE ROW({mine}) IS DISTINCT FROM ROW({excluded})
                RETURNING (xmax = 0) AS inserted
            )
            SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM upserted
        """
        with connection.cursor() as cursor:
            cursor.execute(sql, [now, now, batch_id])
            inserted, updated = cursor.fetchone()
        return inserted, updated


# --- SQLite ----------------------------------------------------------------------------------------


class MemoryStage(Stage):
    """Any other database (the SQLite demo): rows wait in memory, then pass through a temporary table."""

    table = STAGE  # a temporary table hides any other of its name, on SQLite as on PostgreSQL

    def __init__(self, schema: Schema) -> None:
        super().__init__(schema)
        self.rows: list[tuple] = []

    @contextmanager
    def writer(self) -> Iterator[Callable[[Chunk, bool], None]]:
        yield lambda chunk, whole: self.rows.extend(chunk.rows())

    def apply(self, *, resource_id: int, batch_id: int, now: dt.datetime) -> tuple[int, int]:
        items = "".join(
            f", {name} {column.sql_type()}" for name, column in zip(self.names, self.columns, strict=True)
        )
        marks = ", ".join(["%s"] * (len(self.columns) + 1))
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.table}")
            cursor.execute(f"CREATE TEMPORARY TABLE {STAGE} ({KEY} text PRIMARY KEY{items})")
            cursor.executemany(f"INSERT INTO {self.table} VALUES ({marks})", self.rows)
        return super().apply(resource_id=resource_id, batch_id=batch_id, now=now)

    def _upsert(self, resource_id: int, batch_id: int, now: dt.datetime) -> tuple[int, int]:
        table, names = table_name(resource_id), ", ".join(self.names)
        old = ", ".join(f"o.{name}" for name in self.names)
        new = ", ".join(f"s.{name}" for name in self.names)
        sets = ", ".join(f"{name} = excluded.{name}" for name in self.names)
        differs = (
            f"ROW({old}) IS DISTINCT FROM ROW({new})"
            if connection.vendor == "postgresql"
            else f"({old}) IS NOT ({new})"
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*) FILTER (WHERE o.{KEY} IS NULL), count(*) FILTER (WHERE o.{KEY} IS NOT NULL) "
                f"FROM {self.table} s LEFT JOIN {table} o ON o.{KEY} = s.{KEY} "
                f"WHERE o.{KEY} IS NULL OR {differs}",
            )
            inserted, updated = cursor.fetchone()
            cursor.execute(
                f"INSERT INTO {table} ({KEY}, {names}, {CREATED}, {UPDATED}, {BATCH}) "
                f"SELECT s.{KEY}, {new}, %s, %s, %s FROM {self.table} s LEFT JOIN {table} o ON o.{KEY} = s.{KEY} "
                f"WHERE o.{KEY} IS NULL OR {differs} "
                f"ON CONFLICT ({KEY}) DO UPDATE SET {sets}, {UPDATED} = excluded.{UPDATED}, "
                f"{BATCH} = excluded.{BATCH}",
                [stamp(now), stamp(now), batch_id],
            )
        return inserted, updated

    def close(self) -> None:
        self.rows = []
        super().close()


def stage_for(schema: Schema) -> Stage:
    return CopyStage(schema) if connection.vendor == "postgresql" else MemoryStage(schema)


@contextmanager
def staging(schema: Schema) -> Iterator[Stage]:
    stage = stage_for(schema)
    try:
        yield stage
    finally:
        stage.close()
