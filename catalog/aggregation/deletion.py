"""Withdrawing records from an entry: deleted outright, each leaving a tombstone (``RecordDeletion``).

Like an aggregation, a deletion holds the entry's row lock and stamps its rows with the database's time
read under that lock, so that a push, which reads its horizon the same way under the same lock, never
misses a change that commits late (``clock.py``, ``sharing/exchange/source.py``).
"""

from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import audit_record
from dataplatform.core.actors import Actor
from dataplatform.core.audit_actions import AuditAction
from dataplatform.core.errors import ApplicationError

from ..models import AggregationBatch, BatchSource, BatchStatus, Resource
from ..records import delete_records
from ..records import record_count as record_count_of
from .clock import database_now
from .services import MAX_API_RECORDS, _actor_fields, _check_available, entry_locked


def _withdraw(
    *, actor: Actor, resource: Resource, keys: list[str] | None, asked: int | None, message
) -> AggregationBatch:
    """Delete the records with ``keys`` (every record when None), leave a tombstone for each, and record
    the deletion as a finished batch (``asked`` keys were asked for; None: as many as were found).
    ``message`` makes the batch's message from the count found. Call it under the entry's row lock."""
    now = database_now()
    batch = AggregationBatch.objects.create(
        resource=resource,
        source=BatchSource.DELETION,
        status=BatchStatus.DONE,
        started_at=now,
        finished_at=now,
        **_actor_fields(actor),
    )
    found = delete_records(resource_id=resource.pk, keys=keys, batch_id=batch.pk, now=now)
    asked = found if asked is None else asked
    batch.total_rows = batch.processed_rows = asked
    batch.deleted, batch.unchanged, batch.message = found, asked - found, message(found)
    batch.save(update_fields=["total_rows", "processed_rows", "deleted", "unchanged", "message"])
    return batch


def records_purge(*, actor: Actor, resource: Resource) -> int:
    """Delete every record of the entry, whatever its state (G40: data collected for an emergency is
    destroyed when it ends); tombstones carry the deletion to the applicants' copies. Returns the count."""
    with transaction.atomic():
        resource = Resource.objects.select_for_update().get(pk=resource.pk)
        batch = _withdraw(
            actor=actor,
            resource=resource,
            keys=None,
            asked=None,
            message=lambda found: _("%(count)s record(s) destroyed.") % {"count": found},
        )
        Resource.objects.filter(pk=resource.pk).update(record_count=0)
    return batch.deleted


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
        batch = _withdraw(
            actor=actor,
            resource=resource,
            keys=keys,
            asked=len(keys),
            message=lambda found: (
                _("%(rows)s key(s): %(deleted)s deleted, %(unchanged)s not found.")
                % {"rows": len(keys), "deleted": found, "unchanged": len(keys) - found}
            ),
        )
        found = batch.deleted
        record_count = record_count_of(resource_id=resource.pk)
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
