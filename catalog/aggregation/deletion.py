"""Withdrawing records from an entry: deleted outright, each leaving a tombstone (``RecordDeletion``).

Like an aggregation, a deletion holds the entry's row lock and stamps its rows with the time taken
under that lock, so that a push, which reads its horizon under the same lock, never misses a change
that commits late (``sharing/exchange/horizon.py``).
"""

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from dataplatform.core.actors import Actor
from dataplatform.core.audit_actions import AuditAction
from dataplatform.core.errors import ApplicationError

from ..models import AggregationBatch, BatchSource, BatchStatus, Record, RecordDeletion, Resource
from .services import MAX_API_RECORDS, _actor_fields, _check_available, entry_locked


def _withdraw(
    *, actor: Actor, resource: Resource, records: QuerySet, keys: list[str], asked: int, message: str
) -> AggregationBatch:
    """Delete ``records`` (those with ``keys``), leave a tombstone for each key, and record the deletion
    as a finished batch (``asked`` keys were asked for). Call it under the entry's row lock."""
    now = timezone.now()
    batch = AggregationBatch.objects.create(
        resource=resource,
        source=BatchSource.DELETION,
        status=BatchStatus.DONE,
        total_rows=asked,
        processed_rows=asked,
        deleted=len(keys),
        unchanged=asked - len(keys),
        started_at=now,
        finished_at=now,
        message=message,
        **_actor_fields(actor),
    )
    records.delete()
    RecordDeletion.objects.bulk_create(
        (RecordDeletion(resource=resource, key=key, deleted_at=now, batch=batch) for key in keys),
        batch_size=5000,
    )
    return batch


def records_purge(*, actor: Actor, resource: Resource) -> int:
    """Delete every record of the entry, whatever its state (G40: data collected for an emergency is
    destroyed when it ends); tombstones carry the deletion to the applicants' copies. Returns the count."""
    with transaction.atomic():
        resource = Resource.objects.select_for_update().get(pk=resource.pk)
        records = Record.objects.filter(resource=resource)
        keys = list(records.values_list("key", flat=True))
        message = _("%(count)s record(s) destroyed.") % {"count": len(keys)}
        _withdraw(
            actor=actor, resource=resource, records=records, keys=keys, asked=len(keys), message=message
        )
        Resource.objects.filter(pk=resource.pk).update(record_count=0)
    return len(keys)


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
        found = list(records.values_list("key", flat=True))
        message = _("%(rows)s key(s): %(deleted)s deleted, %(unchanged)s not found.") % {
            "rows": len(keys),
            "deleted": len(found),
            "unchanged": len(keys) - len(found),
        }
        batch = _withdraw(
            actor=actor, resource=resource, records=records, keys=found, asked=len(keys), message=message
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
            record_count=len(found),
            detail={"batch": batch.pk, "deleted": len(found), "not_found": batch.unchanged},
        )
    return batch
