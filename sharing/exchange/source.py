"""What a push reads from the platform: a grant's items of the entry's records, a batch at a time.

**The horizon.** Records carry ``_updated_at`` (tombstones ``deleted_at``) stamped by the aggregation or
deletion that made them, with the database's own clock read after it took the entry's row lock
(``catalog/aggregation/clock.py``). A run takes the same lock for a moment and reads the same clock. So
the stamps follow the commit order: a writer that stamped before the run took the lock has committed
(the run waited for its lock), and a writer that takes the lock after the run stamps a later time. The
run pushes every change stamped before its horizon and the next run starts from it: a change committed
just before a run starts goes with that run, one that commits late is never skipped, and there is no
margin for hosts' clocks, since there is one clock. Within a phase, batches follow the record key
(keyset; tombstones their id), and the cursor is the last one written.
"""

import datetime as dt

from django.conf import settings
from django.db import connection, transaction

from catalog.aggregation.clock import database_now
from catalog.models import RecordDeletion, Resource
from catalog.records import KEY, stamp, table_name
from catalog.records.layout import UPDATED, planner_fence, quote
from catalog.records.reads import canonical

TICK = dt.timedelta(microseconds=1)  # the clock's resolution, PostgreSQL's and Python's
# COPY out hands over a row at a time; rows go on to the target in blocks of about this size. Measured
# at a million records (bench/push.py): row by row, an increment of 10,000 rows took 0.4-0.55 s against
# 0.18 s; 256 KiB blocks stall the stream, a full push 3.8 s against 2.7 s.
COPY_BLOCK_BYTES = 32 * 1024


def horizon_now(resource_id: int) -> dt.datetime:
    with transaction.atomic():
        list(Resource.objects.select_for_update().filter(pk=resource_id).values_list("pk"))
        # A stamp in the very microsecond we read (a writer just before us or just after) is left to
        # the next run, which starts after this horizon: to a later run, never to none.
        return database_now() - TICK


def records_batch(
    *,
    resource_id: int,
    items: list[str],
    after: str,
    upto: dt.datetime,
    since: dt.datetime | None = None,
    limit: int | None = None,
) -> tuple[list[tuple], str]:
    """Rows (key, item values as text) of records changed in (since, upto], keys after ``after``, in
    key order; with the last key read (``after`` when there are none)."""
    limit = limit or settings.EXCHANGE["BATCH_ROWS"]
    columns = "".join(f", {quote(item)}" for item in items)
    sql = _batch_select(resource_id, f"{KEY}{columns}", since) + f" ORDER BY {KEY} LIMIT %s"
    with connection.cursor() as cursor:
        cursor.execute(sql, [*_params(after, upto, since), limit])
        rows = [(key, *(_text(canonical(value)) for value in values)) for key, *values in cursor.fetchall()]
    return rows, rows[-1][0] if rows else after


# Batches follow the record key, through the table's primary key: in order, from where the last batch
# ended. An increment first takes the records changed in its window by the ``_updated_at`` index;
# the planner fence (OFFSET 0) keeps PostgreSQL from walking the key index instead and testing every record's time.


def _batch_select(resource_id: int, columns: str, since: dt.datetime | None, *, bounded: bool = False) -> str:
    """SELECT ``columns`` of one batch: params after, [last if bounded], upto, [since]."""
    table = table_name(resource_id)
    upper = f"AND {KEY} <= %s" if bounded else ""
    if since is None:
        return f"SELECT {columns} FROM {table} WHERE {KEY} > %s {upper} AND {UPDATED} <= %s"
    return (
        f"SELECT {columns} FROM (SELECT * FROM {table} WHERE {KEY} > %s {upper} "
        f"AND {UPDATED} <= %s AND {UPDATED} > %s{planner_fence()}) changed"
    )


def _params(after, upto, since, *, last=None) -> list:
    bound = [last] if last is not None else []
    return [after, *bound, stamp(upto), *([stamp(since)] if since is not None else [])]


def records_stream_pg(
    *, resource_id: int, items: list[str], after: str, upto: dt.datetime, since: dt.datetime | None
):
    """PostgreSQL: the next batch as COPY text, to be fed to the target's COPY as it comes, no row
    passing through Python. Returns (row count, last key, chunks); (0, after, None) when done."""
    limit = settings.EXCHANGE["BATCH_ROWS"]
    keys = _batch_select(resource_id, KEY, since) + f" ORDER BY {KEY} LIMIT %s"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*), max({KEY}) FROM ({keys}) batch",
            [*_params(after, upto, since), limit],
        )
        count, last = cursor.fetchone()
    if not count:
        return 0, after, None
    columns = "".join(f", {quote(item)}" for item in items)
    select = _batch_select(resource_id, f"{KEY}{columns}", since, bounded=True)
    params = _params(after, upto, since, last=last)

    def chunks():
        connection.ensure_connection()
        with (
            connection.connection.cursor() as cursor,
            cursor.copy(f"COPY ({select}) TO STDOUT", params) as copy,
        ):
            # Rows joined into blocks (COPY_BLOCK_BYTES): a write to the target per block, not per row.
            block: list = []
            size = 0
            for row in copy:
                block.append(row)
                size += len(row)
                if size >= COPY_BLOCK_BYTES:
                    yield b"".join(block)
                    block, size = [], 0
            if block:
                yield b"".join(block)

    return count, last, chunks()


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def deletions_batch(
    *, resource_id: int, after: str, since: dt.datetime, upto: dt.datetime, limit: int | None = None
) -> tuple[list[str], str]:
    """Keys deleted in (since, upto], tombstones after the one numbered ``after``; with the last read."""
    limit = limit or settings.EXCHANGE["BATCH_ROWS"]
    window = RecordDeletion.objects.filter(
        resource_id=resource_id, deleted_at__gt=since, deleted_at__lte=upto
    )
    fetched = list(window.filter(pk__gt=int(after or 0)).order_by("pk").values_list("pk", "key")[:limit])
    if not fetched:
        return [], after
    return [key for _, key in fetched], str(fetched[-1][0])


def rows_to_push(*, resource_id: int, upto: dt.datetime, since: dt.datetime | None) -> int:
    """How many rows the run will write or delete, for its progress bar."""
    table = table_name(resource_id)
    window = f"{UPDATED} <= %s" + ("" if since is None else f" AND {UPDATED} > %s")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table} WHERE {window}", _params("", upto, since)[1:])
        (changed,) = cursor.fetchone()
    if since is None:
        return changed
    deletions = RecordDeletion.objects.filter(
        resource_id=resource_id, deleted_at__gt=since, deleted_at__lte=upto
    )
    return changed + deletions.count()
