"""The records of back-flow (docs/federation.md §14, "The records"): the upper node sends an export's rows
as ``transfer.chunk`` messages; the lower node writes them into the mirror.

**Upper.** An active export first sends a full copy of the rows stamped up to its ``horizon``, in key order
(``after_key``), then passes of increments, each up to a new horizon: the tombstones after ``watermark``
first, then the rows changed after it. Deletions go first, as in a push (``sharing/exchange/runs.py``): a
record deleted and added again in one window must end present. The horizon is read as a push reads it
(``horizon_now``: the entry's row lock and the database's clock), so a change that commits late goes with
a later pass, never with none. Only the granted items travel, and, when the entry has a region item and
the peer a region, only that region's rows and tombstones (FB12). Each chunk is queued in one transaction
with the export's cursor: a crash never sends a chunk twice nor skips one. No chunk is queued while the
peer has more than ``TRANSFER_BACKLOG`` messages waiting (back-pressure), nor more than
``STEP_CHUNKS`` per call, so that the timer returns.

**Lower.** A chunk is applied in the inbox's transaction for its envelope, so exactly once with the
stream's advance: rows upserted into the mirror's table (typed columns; ``_updated_at`` moves only when a
row's data does, stamped under the mirror's row lock like an aggregation, so this node's own pushes carry
the changes on), deletions through ``delete_records`` (tombstones, for the same reason).
"""

import datetime as dt
import json
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Value
from django.utils import timezone

from audit.services import audit_record
from catalog.aggregation.clock import database_now
from catalog.aggregation.services import entry_locked
from catalog.models import AggregationBatch, BatchSource, BatchStatus, RecordDeletion, Resource
from catalog.records import KEY, delete_records, published_columns, stamp, table_name
from catalog.records.layout import BATCH, CREATED, UPDATED, Column, planner_fence, quote
from catalog.records.reads import canonical
from catalog.records.writes import region_item
from dataplatform.core.audit_actions import AuditAction
from sharing.exchange.source import horizon_now

from .envelope import Envelope
from .handlers import HandlerError, handler
from .models import (
    BackflowRequest,
    Export,
    ExportPhase,
    ExportStatus,
    OutboxMessage,
    OutboxStatus,
    Peer,
)
from .outbox import federation_send

CHUNK = "transfer.chunk"
STEP_CHUNKS = 20  # chunks one call of exports_step queues at most
KEY_BYTES = 3 * (RecordDeletion._meta.get_field("key").max_length or 200) + 3  # UTF-8, quoted, a comma


def transfer_stream(request_id: int) -> str:
    return f"transfer:{request_id}"


def region_prefix(code: str) -> str:
    """A division code without its trailing ``00`` pairs: 350500 → 3505, 350000 → 35, 350582 → 350582."""
    while len(code) > 2 and code.endswith("00"):
        code = code[:-2]
    return code


# --- the upper node ----------------------------------------------------------------------------------


def export_start(export: Export, *, now: dt.datetime | None = None) -> None:
    """Start (or start again) the export's full copy, up to the records stamped by now."""
    horizon = now or horizon_now(export.resource_id)
    Export.objects.filter(pk=export.pk).update(
        status=ExportStatus.ACTIVE,
        phase=ExportPhase.FULL,
        horizon=horizon,
        watermark=None,
        after_key="",
        deletions_after=0,
        updated_at=timezone.now(),
    )
    export.refresh_from_db()


def exports_step(now: dt.datetime | None = None) -> int:
    """Timer: queue the next chunks of the active exports; return how many were queued."""
    queued = 0
    exports = list(Export.objects.filter(status=ExportStatus.ACTIVE).order_by("last_chunk_at", "pk"))
    while exports and queued < STEP_CHUNKS:
        sending = []
        for export in exports:  # one chunk each in turn: a large export does not hold the others back
            if queued >= STEP_CHUNKS:
                break
            if _chunk_send(export.pk, now):
                queued += 1
                sending.append(export)
        exports = sending  # one with nothing to send now is not asked again in this run
    return queued


def _backlog_full(peer_id: int) -> bool:
    waiting = OutboxMessage.objects.filter(peer_id=peer_id, status=OutboxStatus.PENDING).count()
    return waiting > settings.FEDERATION["TRANSFER_BACKLOG"]


def _chunk_send(export_id: int, now: dt.datetime | None) -> bool:
    """Queue the export's next chunk, if it has one and its peer can take it; whether one was queued."""
    if not _pass_ready(export_id):
        return False
    with transaction.atomic():
        export = (
            Export.objects.select_for_update(of=("self",))
            .select_related("peer", "resource__producer")
            .filter(pk=export_id, status=ExportStatus.ACTIVE)
            .first()
        )
        if export is None or export.horizon is None or _backlog_full(export.peer_id):
            return False
        chunk = _next_chunk(export)
        if chunk is None:  # the increment pass found nothing more: it is done
            Export.objects.filter(pk=export.pk).update(
                watermark=export.horizon, after_key="", updated_at=timezone.now()
            )
            return False
        body, advance = chunk
        federation_send(peer=export.peer, kind=CHUNK, stream=transfer_stream(export.request_id), body=body)
        count = len(body.get("rows", ())) + len(body.get("keys", ()))
        audit_record(
            action=AuditAction.FEDERATION_TRANSFER_SEND,
            target=export,
            owner_unit=export.resource.producer,
            data_items=export.items,
            record_count=count,
            detail={
                "peer": export.peer.node_id,
                "request": export.request_id,
                "phase": body["phase"],
                "first": body["first"],
                "last": body["last"],
            },
        )
        Export.objects.filter(pk=export.pk).update(
            **advance, last_chunk_at=now or timezone.now(), updated_at=timezone.now()
        )
    return True


def _pass_ready(export_id: int) -> bool:
    """An increment pass whose horizon was reached starts a new one, up to now (a short transaction of
    its own: the entry's row lock is held only to read the clock)."""
    export = Export.objects.filter(pk=export_id, status=ExportStatus.ACTIVE).first()
    if export is None:
        return False
    if export.phase == ExportPhase.INCREMENT and export.watermark == export.horizon:
        with transaction.atomic():
            horizon = horizon_now(export.resource_id)
            Export.objects.filter(pk=export_id, status=ExportStatus.ACTIVE, horizon=export.horizon).update(
                horizon=horizon, updated_at=timezone.now()
            )
    return True


def _next_chunk(export: Export) -> tuple[dict, dict] | None:
    """The chunk to send and the export's fields after it; None when an increment pass has no more."""
    assert export.horizon is not None
    columns = _sent_columns(export)
    region = _region_filter(export)
    limit = settings.FEDERATION["TRANSFER_ROWS"]
    body: dict[str, Any] = {
        "request": export.request_id,
        "horizon": export.horizon.isoformat(),
        "first": False,
        "last": False,
    }
    if export.phase == ExportPhase.FULL:
        rows = _within_bytes(export.pk, _rows(export, columns, region, since=None, limit=_limit(export.pk)))
        # The last chunk says so (the lower node then knows its copy is whole): one more row is looked for.
        last = not rows or not _rows(export, columns, region, since=None, limit=1, after=rows[-1][0])
        body.update(phase="full", rows=rows, first=not export.after_key, last=last)
        advance: dict[str, Any] = {
            "after_key": rows[-1][0] if rows else export.after_key,
            "rows_sent": F("rows_sent") + len(rows),
        }
        if last:
            advance.update(phase=ExportPhase.INCREMENT, watermark=export.horizon, after_key="")
        return body, advance
    since = export.watermark
    assert since is not None  # an increment follows a full copy
    # A key is at most KEY_BYTES long: so many keys fit a chunk whatever they are.
    keys, last_id = _deletions(export, region, since=since, limit=min(limit, chunk_bytes() // KEY_BYTES))
    if keys:
        body.update(phase="delete", keys=keys)
        return body, {"deletions_after": last_id, "deletions_sent": F("deletions_sent") + len(keys)}
    rows = _within_bytes(export.pk, _rows(export, columns, region, since=since, limit=_limit(export.pk)))
    if not rows:
        return None
    last = not _rows(export, columns, region, since=since, limit=1, after=rows[-1][0])
    body.update(phase="upsert", rows=rows, last=last)
    advance = {"after_key": rows[-1][0], "rows_sent": F("rows_sent") + len(rows)}
    if last:
        advance.update(watermark=export.horizon, after_key="")
    return body, advance


def _sent_columns(export: Export) -> list[str]:
    """The granted items and the key item, in the published version's order (the mirror's columns)."""
    granted = set(export.items)
    return [c.name for c in published_columns(export.resource) if c.name in granted or c.is_key]


def _region_filter(export: Export) -> tuple[str, str] | None:
    """(region item, LIKE pattern) when the entry has a region item and the peer a region (FB12)."""
    if not export.region_prefix:
        return None
    item = region_item(export.resource_id)
    return (item, f"{region_prefix(export.region_prefix)}%") if item else None


def _rows(
    export: Export,
    columns: list[str],
    region: tuple[str, str] | None,
    *,
    since: dt.datetime | None,
    limit: int,
    after: str | None = None,
) -> list[list]:
    """[key, {item: canonical value}] of the rows stamped in (since, horizon], keys after ``after``."""
    assert export.horizon is not None
    table = table_name(export.resource_id)
    selected = "".join(f", {quote(name)}" for name in columns)
    where, params = (
        f"{KEY} > %s AND {UPDATED} <= %s",
        [
            export.after_key if after is None else after,
            stamp(export.horizon),
        ],
    )
    if since is not None:
        where += f" AND {UPDATED} > %s"
        params.append(stamp(since))
    if region is not None:
        where += f" AND {quote(region[0])} LIKE %s"
        params.append(region[1])
    # An increment takes the rows changed in its window by the _updated_at index first; the planner fence
    # keeps PostgreSQL from walking the key index and testing every record's time (sharing/exchange/source.py).
    source = f"(SELECT * FROM {table} WHERE {where}{planner_fence()}) changed" if since is not None else table
    sql = f"SELECT {KEY}{selected} FROM {source}"
    if since is None:
        sql += f" WHERE {where}"
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} ORDER BY {KEY} LIMIT %s", [*params, limit])
        found = cursor.fetchall()
    return [
        [key, {name: canonical(value) for name, value in zip(columns, values, strict=True)}]
        for key, *values in found
    ]


def _deletions(
    export: Export, region: tuple[str, str] | None, *, since: dt.datetime, limit: int
) -> tuple[list[str], int]:
    """Keys deleted in (since, horizon] after the tombstone numbered ``deletions_after``, and the last."""
    window = RecordDeletion.objects.filter(
        resource_id=export.resource_id,
        deleted_at__gt=since,
        deleted_at__lte=export.horizon,
        pk__gt=export.deletions_after,
    )
    if region is not None:
        window = window.filter(region__startswith=region[1].rstrip("%"))
    found = list(window.order_by("pk").values_list("pk", "key")[:limit])
    return [key for _pk, key in found], (found[-1][0] if found else export.deletions_after)


def chunk_bytes() -> int:
    """A chunk's size at most: one chunk must fit in one signed POST (``MAX_BODY_BYTES``) with room for
    its envelope; the outbox posts as many waiting chunks together as fit (``outbox._fitting``)."""
    return int(settings.FEDERATION["MAX_BODY_BYTES"] * 0.45)


# The bytes of a row of each export as its last chunk measured, kept by the process: the next chunk reads
# about as many rows as fit, not TRANSFER_ROWS to keep a third of them (the values' conversion is most of
# a chunk's cost: 1,000,000 records, bench/federation.py).
_ROW_BYTES: dict[int, float] = {}


def _limit(export_id: int) -> int:
    limit = settings.FEDERATION["TRANSFER_ROWS"]
    measured = _ROW_BYTES.get(export_id)
    return limit if measured is None else max(1, min(limit, int(chunk_bytes() / measured * 0.95)))


def _within_bytes(export_id: int, rows: list[list]) -> list[list]:
    """The rows cut to ``chunk_bytes`` (the outbox posts a batch of envelopes of any size together)."""
    if not rows:
        return rows
    size = len(json.dumps(rows, ensure_ascii=False, separators=(",", ":")).encode())
    _ROW_BYTES[export_id] = size / len(rows)
    budget = chunk_bytes()
    if size <= budget or len(rows) <= 1:
        return rows
    return rows[: max(1, len(rows) * budget // size)]


# --- the lower node ----------------------------------------------------------------------------------


@handler(CHUNK)
def chunk_apply(peer: Peer, envelope: Envelope) -> None:
    body = envelope.body
    request_id: Any = body.get("request")
    phase = body.get("phase")
    if not isinstance(request_id, int) or phase not in ("full", "upsert", "delete"):
        raise HandlerError('"request" must be a number and "phase" one of full, upsert, delete')
    request = (
        BackflowRequest.objects.select_for_update(of=("self",))
        .filter(pk=request_id, remote_entry__origin=peer)
        .first()
    )
    if request is None or request.mirror_id is None:
        raise HandlerError(f"no back-flow application {request_id} of this node with a mirrored resource")
    mirror = entry_locked(request.mirror_id)
    # Stamped under the mirror's row lock, as an aggregation stamps (catalog/aggregation/clock.py).
    now = database_now()
    batch = AggregationBatch.objects.create(
        resource=mirror, source=BatchSource.FEDERATION, status=BatchStatus.PROCESSING, started_at=now
    )
    first = bool(body.get("first"))
    purged = inserted = updated = deleted = 0
    if first:  # a full copy starts: the mirror is emptied (tombstones carry it on to this node's pushes)
        purged = delete_records(resource_id=mirror.pk, keys=None, batch_id=batch.pk, now=now)
    if phase == "delete":
        keys = _keys(body.get("keys"))
        deleted = delete_records(resource_id=mirror.pk, keys=keys, batch_id=batch.pk, now=now)
        received = len(keys)
    else:
        rows = _parsed_rows(body.get("rows"), published_columns(mirror))
        inserted, updated = rows_upsert(mirror, rows, batch_id=batch.pk, now=now)
        received = len(rows)
    _batch_finish(
        batch, received=received, inserted=inserted, updated=updated, deleted=purged + deleted, now=now
    )
    counted = Value(0) if first else F("record_count")
    Resource.objects.filter(pk=mirror.pk).update(
        record_count=counted + inserted - deleted, last_aggregated_at=now
    )
    _request_advance(request, phase, body, received, now)
    audit_record(
        action=AuditAction.FEDERATION_TRANSFER_APPLY,
        target=mirror,
        owner_unit=mirror.producer,
        data_items=[c.name for c in published_columns(mirror)],
        record_count=received,
        detail={"peer": peer.node_id, "request": request.pk, "phase": phase, "batch": batch.pk},
    )


def _keys(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(key, str) for key in value):
        raise HandlerError('"keys" must be a list of texts')
    return list(dict.fromkeys(value))


def _parsed_rows(value: Any, columns: tuple[Column, ...]) -> list[tuple[str, dict]]:
    names = {column.name for column in columns}
    if not isinstance(value, list):
        raise HandlerError('"rows" must be a list of [key, {item: value}]')
    rows: dict[str, dict] = {}
    for row in value:
        if not (
            isinstance(row, list) and len(row) == 2 and isinstance(row[0], str) and isinstance(row[1], dict)
        ):
            raise HandlerError('"rows" must be a list of [key, {item: value}]')
        unknown = set(row[1]) - names
        if unknown:
            raise HandlerError(f"items the mirrored resource lacks: {', '.join(sorted(unknown))}")
        rows[row[0]] = row[1]  # a key sent twice: the later row wins, as in an aggregation
    return list(rows.items())


def rows_upsert(
    mirror: Resource, rows: list[tuple[str, dict]], *, batch_id: int, now: dt.datetime
) -> tuple[int, int]:
    """Insert or update the rows in the mirror's table, typed by its columns; unchanged rows keep their
    stamp (so this node's pushes send only what changed). Answer (inserted, updated)."""
    if not rows:
        return 0, 0
    columns = published_columns(mirror)
    if connection.vendor != "postgresql":
        return _rows_upsert_plain(mirror, columns, rows, batch_id=batch_id, now=now)
    table = table_name(mirror.pk)
    names = [quote(column.name) for column in columns]
    typed = ", ".join([f"{KEY} text", *(f"{n} {c.sql_type()}" for n, c in zip(names, columns, strict=True))])
    listed = ", ".join(names)
    new = ", ".join(f"s.{name}" for name in names)
    mine = ", ".join(f"r.{name}" for name in names)
    excluded = ", ".join(f"EXCLUDED.{name}" for name in names)
    sets = ", ".join(f"{name} = EXCLUDED.{name}" for name in names)
    # One statement per chunk: PostgreSQL parses each value with its column's type (json_to_recordset).
    sql = f"""
        WITH upserted AS (
            INSERT INTO {table} AS r ({KEY}, {listed}, {CREATED}, {UPDATED}, {BATCH})
            SELECT s.{KEY}, {new}, %s, %s, %s FROM json_to_recordset(%s::json) AS s({typed})
            ON CONFLICT ({KEY}) DO UPDATE
                SET {sets}, {UPDATED} = EXCLUDED.{UPDATED}, {BATCH} = EXCLUDED.{BATCH}
                WHERE ROW({mine}) IS DISTINCT FROM ROW({excluded})
            RETURNING (xmax = 0) AS inserted
        )
        SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM upserted
    """
    document = json.dumps([{KEY: key, **values} for key, values in rows], ensure_ascii=False)
    with connection.cursor() as cursor:
        cursor.execute(sql, [now, now, batch_id, document])
        inserted, updated = cursor.fetchone()
    return inserted, updated


def _rows_upsert_plain(
    mirror: Resource,
    columns: tuple[Column, ...],
    rows: list[tuple[str, dict]],
    *,
    batch_id: int,
    now: dt.datetime,
) -> tuple[int, int]:
    """Any other database (the SQLite demo): the values are stored as their canonical text already."""
    table = table_name(mirror.pk)
    names = [quote(column.name) for column in columns]
    keys = [key for key, _values in rows]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table} WHERE {KEY} IN ({', '.join(['%s'] * len(keys))})", keys)
        (existing,) = cursor.fetchone()
        marks = ", ".join(["%s"] * (len(names) + 4))
        sets = ", ".join(f"{name} = excluded.{name}" for name in names)
        # As the staging's upsert (catalog.records.staging.MemoryStage): an unchanged row keeps its stamp.
        mine = ", ".join(f"{table}.{name}" for name in names)
        theirs = ", ".join(f"excluded.{name}" for name in names)
        cursor.executemany(
            f"INSERT INTO {table} ({KEY}, {', '.join(names)}, {CREATED}, {UPDATED}, {BATCH}) VALUES ({marks}) "
            f"ON CONFLICT ({KEY}) DO UPDATE SET {sets}, {UPDATED} = excluded.{UPDATED}, {BATCH} = excluded.{BATCH} "
            f"WHERE ({mine}) IS NOT ({theirs})",
            [
                [key, *(values.get(column.name) for column in columns), stamp(now), stamp(now), batch_id]
                for key, values in rows
            ],
        )
        written = cursor.rowcount  # inserted and changed rows: an unchanged one is not written
    inserted = len(rows) - existing
    return inserted, written - inserted


def _batch_finish(
    batch: AggregationBatch, *, received: int, inserted: int, updated: int, deleted: int, now: dt.datetime
) -> None:
    batch.status = BatchStatus.DONE
    batch.total_rows = batch.processed_rows = received
    batch.inserted, batch.updated, batch.deleted = inserted, updated, deleted
    batch.unchanged = max(0, received - inserted - updated - deleted)
    batch.finished_at = now
    batch.save()


def _request_advance(
    request: BackflowRequest, phase: str, body: dict, received: int, now: dt.datetime
) -> None:
    fields: dict[str, Any] = {"last_transfer_at": now, "updated_at": timezone.now()}
    if phase == "delete":
        fields["deletions_received"] = F("deletions_received") + received
    elif body.get("first"):  # a full copy (again): the count starts over with it
        fields["rows_received"] = received
    else:
        fields["rows_received"] = F("rows_received") + received
    # "full" while a full copy comes in; "increment" once it is whole (then increments follow).
    fields["transfer_phase"] = (
        ExportPhase.FULL if phase == "full" and not body.get("last") else ExportPhase.INCREMENT
    )
    BackflowRequest.objects.filter(pk=request.pk).update(**fields)
