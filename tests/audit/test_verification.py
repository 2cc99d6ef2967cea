"""Verification: a row changed or removed behind the application's back, a rewritten or cut history."""

import json

import pytest
from django.core.management import CommandError, call_command

from audit.models import AuditChain, AuditEvent
from audit.selectors import audit_verify
from audit.services import audit_checkpoint, audit_seal, event_hash
from tests.factories.audit import behind_the_applications_back

pytestmark = pytest.mark.django_db


def chain_of(report, unit):
    return next(chain for chain in report.chains if chain.owner_unit_id == unit.pk)


def test_an_untouched_log_verifies(record, producer_unit):
    record(3)
    audit_seal()
    record(1)  # not sealed yet: counted, not a fault
    report = audit_verify()
    assert report.ok
    chain = chain_of(report, producer_unit)
    assert (chain.verified, chain.unsealed) == (3, 1)
    call_command("verify_audit")


def test_a_row_altered_behind_the_applications_back_fails_verification_at_that_row(record, producer_unit):
    events = record(4)
    audit_seal()
    behind_the_applications_back(
        "UPDATE audit_auditevent SET purpose = %s WHERE id = %s", ["改过", events[1].pk]
    )
    broken = chain_of(audit_verify(), producer_unit).broken
    assert (broken.kind, broken.event_id, broken.seq) == ("content", events[1].pk, 2)
    with pytest.raises(CommandError):
        call_command("verify_audit")


def test_a_deleted_row_is_reported_as_a_missing_link(record, producer_unit):
    events = record(4)
    audit_seal()
    behind_the_applications_back("DELETE FROM audit_auditevent WHERE id = %s", [events[2].pk])
    broken = chain_of(audit_verify(), producer_unit).broken
    assert (broken.kind, broken.event_id, broken.seq) == ("missing", events[3].pk, 3)


def test_other_chains_stay_intact_when_one_breaks(record, producer_unit, applicant_unit):
    events = record(2)
    record(2, owner_unit=applicant_unit)
    audit_seal()
    behind_the_applications_back("UPDATE audit_auditevent SET record_count = 7 WHERE id = %s", [events[0].pk])
    report = audit_verify()
    assert not chain_of(report, producer_unit).ok
    assert chain_of(report, applicant_unit).ok


def rewrite_history(event: AuditEvent, **changes) -> None:
    """A careful forger: change one event, re-hash it and everything after it, move the head row."""
    behind_the_applications_back(
        "UPDATE audit_auditevent SET purpose = %s WHERE id = %s", [changes["purpose"], event.pk]
    )
    later = AuditEvent.objects.filter(owner_unit_id=event.owner_unit_id, chain_seq__gte=event.chain_seq)
    prev = event.prev_hash
    for row in later.order_by("chain_seq"):
        digest = event_hash(prev_hash=prev, event=row)
        behind_the_applications_back(
            "UPDATE audit_auditevent SET prev_hash = %s, hash = %s WHERE id = %s", [prev, digest, row.pk]
        )
        prev = digest
    owner = "IS NULL" if event.owner_unit_id is None else f"= {int(event.owner_unit_id)}"
    behind_the_applications_back(
        f"UPDATE audit_auditchain SET head_hash = %s WHERE owner_unit_id {owner}", [prev]
    )


def test_checkpoints_are_appended_to_the_days_file_and_recorded(record, producer_unit, checkpoint_dir):
    record(2)
    audit_seal()
    audit_checkpoint()
    assert audit_checkpoint() == []  # nothing moved: nothing new to record
    record(1)
    audit_seal()
    audit_checkpoint()
    [day] = checkpoint_dir.glob("*.jsonl")
    lines = [json.loads(line) for line in day.read_text().splitlines()]
    heads = [(line["seq"], line["hash"]) for line in lines if line["owner_unit"] == producer_unit.pk]
    assert [seq for seq, _ in heads] == [2, 3]
    assert heads[-1][1] == AuditChain.objects.get(owner_unit=producer_unit).head_hash


def test_a_rewritten_history_is_caught_by_the_checkpoints(record, producer_unit):
    events = record(3)
    audit_seal()
    audit_checkpoint()
    rewrite_history(AuditEvent.objects.get(pk=events[1].pk), purpose="另一个目的")
    broken = chain_of(audit_verify(), producer_unit).broken
    assert (broken.kind, broken.event_id, broken.seq) == ("checkpoint", events[2].pk, 3)


def test_a_rewritten_history_is_caught_by_the_file_alone(record, producer_unit):
    events = record(3)
    audit_seal()
    audit_checkpoint()
    rewrite_history(AuditEvent.objects.get(pk=events[0].pk), purpose="另一个目的")
    behind_the_applications_back("DELETE FROM audit_auditcheckpoint", [])  # the forger has the database
    broken = chain_of(audit_verify(), producer_unit).broken
    assert broken.kind == "checkpoint"
    assert ".jsonl:" in broken.message


def test_a_truncated_chain_is_caught_by_its_checkpoints(record, producer_unit):
    events = record(3)
    audit_seal()
    audit_checkpoint()
    behind_the_applications_back("DELETE FROM audit_auditevent WHERE id = %s", [events[2].pk])
    second = AuditEvent.objects.get(pk=events[1].pk)
    behind_the_applications_back(
        "UPDATE audit_auditchain SET head_seq = %s, head_hash = %s WHERE owner_unit_id = %s",
        [2, second.hash, producer_unit.pk],
    )
    broken = chain_of(audit_verify(), producer_unit).broken
    assert (broken.kind, broken.seq) == ("truncated", 3)


def test_a_tampered_checkpoint_file_is_caught(record, producer_unit, checkpoint_dir):
    record(2)
    audit_seal()
    audit_checkpoint()
    [day] = checkpoint_dir.glob("*.jsonl")
    entries = [json.loads(line) for line in day.read_text().splitlines()]
    for entry in entries:
        if entry["owner_unit"] == producer_unit.pk:
            entry["hash"] = "f" * 64
    day.write_text("".join(json.dumps(entry) + "\n" for entry in entries) + "not json\n")
    report = audit_verify()
    assert chain_of(report, producer_unit).broken.kind == "checkpoint"
    assert report.unreadable_checkpoints == [f"{day.name}:{len(entries) + 1}"]


def seal_in_order(events: list[AuditEvent]) -> None:
    """Seal as the sealer does, in the order given: as when a later id committed first."""
    from django.utils import timezone

    from audit.services import _seal_rows

    chain = AuditChain.objects.get_or_create(owner_unit_id=events[0].owner_unit_id)[0]
    for event in events:
        event.refresh_from_db()
        event.chain_seq, event.prev_hash = chain.head_seq + 1, chain.head_hash
        event.hash, event.sealed_at = event_hash(prev_hash=chain.head_hash, event=event), timezone.now()
        _seal_rows([event])
        chain.head_seq, chain.head_hash = event.chain_seq, event.hash
    chain.save()


def test_events_sealed_out_of_id_order_verify(record, producer_unit):
    first, second, third = record(3)
    seal_in_order([first, third, second])
    chain = chain_of(audit_verify(), producer_unit)
    assert chain.ok and chain.verified == 3


@pytest.mark.parametrize("limit", [1, 50_000])
def test_a_missing_link_is_found_whether_the_chain_is_walked_alone_or_not(
    record, producer_unit, monkeypatch, limit
):
    monkeypatch.setattr("audit.chain_walk.REORDER_LIMIT", limit)
    events = record(5)
    audit_seal()
    record(1, owner_unit=None)
    audit_seal()
    behind_the_applications_back("DELETE FROM audit_auditevent WHERE id = %s", [events[1].pk])
    report = audit_verify()
    broken = chain_of(report, producer_unit).broken
    assert (broken.kind, broken.event_id, broken.seq) == ("missing", events[2].pk, 2)
    assert next(c for c in report.chains if c.owner_unit_id is None).ok


def test_a_chain_walked_alone_verifies_when_intact(record, producer_unit, monkeypatch):
    monkeypatch.setattr("audit.chain_walk.REORDER_LIMIT", 0)
    first, second, third = record(3)
    seal_in_order([third, first, second])
    chain = chain_of(audit_verify(), producer_unit)
    assert chain.ok and chain.verified == 3
