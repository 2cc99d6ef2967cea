"""Aggregation (汇聚, Q4.3): a producer's records into the platform, keyed by the key item, all or nothing.

Two ways in: a JSON batch over the API, applied at once; and a file (CSV, XLSX, JSON), stored as an
``AggregationBatch`` row first and processed by a task. Both check every row (``catalog.ingest``), stage the
good ones and apply them in one transaction: on PostgreSQL by COPY into a temporary table and one
``INSERT … ON CONFLICT`` into the entry's own table (``catalog.records.staging``); on the SQLite demo
through the same statements. Either way a record's ``_updated_at`` changes only
when a record's data does, because increments (pushes) and corrections are found by it.
"""

import datetime as dt
import logging
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import Outcome
from audit.services import audit_record
from dataplatform.core.actors import Actor
from dataplatform.core.audit_actions import AuditAction
from dataplatform.core.authentication import ApiClient
from dataplatform.core.errors import ApplicationError
from dataplatform.core.models import User
from dataplatform.core.people import working_unit_id

from ..access import can_aggregate, resources_visible_to
from ..ingest.readers import check_file_name, chunked, read_table
from ..ingest.rows import RowChecker
from ..ingest.schema import IngestError, Schema, schema_from_items
from ..ingest.sniff import check_upload
from ..models import (
    AggregationBatch,
    BatchSource,
    BatchStatus,
    Resource,
    ResourceStatus,
    ResourceVersion,
)
from ..records.staging import Stage, staging
from .claims import batch_claim, heartbeat, worker_lost
from .clock import database_now
from .files import upload_file_remove

logger = logging.getLogger(__name__)

MAX_API_RECORDS = 10_000
MAX_UPLOAD_BYTES = 512 * 1024 * 1024
LOST_TASK_AFTER = dt.timedelta(minutes=10)  # a batch still waiting this long lost its task
FILE_NAME_MAX = 200  # AggregationBatch.file_name


# --- Access ----------------------------------------------------------------------------------------


def resource_for_aggregation(user, pk: int) -> Resource:
    """404 for who cannot see the entry; 403 for who sees it but may not aggregate into it."""
    resource = resources_visible_to(user).filter(pk=pk).first()
    if resource is None:
        raise Http404
    if not can_aggregate(user, resource):
        raise PermissionDenied
    return resource


def batch_for_user(user, pk: int) -> AggregationBatch:
    """A batch, for whoever may aggregate into its entry: its errors quote the producer's data. Another
    unit's batch answers 404 as a missing one does (issue 18: no probing ids); the producer's own people
    who may not aggregate get 403."""
    batch = AggregationBatch.objects.select_related("resource__producer").filter(pk=pk).first()
    if batch is None or working_unit_id(user) != batch.resource.producer_id:
        raise Http404
    if not can_aggregate(user, batch.resource):
        raise PermissionDenied
    return batch


def batches_of(resource: Resource, *, limit: int = 20) -> QuerySet[AggregationBatch]:
    return AggregationBatch.objects.filter(resource=resource).select_related("created_by", "api_key")[:limit]


def batch_ids_waiting() -> list[int]:
    """Batches whose task was lost (a broker restart) or whose worker died: for the timer."""
    now = timezone.now()
    lost = Q(status=BatchStatus.PENDING, created_at__lt=now - LOST_TASK_AFTER) | worker_lost(now)
    return list(AggregationBatch.objects.filter(lost).values_list("pk", flat=True))


# --- Checks shared by both ways in -----------------------------------------------------------------


def _check_available(resource: Resource) -> None:
    if resource.is_available:
        return
    if resource.status == ResourceStatus.RETIRED:
        raise ApplicationError(_("This entry is retired: no records are aggregated into it any more."))
    raise ApplicationError(
        _("This entry has not been published yet: records are aggregated only into published entries.")
    )


def aggregation_schema(resource: Resource) -> Schema:
    """The data items of the published version: while a revision is drafted, the data keeps the shape
    that was reviewed and that sharing offers."""
    # Never published: number None looks up IS NULL, no version (django-stubs takes no None here).
    version = ResourceVersion.objects.filter(
        resource=resource,
        number=resource.published_version,  # type: ignore[misc]
    ).first()
    items = (version.snapshot.get("items") if version else None) or list(
        resource.items.values("name", "label", "item_type", "required", "is_key", "is_query", "length")
    )
    try:
        return schema_from_items(items)
    except IngestError as exc:
        raise ApplicationError(str(exc)) from exc


def _actor_fields(actor: Actor) -> dict:
    return {
        "created_by": actor if isinstance(actor, User) else None,
        "api_key": getattr(actor, "api_key", None),
    }


def _batch_actor(batch: AggregationBatch):
    if batch.created_by is not None:
        return batch.created_by
    return ApiClient(api_key=batch.api_key) if batch.api_key is not None else None


# --- Ways in ---------------------------------------------------------------------------------------


def records_upsert(*, actor: Actor, resource: Resource, records: list, request=None) -> AggregationBatch:
    """The API's batch, applied now. A batch with bad rows is refused whole: ApplicationError with the
    row errors in ``extra``, after the refused batch and its audit event are recorded."""
    _check_available(resource)
    if not records:
        raise ApplicationError(_("Send at least one record."))
    if len(records) > MAX_API_RECORDS:
        raise ApplicationError(
            _("Send at most %(max_api_records)s records per call; upload a file for more.")
            % {"max_api_records": MAX_API_RECORDS}
        )
    schema = aggregation_schema(resource)
    batch = AggregationBatch(
        resource=resource, source=BatchSource.API, total_rows=len(records), **_actor_fields(actor)
    )
    with staging(schema) as stage:
        checker = stage.checker()
        stage.load(checker.check_mappings(chunked(records)), checker)
        batch = _conclude(
            batch=batch, stage=stage, checker=checker, schema=schema, actor=actor, request=request
        )
    if batch.status == BatchStatus.FAILED:
        raise ApplicationError(
            batch.message,
            extra={"batch": batch.pk, "errors": batch.errors, "error_count": checker.error_count},
        )
    return batch


def batch_upload(*, actor: Actor, resource: Resource, file: UploadedFile, request=None) -> AggregationBatch:
    """Store an uploaded file as a waiting batch; a task aggregates it after commit."""
    _check_available(resource)
    if not file.size:
        raise _file_refused(_("The file is empty."))
    if file.size > MAX_UPLOAD_BYTES:
        raise _file_refused(
            _("The file is larger than %(size)s MB; split it.") % {"size": MAX_UPLOAD_BYTES // 2**20}
        )
    try:
        # What the worker would find out later, found now from the first bytes: not what the name
        # says, not UTF-8 or Chinese GBK text, not a workbook, a zip bomb. Nothing is stored.
        check_upload(file, check_file_name(file.name or ""))
    except IngestError as exc:
        raise _file_refused(str(exc)) from exc
    aggregation_schema(resource)  # an entry that cannot take records says so now, not in the worker
    from .tasks import aggregate_batch

    with transaction.atomic():
        batch = AggregationBatch.objects.create(
            resource=resource,
            source=BatchSource.FILE,
            file=file,
            file_name=_file_name(file.name or ""),
            **_actor_fields(actor),
        )
        # The row is the intent; the task goes to the broker only once the row and its file are there.
        # robust: a broker that is down loses only the message, and the timer finds the batch again.
        transaction.on_commit(lambda: aggregate_batch.delay(batch.pk), robust=True)
    return batch


def _file_refused(message: str) -> ApplicationError:
    """A 400 with the message as the error of the form's or the request's field ``file``."""
    return ApplicationError(message, extra={"file": [message]})


def _file_name(name: str) -> str:
    """The name as shown and read by its extension: a long one loses the end of its stem, never the
    extension that says how to read it."""
    if len(name) <= FILE_NAME_MAX:
        return name
    suffix = PurePath(name).suffix
    return name[: FILE_NAME_MAX - len(suffix)] + suffix


def batch_process(*, batch_id: int) -> AggregationBatch | None:
    """Claim a waiting batch and aggregate its file, all rows or none. None if it was not waiting.
    A finished batch's file is removed at once unless UPLOAD_KEEP_HOURS keeps it for a while."""
    claimed_at = batch_claim(batch_id)
    if claimed_at is None:
        return None
    batch = AggregationBatch.objects.select_related("resource__producer", "created_by", "api_key__unit").get(
        pk=batch_id
    )
    with heartbeat(batch_id=batch_id, claimed_at=claimed_at):
        batch = _process_claimed(batch)
    if not settings.UPLOAD_KEEP_HOURS and batch.status in (BatchStatus.DONE, BatchStatus.FAILED):
        upload_file_remove(batch=batch)  # after the outcome is committed: the file is no longer needed
    return batch


def _process_claimed(batch: AggregationBatch) -> AggregationBatch:
    batch_id, actor = batch.pk, _batch_actor(batch)
    try:
        return _process_file(batch, actor)
    except (IngestError, ApplicationError) as exc:
        return _batch_fail(batch=batch, actor=actor, message=getattr(exc, "message", str(exc)))
    except (OperationalError, InterfaceError):
        # The database went away mid-batch (a restart, a dropped connection): the server rolled the
        # batch's transaction back. A new connection records the failure so the person sees it.
        logger.exception("Aggregation batch %s: the database connection was lost", batch_id)
        connection.close()
        message = _(
            "The database connection was lost during the aggregation and nothing was stored; send the file again."
        )
        return _batch_fail(batch=batch, actor=actor, message=message)
    except OSError:
        logger.exception("Aggregation batch %s: its file cannot be read", batch_id)
        return _batch_fail(
            batch=batch, actor=actor, message=_("The stored file cannot be read; upload it again.")
        )
    except Exception:
        logger.exception("Aggregation batch %s stopped", batch_id)
        message = _(
            "The aggregation stopped on an unexpected error and nothing was stored; send the file again."
        )
        return _batch_fail(batch=batch, actor=actor, message=message)


def _process_file(batch: AggregationBatch, actor: Actor) -> AggregationBatch:
    _check_available(batch.resource)
    schema = aggregation_schema(batch.resource)
    with batch.file.open("rb") as file:
        table = read_table(file, batch.file_name or batch.file.name)
        try:
            estimate = table.estimated_rows
            _progress(batch, 0, estimate)
            with staging(schema) as stage:
                checker = stage.checker()
                stage.load(
                    table.check(checker), checker, progress=lambda done: _progress(batch, done, estimate)
                )
                return _conclude(batch=batch, stage=stage, checker=checker, schema=schema, actor=actor)
        finally:
            table.close()


def _progress(batch: AggregationBatch, done: int, estimate: int) -> None:
    # Outside any transaction (the task runs in autocommit), so the batch page sees it at once.
    batch.processed_rows, batch.total_rows = done, max(estimate, done)
    AggregationBatch.objects.filter(pk=batch.pk).update(processed_rows=done, total_rows=batch.total_rows)


# --- Concluding a batch ----------------------------------------------------------------------------


def _conclude(*, batch, stage: Stage, checker: RowChecker, schema: Schema, actor: Actor, request=None):
    if checker.error_count:
        return _batch_fail(
            batch=batch,
            actor=actor,
            request=request,
            message=checker.summary(),
            errors=checker.errors,
            processed=checker.processed,
        )
    return _batch_apply(
        batch=batch, stage=stage, schema=schema, total=checker.processed, actor=actor, request=request
    )


def entry_locked(resource_id: int) -> Resource:
    """The entry, locked until the end of the transaction, with its producer read along. Only the entry's
    own row is locked: data calls audit in the producer unit's name (a key-share lock on the unit's row)
    and must not wait for an upload."""
    return Resource.objects.select_for_update(of=("self",)).select_related("producer").get(pk=resource_id)


def _batch_apply(
    *, batch, stage: Stage, schema: Schema, total: int, actor: Actor, request=None
) -> AggregationBatch:
    with transaction.atomic():
        # One aggregation of an entry at a time, so that its record count and the batch's counts hold.
        resource = entry_locked(batch.resource_id)
        _check_available(resource)
        now = database_now()  # under the lock: a push's horizon orders this change (clock.py)
        if batch.pk is None:  # the API's batch is recorded with its outcome
            batch.status, batch.started_at = BatchStatus.PROCESSING, now
            batch.save()
        inserted, updated = stage.apply(resource_id=resource.pk, batch_id=batch.pk, now=now)
        unchanged = total - inserted - updated
        # An insert adds a record; an update changes one in place: no count of the table is needed.
        record_count = resource.record_count + inserted
        # A queryset update: aggregating is not an edit of the entry, whose updated_at stays.
        Resource.objects.filter(pk=resource.pk).update(last_aggregated_at=now, record_count=record_count)
        outcome = {
            "status": BatchStatus.DONE,
            "total_rows": total,
            "processed_rows": total,
            "inserted": inserted,
            "updated": updated,
            "unchanged": unchanged,
            "errors": [],
            "message": _(
                "%(rows)s row(s): %(inserted)s inserted, %(updated)s updated, %(unchanged)s unchanged."
            )
            % {"rows": total, "inserted": inserted, "updated": updated, "unchanged": unchanged},
            "finished_at": now,
        }
        if not AggregationBatch.objects.filter(pk=batch.pk, status=BatchStatus.PROCESSING).update(**outcome):
            raise ApplicationError(_("This batch was concluded by another worker."))
        audit_record(
            action=AuditAction.RESOURCE_AGGREGATE,
            actor=actor,
            request=request,
            target=resource,
            owner_unit=resource.producer,
            data_items=schema.names,
            record_count=total,
            detail={
                "batch": batch.pk,
                "source": batch.source,
                "inserted": inserted,
                "updated": updated,
                "unchanged": unchanged,
            },
        )
    for name, value in outcome.items():
        setattr(batch, name, value)
    return batch


def _batch_fail(
    *,
    batch,
    actor: Actor,
    message: str,
    errors: list | None = None,
    processed: int | None = None,
    request=None,
) -> AggregationBatch:
    now = timezone.now()
    outcome = {"status": BatchStatus.FAILED, "message": message, "errors": errors or [], "finished_at": now}
    if processed is not None:
        outcome |= {"processed_rows": processed, "total_rows": max(processed, batch.total_rows)}
    with transaction.atomic():
        if batch.pk is None:
            for name, value in outcome.items():
                setattr(batch, name, value)
            batch.started_at = now
            batch.save()
        elif not AggregationBatch.objects.filter(pk=batch.pk, status=BatchStatus.PROCESSING).update(
            **outcome
        ):
            batch.refresh_from_db()  # another worker concluded it meanwhile: its outcome stands
            return batch
        audit_record(
            action=AuditAction.RESOURCE_AGGREGATE,
            outcome=Outcome.FAILED,
            actor=actor,
            request=request,
            target=batch.resource,
            owner_unit=batch.resource.producer,
            record_count=0,
            detail={
                "batch": batch.pk,
                "source": batch.source,
                "message": message,
                "errors": len(errors or []),
            },
        )
    for name, value in outcome.items():
        setattr(batch, name, value)
    return batch
