"""What a push reads from the platform: a grant's items of the entry's records, a batch at a time.

**The horizon.** Records carry ``updated_at`` stamped by the aggregation that changed them, which holds
the entry's row lock and takes the time under it (``catalog/aggregation.py``, ``catalog/deletion.py``).
A run takes the same lock for a moment and reads the time: every change stamped before it has
committed, every change after it is stamped later. The run pushes changes up to that horizon (less a
margin for hosts' clocks) and the next run starts from it, so a change that commits late is never
skipped. Within a phase, batches follow the row id (keyset), and the cursor is the last id written.
"""

import datetime as dt

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from catalog.models import Record, RecordDeletion, Resource


def horizon_now(resource_id: int) -> dt.datetime:
    margin = dt.timedelta(milliseconds=settings.EXCHANGE["CLOCK_MARGIN_MS"])
    with transaction.atomic():
        list(Resource.objects.select_for_update().filter(pk=resource_id).values_list("pk"))
        return timezone.now() - margin


def records_batch(
    *,
    resource_id: int,
    items: list[str],
    after_id: int,
    upto: dt.datetime,
    since: dt.datetime | None = None,
    limit: int | None = None,
) -> tuple[list[tuple], int]:
    """Rows (key, item values as text) of records changed in (since, upto], ids after ``after_id``;
    with the last id read (``after_id`` when there are none)."""
    limit = limit or settings.EXCHANGE["BATCH_ROWS"]
    if connection.vendor == "postgresql":
        return _records_batch_pg(resource_id, items, after_id, upto, since, limit)
    records = Record.objects.filter(resource_id=resource_id, pk__gt=after_id, updated_at__lte=upto)
    if since is not None:
        records = records.filter(updated_at__gt=since)
    rows, last = [], after_id
    for pk, key, data in records.order_by("pk").values_list("pk", "key", "data")[:limit]:
        rows.append((key, *(_text(data.get(item)) for item in items)))
        last = pk
    return rows, last


def _batch_ids(since: dt.datetime | None) -> str:
    """SQL of the ids of one batch: params resource, after id, upto, [since], limit.

    A full load walks the primary key. An increment starts from the records changed in its window,
    found by the ``record_changed`` index (resource, updated_at) and kept apart (MATERIALIZED) so that
    the planner does not walk the whole primary key looking for them."""
    table = Record._meta.db_table
    if since is None:
        return (
            f"SELECT id FROM {table} WHERE resource_id = %s AND id > %s AND updated_at <= %s "
            "ORDER BY id LIMIT %s"
        )
    return (
        f"SELECT id FROM (SELECT id FROM {table} WHERE resource_id = %s AND id > %s AND updated_at <= %s "
        "AND updated_at > %s OFFSET 0) changed ORDER BY id LIMIT %s"
    )


def _batch_params(resource_id, after_id, upto, since, limit) -> list:
    return [resource_id, after_id, upto, *([since] if since is not None else []), limit]


def _records_batch_pg(resource_id, items, after_id, upto, since, limit) -> tuple[list[tuple], int]:
    # The items come out of the JSON as text on the server: no JSON decoding in Python.
    values = "".join([", data ->> %s"] * len(items))
    table = Record._meta.db_table
    fence = "OFFSET 0" if since is not None else ""  # as in _batch_ids
    changed = "AND updated_at > %s" if since is not None else ""
    sql = (
        f"SELECT id, key{values} FROM (SELECT id, key, data FROM {table} WHERE resource_id = %s AND id > %s "
        f"AND updated_at <= %s {changed} {fence}) batch ORDER BY id LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*items, *_batch_params(resource_id, after_id, upto, since, limit)])
        fetched = cursor.fetchall()
    if not fetched:
        return [], after_id
    return [row[1:] for row in fetched], fetched[-1][0]


def records_stream_pg(
    *, resource_id: int, items: list[str], after_id: int, upto: dt.datetime, since: dt.datetime | None
):
    """PostgreSQL: the next batch as COPY text, to be fed to the target's COPY as it comes, no row
    passing through Python. Returns (row count, last id, chunks); (0, after_id, None) when done."""
    limit = settings.EXCHANGE["BATCH_ROWS"]
    table = Record._meta.db_table
    params = _batch_params(resource_id, after_id, upto, since, limit)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*), max(id) FROM ({_batch_ids(since)}) batch", params)
        count, last = cursor.fetchone()
    if not count:
        return 0, after_id, None
    values = "".join([", data ->> %s"] * len(items))
    if since is None:  # a range of the primary key
        select = f"SELECT key{values} FROM {table} WHERE resource_id = %s AND id > %s AND id <= %s AND updated_at <= %s"
        select_params = [*items, resource_id, after_id, last, upto]
    else:  # the changed records straight from the index scan, without a join back
        select = (
            f"SELECT key{values} FROM (SELECT id, key, data FROM {table} WHERE resource_id = %s AND id > %s "
            "AND id <= %s AND updated_at <= %s AND updated_at > %s OFFSET 0) changed"
        )
        select_params = [*items, resource_id, after_id, last, upto, since]
    statement = f"COPY ({select}) TO STDOUT"

    def chunks():
        connection.ensure_connection()
        with (
            connection.connection.cursor() as cursor,
            cursor.copy(statement, select_params) as copy,
        ):
            yield from copy

    return count, last, chunks()


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def deletions_batch(
    *, resource_id: int, after_id: int, since: dt.datetime, upto: dt.datetime, limit: int | None = None
) -> tuple[list[str], int]:
    """Keys deleted in (since, upto], tombstone ids after ``after_id``; with the last id read."""
    limit = limit or settings.EXCHANGE["BATCH_ROWS"]
    fetched = list(
        RecordDeletion.objects.filter(
            resource_id=resource_id, pk__gt=after_id, deleted_at__gt=since, deleted_at__lte=upto
        )
        .order_by("pk")
        .values_list("pk", "key")[:limit]
    )
    if not fetched:
        return [], after_id
    return [key for _, key in fetched], fetched[-1][0]


def rows_to_push(*, resource_id: int, upto: dt.datetime, since: dt.datetime | None) -> int:
    """How many rows the run will write or delete, for its progress bar."""
    records = Record.objects.filter(resource_id=resource_id, updated_at__lte=upto)
    if since is None:
        return records.count()
    deletions = RecordDeletion.objects.filter(
        resource_id=resource_id, deleted_at__gt=since, deleted_at__lte=upto
    )
    return records.filter(updated_at__gt=since).count() + deletions.count()
