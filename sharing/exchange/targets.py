"""The applicants' databases: PostgreSQL (psycopg 3) and MySQL / MariaDB (PyMySQL).

The target table has the record key as its primary key (``record_key``) and one column per granted
item. Beside it, ``dp_push_state`` holds each push task's progress: the watermark of its last finished
run and, while a run is going, its horizon, phase and cursor. A state row is keyed by the task's
``identity`` (a UUID: task ids repeat across platforms and after a restore or re-seed) and names the
table it was written for; a row of another identity or another table is never taken as progress, so
the next run is a full load, which first empties the table (in the transaction that starts it). Every batch is written in one target
transaction together with its new state, and the state update is conditional on the state the batch
was computed from: a worker killed mid-batch leaves nothing half-written, and a second worker running
the same task finds its update refused instead of writing twice.
"""

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from django.utils.translation import gettext as _

from catalog.models import ItemType

from .crypto import secret_decrypt
from .models import PushTask, TargetEngine

KEY_COLUMN = "record_key"
STATE_TABLE = "dp_push_state"
FILLFACTOR = 90  # PostgreSQL targets' tables, made by the push


class TargetError(Exception):
    """The target refused or cannot be reached; the message is safe to show (no password)."""


class StateMoved(TargetError):
    """Another worker advanced this task's state: this one stops."""


@dataclass(frozen=True)
class Column:
    name: str
    item_type: str


@dataclass(frozen=True)
class State:
    watermark: str | None = None  # ISO time: the data up to which the target is complete
    horizon: str | None = None  # the run in progress pushes changes up to this time
    phase: str | None = None  # full_copy, full, delete, upsert; None between runs
    cursor: str = ""  # where this phase got to: the last record key (or tombstone number) written
    rows_written: int = 0
    rows_deleted: int = 0

    def advanced(self, **changes) -> "State":
        return replace(self, **changes)


# Keyed by ItemType (a str enum): looked up with the item type a column stores.
PG_TYPES: dict[str, str] = {
    ItemType.STRING: "text",
    ItemType.INTEGER: "bigint",
    ItemType.DECIMAL: "numeric",
    ItemType.DATE: "date",
    ItemType.DATETIME: "timestamptz",
    ItemType.BOOLEAN: "boolean",
}
MYSQL_TYPES: dict[str, str] = {
    ItemType.STRING: "TEXT",
    ItemType.INTEGER: "BIGINT",
    ItemType.DECIMAL: "DECIMAL(38,10)",
    ItemType.DATE: "DATE",
    ItemType.DATETIME: "DATETIME(6)",
    ItemType.BOOLEAN: "BOOLEAN",
}


def target_for(task: PushTask, columns: Sequence[Column]) -> "Target":
    cls = PostgresTarget if task.engine == TargetEngine.POSTGRESQL else MysqlTarget
    return cls(task, columns)


class Target:
    """One connection to a task's target; use as a context manager."""

    # What each engine's subclass gives.
    null_safe_equal: str
    streams: bool
    quote: Callable[[str], str]
    _connect: Callable[[str], Any]
    _prepare: Callable[[], None]
    _copy: Callable[..., None]
    _upsert: Callable[..., None]

    def __init__(self, task: PushTask, columns: Sequence[Column]) -> None:
        self.task = task
        self.columns = list(columns)
        self.names = [KEY_COLUMN, *(column.name for column in self.columns)]
        self.conn: Any = None  # the driver's DB-API connection

    def __enter__(self) -> "Target":
        try:
            self.conn = self._connect(secret_decrypt(self.task.password_encrypted))
        except Exception as exc:  # the driver's own message names host and reason, never the password
            raise TargetError(_("Cannot connect to the target database: %(exc)s") % {"exc": exc}) from exc
        return self

    def __exit__(self, *exc_info) -> None:
        if self.conn is not None:
            try:
                self.conn.rollback()
            finally:
                self.conn.close()

    @property
    def table(self) -> str:
        """The target table's name, quoted (``schema.table`` quoted part by part)."""
        return ".".join(self.quote(part) for part in self.task.table.split("."))

    # Interface
    def prepare(self) -> None:
        """Create the state table and the target table if missing; check an existing table's columns."""
        try:
            self._prepare()
            self.conn.commit()
        except TargetError:
            self.conn.rollback()
            raise
        except Exception as exc:
            self.conn.rollback()
            raise TargetError(_("The target refused to prepare the table: %(exc)s") % {"exc": exc}) from exc

    def state(self) -> State:
        """This task's progress in this table; none (a full load) when the row was written for another
        table."""
        row = self._fetch_state()
        self.conn.commit()
        if row is None or row[0] != self.task.table:
            return State()
        _table, watermark, horizon, phase, cursor, written, deleted = row
        return State(watermark, horizon, phase, cursor or "", int(written or 0), int(deleted or 0))

    def begin(self, old: State, new: State, *, clear: bool = False) -> None:
        """Move the state; with ``clear``, empty the target table in the same transaction (a full load
        replaces what the table holds)."""
        self._transaction(old, new, lambda cur: cur.execute(f"DELETE FROM {self.table}") if clear else None)

    def write(self, old: State, new: State, rows: list[tuple], *, copy: bool = False) -> None:
        """Upsert ``rows`` (key first, then the items) and move the state from ``old`` to ``new``."""
        self._transaction(old, new, lambda cur: (self._copy if copy else self._upsert)(cur, rows))

    def write_stream(self, old: State, new: State, chunks, *, copy: bool = False) -> None:
        """As ``write``, from COPY text chunks (PostgreSQL to PostgreSQL)."""
        self._transaction(old, new, lambda cur: (self._copy if copy else self._upsert)(cur, None, chunks))

    def delete(self, old: State, new: State, keys: list[str]) -> None:
        self._transaction(old, new, lambda cur: self._delete(cur, keys))

    def is_empty(self) -> bool:
        with self.conn.cursor() as cur:
            cur.execute(f"SELECT 1 FROM {self.table} LIMIT 1")
            empty = cur.fetchone() is None
        self.conn.commit()
        return empty

    def count(self) -> int:
        with self.conn.cursor() as cur:
            cur.execute(f"SELECT count(*) FROM {self.table}")
            (count,) = cur.fetchone()
        self.conn.commit()
        return count

    def _transaction(self, old: State, new: State, work) -> None:
        try:
            with self.conn.cursor() as cur:
                work(cur)
                if not self._save_state(cur, old, new):
                    raise StateMoved("Another worker has moved this push on; this one stops.")
            self.conn.commit()
        except TargetError:
            self.conn.rollback()
            raise
        except Exception as exc:
            self.conn.rollback()
            raise TargetError(_("The target refused the batch: %(exc)s") % {"exc": exc}) from exc

    def _save_state(self, cur, old: State, new: State) -> bool:
        """Insert or update this task's state row, provided it still says ``old`` (for no state: no row,
        or a row written for another table)."""
        values = [
            new.watermark,
            new.horizon,
            new.phase,
            new.cursor,
            new.rows_written,
            new.rows_deleted,
        ]
        identity, table = str(self.task.identity), self.task.table
        same = "(target_table <=> %s AND watermark <=> %s AND phase <=> %s AND cursor_key = %s)"
        params = [table, old.watermark, old.phase, old.cursor]
        if old == State():
            same += " OR NOT (target_table <=> %s)"
            params.append(table)
        cur.execute(
            f"UPDATE {STATE_TABLE} SET watermark = %s, horizon = %s, phase = %s, cursor_key = %s, "
            f"rows_written = %s, rows_deleted = %s, target_table = %s, task_id = %s "
            f"WHERE task_uuid = %s AND ({same})".replace("<=>", self.null_safe_equal),
            [*values, table, self.task.pk, identity, *params],
        )
        if cur.rowcount == 1:
            return True
        cur.execute(f"SELECT 1 FROM {STATE_TABLE} WHERE task_uuid = %s", [identity])
        if cur.fetchone() is not None:
            return False
        cur.execute(
            f"INSERT INTO {STATE_TABLE} (watermark, horizon, phase, cursor_key, rows_written, rows_deleted, "
            "target_table, task_id, task_uuid) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [*values, table, self.task.pk, identity],
        )
        return old == State()

    def _fetch_state(self):
        with self.conn.cursor() as cur:
            cur.execute(
                "SELECT target_table, watermark, horizon, phase, cursor_key, rows_written, rows_deleted "
                f"FROM {STATE_TABLE} WHERE task_uuid = %s",
                [str(self.task.identity)],
            )
            return cur.fetchone()

    def _delete(self, cur, keys: list[str]) -> None:
        for start in range(0, len(keys), 1000):
            chunk = keys[start : start + 1000]
            placeholders = ", ".join(["%s"] * len(chunk))
            cur.execute(f"DELETE FROM {self.table} WHERE {self.quote(KEY_COLUMN)} IN ({placeholders})", chunk)

    def _missing_columns(self, existing: set[str]) -> list[str]:
        return [name for name in self.names if name not in existing]


class PostgresTarget(Target):
    null_safe_equal = "IS NOT DISTINCT FROM"
    streams = True  # takes COPY text from the platform's PostgreSQL as it comes

    def _connect(self, password: str):
        import psycopg
        from django.conf import settings

        return psycopg.connect(
            host=self.task.host,
            port=self.task.port,
            dbname=self.task.database,
            user=self.task.username,
            password=password or None,
            connect_timeout=settings.EXCHANGE["CONNECT_TIMEOUT"],
            application_name="dataplatform-push",
        )

    @staticmethod
    def quote(name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    def _prepare(self) -> None:
        with self.conn.cursor() as cur:
            cur.execute(
                f"CREATE TABLE IF NOT EXISTS {STATE_TABLE} (task_uuid text PRIMARY KEY, task_id bigint, "
                "target_table text, watermark text, horizon text, phase text, "
                "cursor_key text NOT NULL DEFAULT '', rows_written bigint NOT NULL DEFAULT 0, "
                "rows_deleted bigint NOT NULL DEFAULT 0)"
            )
            cur.execute(
                "SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attname = 'task_uuid' "
                "AND NOT attisdropped",
                [STATE_TABLE],
            )
            if cur.fetchone() is None:  # a state table of before identities: keyed by the task id
                for statement in (
                    "ADD COLUMN IF NOT EXISTS task_uuid text",
                    f"DROP CONSTRAINT IF EXISTS {STATE_TABLE}_pkey",
                    "ALTER COLUMN task_id DROP NOT NULL",
                ):
                    cur.execute(f"ALTER TABLE {STATE_TABLE} {statement}")
                cur.execute(
                    f"CREATE UNIQUE INDEX IF NOT EXISTS {STATE_TABLE}_task_uuid ON {STATE_TABLE} (task_uuid)"
                )
            cur.execute("SELECT to_regclass(%s)", [self.table])
            if cur.fetchone()[0] is None:
                columns = ", ".join(
                    f"{self.quote(column.name)} {PG_TYPES[column.item_type]}" for column in self.columns
                )
                # Room on each page: an increment's update then stays on its row's page (HOT), with
                # no new primary key entry: a third fewer pages rewritten (bench/README.md, push.py).
                cur.execute(
                    f"CREATE TABLE {self.table} ({self.quote(KEY_COLUMN)} text PRIMARY KEY"
                    + (f", {columns}" if columns else "")
                    + f") WITH (fillfactor = {FILLFACTOR})"
                )
                return
            cur.execute(
                "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(%s) "
                "AND attnum > 0 AND NOT attisdropped",
                [self.table],
            )
            missing = self._missing_columns({name for (name,) in cur.fetchall()})
            if missing:
                raise TargetError(
                    _("The target table %(table)s lacks the columns: %(missing)s.")
                    % {"table": self.task.table, "missing": ", ".join(missing)}
                )

    def _copy(self, cur, rows: list[tuple] | None, chunks=None) -> None:
        """The first full load into an empty table: COPY straight in (the state update in the same
        transaction makes a re-run start after these rows, so nothing is copied twice)."""
        self._copy_into(cur, self.table, rows, chunks)

    def _copy_into(self, cur, table: str, rows: list[tuple] | None, chunks) -> None:
        columns = ", ".join(self.quote(name) for name in self.names)
        with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            if chunks is not None:
                for chunk in chunks:
                    copy.write(chunk)
            else:
                assert rows is not None  # rows or chunks
                for row in rows:
                    copy.write_row(row)

    def _upsert(self, cur, rows: list[tuple] | None, chunks=None) -> None:
        columns = ", ".join(self.quote(name) for name in self.names)
        cur.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS dp_push_stage (LIKE {self.table}) ON COMMIT DELETE ROWS"
        )
        self._copy_into(cur, "dp_push_stage", rows, chunks)
        updates = ", ".join(f"{self.quote(name)} = EXCLUDED.{self.quote(name)}" for name in self.names[1:])
        conflict = f"DO UPDATE SET {updates}" if updates else "DO NOTHING"
        cur.execute(
            # In key order: the primary key's pages are visited once each, in turn.
            f"INSERT INTO {self.table} ({columns}) SELECT {columns} FROM dp_push_stage "
            f"ORDER BY {self.quote(KEY_COLUMN)} ON CONFLICT ({self.quote(KEY_COLUMN)}) {conflict}"
        )


class MysqlTarget(Target):
    null_safe_equal = "<=>"
    streams = False

    def _connect(self, password: str):
        import pymysql
        from django.conf import settings

        return pymysql.connect(
            host=self.task.host,
            port=self.task.port,
            user=self.task.username,
            password=password,
            database=self.task.database,
            charset="utf8mb4",
            connect_timeout=settings.EXCHANGE["CONNECT_TIMEOUT"],
            autocommit=False,
        )

    @staticmethod
    def quote(name: str) -> str:
        return "`" + name.replace("`", "``") + "`"

    def _prepare(self) -> None:
        with self.conn.cursor() as cur:
            cur.execute(
                f"CREATE TABLE IF NOT EXISTS {STATE_TABLE} (task_uuid VARCHAR(36) PRIMARY KEY, "
                "task_id BIGINT NULL, target_table TEXT, watermark VARCHAR(40), horizon VARCHAR(40), "
                "phase VARCHAR(20), cursor_key VARCHAR(255) NOT NULL DEFAULT '', "
                "rows_written BIGINT NOT NULL DEFAULT 0, rows_deleted BIGINT NOT NULL DEFAULT 0) "
                "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"
            )
            cur.execute(
                "SELECT 1 FROM information_schema.columns WHERE table_schema = DATABASE() "
                "AND table_name = %s AND column_name = 'task_uuid'",
                [STATE_TABLE],
            )
            if cur.fetchone() is None:  # a state table of before identities: keyed by the task id
                cur.execute(
                    f"ALTER TABLE {STATE_TABLE} ADD COLUMN IF NOT EXISTS task_uuid VARCHAR(36) NULL, "
                    "DROP INDEX IF EXISTS `PRIMARY`, MODIFY task_id BIGINT NULL, "
                    f"ADD UNIQUE INDEX IF NOT EXISTS {STATE_TABLE}_task_uuid (task_uuid)"
                )
            schema, _dot, name = self.task.table.rpartition(".")
            cur.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = COALESCE(NULLIF(%s, ''), DATABASE()) AND table_name = %s",
                [schema, name],
            )
            existing = {row[0] for row in cur.fetchall()}
            if not existing:
                columns = "".join(
                    f", {self.quote(column.name)} {MYSQL_TYPES[column.item_type]}" for column in self.columns
                )
                cur.execute(
                    f"CREATE TABLE {self.table} ({self.quote(KEY_COLUMN)} VARCHAR(200) PRIMARY KEY{columns}) "
                    "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"
                )
                return
            missing = self._missing_columns(existing)
            if missing:
                raise TargetError(
                    _("The target table %(table)s lacks the columns: %(missing)s.")
                    % {"table": self.task.table, "missing": ", ".join(missing)}
                )

    def _copy(self, cur, rows: list[tuple], chunks=None) -> None:
        self._upsert(cur, rows)

    def _upsert(self, cur, rows: list[tuple], chunks=None) -> None:
        columns = ", ".join(self.quote(name) for name in self.names)
        placeholders = ", ".join(["%s"] * len(self.names))
        updates = ", ".join(f"{self.quote(name)} = VALUES({self.quote(name)})" for name in self.names[1:])
        statement = f"INSERT INTO {self.table} ({columns}) VALUES ({placeholders}) ON DUPLICATE KEY UPDATE "
        statement += updates or f"{self.quote(KEY_COLUMN)} = {self.quote(KEY_COLUMN)}"
        converters = [None, *(MYSQL_VALUE.get(column.item_type) for column in self.columns)]
        if any(converters):
            rows = [
                tuple(
                    value if f is None or value is None else f(value)
                    for f, value in zip(converters, row, strict=True)
                )
                for row in rows
            ]
        cur.executemany(statement, rows)


def _mysql_datetime(value: str) -> str:
    moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment.isoformat(sep=" ")


MYSQL_VALUE: dict[str, Callable[[str], str | int]] = {
    ItemType.BOOLEAN: lambda value: 1 if str(value).lower() in ("true", "1") else 0,
    ItemType.DATETIME: _mysql_datetime,
}
