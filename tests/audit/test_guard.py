"""The database refuses to change or delete audit rows (Q8.4), except the sealer's one UPDATE."""

import pytest
from django.core.management import call_command
from django.db import DatabaseError, IntegrityError, connection, transaction

from audit.models import AuditChain, AuditCheckpoint, AuditEvent
from audit.services import audit_checkpoint, audit_seal

pytestmark = pytest.mark.django_db


def refused(operation) -> bool:
    try:
        with transaction.atomic():
            operation()
    except (IntegrityError, DatabaseError):
        return True
    return False


def test_a_sealed_event_cannot_be_updated_even_in_its_seal_columns(record):
    [event] = record(1)
    audit_seal()
    event.refresh_from_db()
    event.purpose = "rewritten"
    assert refused(event.save)
    assert refused(lambda: AuditEvent.objects.filter(pk=event.pk).update(hash="0" * 64))
    assert refused(lambda: AuditEvent.objects.filter(pk=event.pk).update(sealed_at=None))


def test_an_unsealed_event_cannot_be_changed_either(record):
    [event] = record(1)
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(record_count=99)
    assert AuditEvent.objects.get(pk=event.pk).record_count == 0


def test_no_event_can_be_deleted_sealed_or_not(record):
    first, second = record(2)
    audit_seal()
    [unsealed] = record(1)
    assert refused(first.delete)
    assert refused(lambda: AuditEvent.objects.filter(pk=unsealed.pk).delete())
    assert AuditEvent.objects.filter(pk__in=[first.pk, second.pk, unsealed.pk]).count() == 3


def test_checkpoints_cannot_be_changed_or_deleted(record):
    record(1)
    audit_seal()
    [checkpoint] = audit_checkpoint()
    assert refused(lambda: AuditCheckpoint.objects.filter(pk=checkpoint.pk).update(seq=99))
    assert refused(lambda: AuditCheckpoint.objects.filter(pk=checkpoint.pk).delete())


@pytest.mark.django_db(transaction=True)
def test_flush_empties_the_audit_tables_and_leaves_the_guard_in_place(record):
    record(2)
    audit_seal()
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEvent.objects.exists()
    [event] = record(1, owner_unit=None)  # the unit went with the flush
    assert refused(event.delete)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'audit%'")
            assert (
                cursor.fetchone()[0] == 10
            )  # events, checkpoints, archives, anchors, chains: update, delete


def test_a_chain_head_only_moves_forward_and_a_chain_is_never_deleted(record, producer_unit):
    """The application's role may update the head (it seals): not backwards, not to another owner."""
    record(3)
    audit_seal()
    chains = AuditChain.objects.filter(owner_unit=producer_unit)
    second = AuditEvent.objects.get(owner_unit=producer_unit, chain_seq=2)
    assert refused(lambda: chains.update(head_seq=2, head_hash=second.hash))
    assert refused(lambda: chains.update(head_hash=second.hash))
    assert refused(lambda: chains.update(owner_unit=None))
    assert refused(lambda: chains.delete())
    record(1)
    assert audit_seal() == 1  # the sealer's own move forward
    assert chains.get().head_seq == 4
