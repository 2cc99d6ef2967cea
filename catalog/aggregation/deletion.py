"""Withdrawing records from an entry: deleted outright, each leaving a tombstone (``RecordDeletion``).

Like an aggregation, a deletion holds the entry's row lock and stamps its rows with the database's time
read under that lock, so that a push, which reads its horizon the same way under the same lock, never
misses a change that commits late (``clock.py``, ``sharing/exchange/source.py``).
"""

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from audit.services import audit_record
from dataplatform.core.actors import Actor
from dataplatform.core.audit_actions import AuditAction
from dataplatform.core.errors import ApplicationError

from ..models import AggregationBatch, BatchSource, BatchStatus, Record, RecordDeletion, Resource
from .clock import database_now
from .services import MAX_API_RECORDS, _actor_fields, _check_available, entry_locked


def _withdraw(
    *, actor: Actor, resource: Resource, records: QuerySet, found: int, asked: int, message: str
) -> AggregationBatch:
    """Delete ``records`` (``found`` of them), leave a tombstone for each, and record the deletion as a
    finished batch (``asked`` keys were asked for). Call it under the entry's row lock."""
    now = database_now()
    batch = AggregationBatch.objects.create(
        resource=resource,
        source=BatchSource.DELETION,
        status=BatchStatus.DONE,
        total_rows=asked,
        processed_rows=asked,
        deleted=found,
        unchanged=asked - found,
        started_at=now,
        finished_at=now,
        message=message,
        **_actor_fields(actor),
    )
    _tombstones(records, resource=resource, batch=batch, now=now)
    records.delete()
    return batch


def _tombstones(records: QuerySet, *, resource: Resource, batch: AggregationBatch, now) -> None:
    """One tombstone per record, written by the database from the records themselves: a purged entry's
    million keys never pass through this process."""
    select, params = records.values_list("key").query.sql_with_params()
    table = connection.ops.quote_name(RecordDeletion._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (resource_id, key, deleted_at, batch_id) "
            f"SELECT %s, withdrawn.key, %s, %s FROM ({select}) withdrawn",
            [resource.pk, connection.ops.adapt_datetimefield_value(now), batch.pk, *params],
        )


def records_purge(*, actor: Actor, resource: Resource) -> int:
    """Delete every record of the entry, whatever its state (G40: data collected for an emergency is
    destroyed when it ends); tombstones carry the deletion to the applicants' copies. Returns the count."""
    with transaction.atomic():
        resource = Resource.objects.select_for_update().get(pk=resource.pk)
        records = Record.objects.filter(resource=resource)
        count = records.count()
        message = _("%(count)s record(s) destroyed.") % {"count": count}
        _withdraw(actor=actor, resource=resource, records=records, found=count, asked=count, message=message)
        Resource.objects.filter(pk=resource.pk).update(record_count=0)
    return count


def records_delete(*, actor: Actor, resource: Resource, keys: list[str], request=None) -> AggregationBatch:
    """Delete the records with these keys; keys that hold no record are counted as unchanged."""
    keys = list(dict.fromkeys(str(key).strip() for key in keys if str(key).strip()))
    if not keys:
        raise ApplicationError(_("Send at least one record key."))
    if len(keys) > MAX_API_RECORDS:
        raise ApplicationError(
            _("Send at most %(max_api_records)s keys per call.") % {"max_api_records": MAX_API_RECORDS}
        )
    with transaction.atomic():
        resource = entry_locked(resource.pk)
        _check_available(resource)
        records = Record.objects.filter(resource=resource, key__in=keys)
        found = records.count()
        message = _("%(rows)s key(s): %(deleted)s deleted, %(unchanged)s not found.") % {
            "rows": len(keys),
            "deleted": found,
            "unchanged": len(keys) - found,
        }
        batch = _withdraw(
            actor=actor,
            resource=resource,
            records=records,
            found=found,
            asked=len(keys),
            message=message,
        )
        record_count = Record.objects.filter(resource=resource).count()
        Resource.objects.filter(pk=resource.pk).update(
            last_aggregated_at=batch.finished_at, record_count=record_count
        )
        audit_record(
            action=AuditAction.RESOURCE_RECORDS_DELETE,
            actor=actor,
            request=request,
            target=resource,
            owner_unit=resource.producer,
            record_count=found,
            detail={"batch": batch.pk, "deleted": found, "not_found": batch.unchanged},
        )
    return batch
