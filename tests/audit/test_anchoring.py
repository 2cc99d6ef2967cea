"""Anchors (issue 18, item 4): the chain heads timestamped by a TSA and held by the producing units, and
every way of tampering that the platform's own servers could try, each caught or refused."""

import base64
import datetime as dt
import json

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from audit.anchoring import anchor_failures, heads_digest, heads_text
from audit.models import (
    AnchorKind,
    AuditAnchor,
    AuditChain,
    AuditCheckpoint,
    AuditEvent,
    UsagePush,
    UsageWebhook,
)
from audit.selectors import audit_verify
from audit.services import audit_checkpoint, audit_record, audit_seal
from audit.usage import usage_push_deliver
from tests.audit.test_guard import refused
from tests.audit.test_usage_push import Receiver
from tests.audit.test_verification import chain_of, rewrite_history
from tests.factories.audit import behind_the_applications_back

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """The reports' words are matched below in English (tests/conftest.py resets the language after)."""
    translation.activate("en")


def file_lines(checkpoint_dir) -> list[dict]:
    return [
        json.loads(line)
        for path in sorted(checkpoint_dir.glob("*.jsonl"))
        for line in path.read_text().splitlines()
    ]


def write_lines(checkpoint_dir, lines: list[dict]) -> None:
    """The forger rewrites the day's file (one day in these tests)."""
    [path] = checkpoint_dir.glob("*.jsonl")
    path.write_text("".join(json.dumps(line, sort_keys=True) + "\n" for line in lines))


def rewrite_checkpoints(unit, checkpoint_dir) -> None:
    """The forger's rewritten history made consistent with the checkpoint rows and files."""
    hashes = dict(AuditEvent.objects.filter(owner_unit=unit).values_list("chain_seq", "hash"))
    for checkpoint in AuditCheckpoint.objects.filter(chain__owner_unit=unit):
        sql = "UPDATE audit_auditcheckpoint SET hash = %s WHERE id = %s"
        behind_the_applications_back(sql, [hashes[checkpoint.seq], checkpoint.pk])
    lines = file_lines(checkpoint_dir)
    for line in lines:
        if line.get("owner_unit") == unit.pk and "anchor" not in line:
            line["hash"] = hashes[line["seq"]]
    write_lines(checkpoint_dir, lines)


def problems(report, kind: str) -> list[str]:
    return [problem.message for problem in report.problems if problem.kind == kind]


# --- the anchor is made ---------------------------------------------------------------------------------


def test_the_checkpoint_timer_has_the_heads_timestamped_in_a_row_and_the_days_file(
    tsa, record, producer_unit, checkpoint_dir
):
    record(2)
    audit_seal()
    audit_checkpoint()
    [anchor] = AuditAnchor.objects.all()
    head = AuditChain.objects.get(owner_unit=producer_unit)
    assert (anchor.kind, anchor.error, anchor.where) == (AnchorKind.TSA, "", tsa.url)
    assert {"owner_unit": producer_unit.pk, "seq": 2, "hash": head.head_hash} in anchor.heads
    assert anchor.digest == heads_digest(anchor.heads)
    assert f"{producer_unit.pk}:2:{head.head_hash}".encode() in heads_text(anchor.heads).split(b"\n")
    [line] = [line for line in file_lines(checkpoint_dir) if "anchor" in line]
    assert (line["digest"], base64.b64decode(line["token"])) == (anchor.digest, bytes(anchor.token))
    report = audit_verify()
    assert report.ok and report.anchors == 1
    call_command("verify_audit")


def test_heads_that_did_not_move_are_not_timestamped_again(tsa, record):
    record(1)
    audit_seal()
    audit_checkpoint()
    requests = tsa.requests
    audit_checkpoint()
    assert (AuditAnchor.objects.count(), tsa.requests) == (1, requests)
    record(1)
    audit_seal()
    audit_checkpoint()
    assert AuditAnchor.objects.count() == 2


def test_a_tsa_down_holds_up_no_checkpoint_and_each_failure_is_counted_until_it_answers(
    tsa, record, producer_unit, checkpoint_dir
):
    from operations.metrics import PlatformCollector

    record(2)
    audit_seal()
    tsa.answering = False
    assert [
        checkpoint.seq
        for checkpoint in audit_checkpoint()
        if checkpoint.chain.owner_unit_id == producer_unit.pk
    ] == [2]
    audit_checkpoint()  # the next tick tries again
    assert AuditCheckpoint.objects.filter(chain__owner_unit=producer_unit).count() == 1
    assert anchor_failures() == 2
    assert "503" in AuditAnchor.objects.first().error
    metrics = {metric.name: metric for metric in PlatformCollector().collect()}
    assert metrics["dataplatform_audit_anchor_failures"].samples[0].value == 2
    assert audit_verify().ok  # a failure is no tampering; the checkpoints hold
    tsa.answering = True
    audit_checkpoint()
    assert anchor_failures() == 0
    assert AuditAnchor.objects.filter(error="").count() == 1


def test_anchoring_is_off_without_a_tsa_url(settings, record):
    settings.AUDIT_TSA_URL = ""
    record(1)
    audit_seal()
    assert audit_checkpoint()
    assert not AuditAnchor.objects.exists()


# --- tampering the anchors catch --------------------------------------------------------------------------


def test_a_consistent_rewrite_with_rewritten_checkpoint_rows_and_files_is_caught_by_the_tsa_anchor(
    tsa, record, producer_unit, checkpoint_dir
):
    events = record(3)
    audit_seal()
    audit_checkpoint()
    rewrite_history(AuditEvent.objects.get(pk=events[1].pk), purpose="另一个目的")
    rewrite_checkpoints(producer_unit, checkpoint_dir)
    report = audit_verify()
    broken = chain_of(report, producer_unit).broken
    assert (broken.kind, broken.event_id, broken.seq) == ("anchor", events[2].pk, 3)
    assert "TSA" in broken.message
    assert report.problems == []  # rows and files agree with each other: only the TSA's token disagrees
    # Without the anchor (as before it existed) the rewrite verifies: the anchor is what catches it.
    behind_the_applications_back("DELETE FROM audit_auditanchor", [])
    write_lines(checkpoint_dir, [line for line in file_lines(checkpoint_dir) if "anchor" not in line])
    assert audit_verify().ok


def test_a_tail_cut_after_the_last_checkpoint_row_with_the_head_moved_back_is_caught_by_the_anchor(
    tsa, record, producer_unit, checkpoint_dir
):
    events = record(2)
    audit_seal()
    audit_checkpoint()
    events += record(1)
    audit_seal()
    audit_checkpoint()
    # The forger removes the last event and every checkpoint of it, and moves the head row back.
    behind_the_applications_back("DELETE FROM audit_auditevent WHERE id = %s", [events[2].pk])
    behind_the_applications_back(
        "DELETE FROM audit_auditcheckpoint WHERE seq = 3 AND chain_id = %s",
        [AuditChain.objects.get(owner_unit=producer_unit).pk],
    )
    write_lines(
        checkpoint_dir,
        [
            line
            for line in file_lines(checkpoint_dir)
            if not (line.get("owner_unit") == producer_unit.pk and line["seq"] == 3)
        ],
    )
    second = AuditEvent.objects.get(pk=events[1].pk)
    behind_the_applications_back(
        "UPDATE audit_auditchain SET head_seq = %s, head_hash = %s WHERE owner_unit_id = %s",
        [2, second.hash, producer_unit.pk],
    )
    broken = chain_of(audit_verify(), producer_unit).broken
    assert (broken.kind, broken.seq) == ("truncated", 3)
    assert "TSA" in broken.message


def test_checkpoint_files_deleted_while_their_rows_remain_are_reported(tsa, record, checkpoint_dir):
    record(1)
    audit_seal()
    audit_checkpoint()
    assert audit_verify().ok
    for path in checkpoint_dir.glob("*.jsonl"):
        path.unlink()
    report = audit_verify()
    missing = problems(report, "checkpoint-file")
    assert len(missing) == AuditCheckpoint.objects.count() + AuditAnchor.objects.count()
    assert all("was deleted" in message for message in missing)
    with pytest.raises(CommandError):
        call_command("verify_audit")


def test_a_checkpoint_line_removed_from_its_file_is_reported(record, producer_unit, checkpoint_dir):
    record(1)
    audit_seal()
    audit_checkpoint()
    write_lines(
        checkpoint_dir,
        [line for line in file_lines(checkpoint_dir) if line["owner_unit"] != producer_unit.pk],
    )
    [message] = problems(audit_verify(), "checkpoint-file")
    assert "was rewritten" in message


def forge_anchor(checkpoint_dir, *, heads: list[dict], token: bytes) -> None:
    """Put ``heads`` and ``token`` in place of the one anchor, row and file line alike."""
    digest = heads_digest(heads)
    behind_the_applications_back(
        "UPDATE audit_auditanchor SET heads = %s, digest = %s, token = %s",
        [json.dumps(heads), digest, token],
    )
    lines = file_lines(checkpoint_dir)
    for line in lines:
        if "anchor" in line:
            line.update(heads=heads, digest=digest, token=base64.b64encode(token).decode())
    write_lines(checkpoint_dir, lines)


def rewritten_heads(unit, events) -> list[dict]:
    rewrite_history(AuditEvent.objects.get(pk=events[0].pk), purpose="另一个目的")
    heads = AuditAnchor.objects.get().heads
    new = AuditChain.objects.get(owner_unit=unit).head_hash
    return [{**head, "hash": new} if head["owner_unit"] == unit.pk else head for head in heads]


def test_an_anchor_whose_heads_were_rewritten_under_the_old_token_is_caught(
    tsa, record, producer_unit, checkpoint_dir
):
    events = record(2)
    audit_seal()
    audit_checkpoint()
    heads = rewritten_heads(producer_unit, events)
    forge_anchor(checkpoint_dir, heads=heads, token=bytes(AuditAnchor.objects.get().token))
    rewrite_checkpoints(producer_unit, checkpoint_dir)
    [message] = problems(audit_verify(), "anchor")
    assert "message imprint" in message


def test_a_token_from_another_tsa_over_rewritten_heads_is_caught(
    tsa, rogue_tsa, record, producer_unit, checkpoint_dir
):
    from rfc3161_client import HashAlgorithm, TimestampRequestBuilder

    events = record(2)
    audit_seal()
    audit_checkpoint()
    heads = rewritten_heads(producer_unit, events)
    query = TimestampRequestBuilder().data(heads_text(heads)).hash_algorithm(HashAlgorithm.SHA256).build()
    forge_anchor(checkpoint_dir, heads=heads, token=rogue_tsa.reply(query.as_bytes()))
    rewrite_checkpoints(producer_unit, checkpoint_dir)
    [message] = problems(audit_verify(), "anchor")
    assert "does not verify" in message


def test_a_token_with_a_changed_byte_is_caught_without_a_ca_file_too(tsa, settings, record, checkpoint_dir):
    settings.AUDIT_TSA_CA_FILE = ""
    record(1)
    audit_seal()
    audit_checkpoint()
    assert audit_verify().ok
    anchor = AuditAnchor.objects.get()
    token = bytearray(anchor.token)
    token[-3] ^= 0x01  # in the signature, the token's last field
    forge_anchor(checkpoint_dir, heads=anchor.heads, token=bytes(token))
    [message] = problems(audit_verify(), "anchor")
    assert "signature" in message


# --- witnesses ------------------------------------------------------------------------------------------


@pytest.fixture
def pushed(record, producer_unit):
    """Yesterday's usage of the producer's data pushed to its webhook, which kept the chain head."""
    import datetime as dt

    from django.utils import timezone

    receiver = Receiver([])
    UsageWebhook.objects.create(unit=producer_unit, url=receiver.url, secret="s")
    events = record(2)
    audit_seal()
    push = UsagePush.objects.create(unit=producer_unit, day=timezone.localdate() - dt.timedelta(days=1))
    assert usage_push_deliver(push.pk)
    yield receiver, events
    receiver.close()


def kept(receiver, tmp_path):
    """The witness' file: the ``chain`` of every push it received, one JSON line each."""
    path = tmp_path / "witness.jsonl"
    heads = [json.loads(body)["chain"] for _headers, body in receiver.received]
    path.write_text("".join(json.dumps(head) + "\n" for head in heads))
    return path


def test_each_usage_push_carries_the_units_chain_head_and_records_it_as_a_witness_anchor(
    pushed, producer_unit
):
    receiver, _events = pushed
    [(_headers, body)] = receiver.received
    chain = json.loads(body)["chain"]
    head = AuditChain.objects.get(owner_unit=producer_unit)
    assert (chain["owner_unit"], chain["seq"], chain["hash"]) == (
        producer_unit.pk,
        head.head_seq,
        head.head_hash,
    )
    assert chain["at"]
    [anchor] = AuditAnchor.objects.filter(kind=AnchorKind.WITNESS)
    assert anchor.heads == [{"owner_unit": producer_unit.pk, "seq": head.head_seq, "hash": head.head_hash}]


def test_a_chain_that_agrees_with_its_witness_verifies(pushed, tmp_path):
    receiver, _events = pushed
    call_command("verify_audit", witness=[str(kept(receiver, tmp_path))])


def test_a_rewrite_that_the_platform_covered_up_everywhere_is_caught_by_the_witness(
    pushed, producer_unit, tmp_path, checkpoint_dir
):
    receiver, events = pushed
    witness = kept(receiver, tmp_path)
    rewrite_history(AuditEvent.objects.get(pk=events[0].pk), purpose="另一个目的")
    # Every record the platform holds goes: the witness anchors, rows and lines.
    behind_the_applications_back("DELETE FROM audit_auditanchor", [])
    write_lines(checkpoint_dir, [line for line in file_lines(checkpoint_dir) if "anchor" not in line])
    assert audit_verify().ok
    from audit.checkpoint_files import witness_file_read

    broken = chain_of(audit_verify(witness=witness_file_read(witness)), producer_unit).broken
    assert (broken.kind, broken.seq) == ("witness", AuditChain.objects.get(owner_unit=producer_unit).head_seq)
    with pytest.raises(CommandError):
        call_command("verify_audit", witness=[str(witness)])


def test_a_witness_head_beyond_the_chains_end_is_a_truncation(record, producer_unit, tmp_path):
    record(2)
    audit_seal()
    witness = tmp_path / "witness.jsonl"
    witness.write_text(
        json.dumps({"owner_unit_id": producer_unit.pk, "seq": 5, "hash": "a" * 64}) + "\nnot json\n"
    )
    from audit.checkpoint_files import witness_file_read

    report = audit_verify(witness=witness_file_read(witness))
    assert chain_of(report, producer_unit).broken.kind == "truncated"
    assert len(problems(report, "witness")) == 1  # the line that cannot be read


def test_a_witness_that_kept_unit_ids_as_text_is_read_like_numbers(record, producer_unit, tmp_path):
    record(2)
    audit_seal()
    head = AuditChain.objects.get(owner_unit=producer_unit)
    witness = tmp_path / "witness.jsonl"
    witness.write_text(
        json.dumps({"owner_unit": str(producer_unit.pk), "seq": head.head_seq, "hash": head.head_hash})
        + "\n"
        + json.dumps({"owner_unit": str(producer_unit.pk), "seq": 9, "hash": "b" * 64})
        + "\n"
    )
    from audit.checkpoint_files import witness_file_read

    report = audit_verify(witness=witness_file_read(witness))
    assert chain_of(report, producer_unit).broken.kind == "truncated"
    assert problems(report, "witness") == []


# --- what the database refuses ----------------------------------------------------------------------------


def test_an_unsealed_events_content_cannot_be_changed_nor_its_seal_written_piecemeal(record):
    [event] = record(1)
    events = AuditEvent.objects.filter(pk=event.pk)
    assert refused(lambda: events.update(purpose="改过"))
    assert refused(lambda: events.update(hash="f" * 64))  # a seal without a position or a time
    assert refused(lambda: events.update(chain_seq=1, prev_hash="0" * 64, hash="f" * 64))  # no sealed_at
    assert refused(
        lambda: events.update(
            purpose="改过", chain_seq=1, prev_hash="0" * 64, hash="f" * 64, sealed_at=event.occurred_at
        )
    )
    assert events.get().purpose == "" and events.get().sealed_at is None
    assert audit_seal() >= 1  # the sealer's one UPDATE still passes
    sealed = events.get()
    assert sealed.sealed_at is not None
    assert refused(
        lambda: events.update(
            chain_seq=sealed.chain_seq, prev_hash=sealed.prev_hash, hash="f" * 64, sealed_at=sealed.sealed_at
        )
    )


def test_anchors_cannot_be_changed_or_deleted(tsa, record):
    record(1)
    audit_seal()
    audit_checkpoint()
    anchor = AuditAnchor.objects.get()
    assert refused(lambda: AuditAnchor.objects.filter(pk=anchor.pk).update(digest="0" * 64))
    assert refused(lambda: AuditAnchor.objects.filter(pk=anchor.pk).delete())


def test_a_head_row_moved_back_is_reported_and_holds_up_no_other_chain(record, producer_unit):
    """The application's role may UPDATE a chain's head columns (audit.privileges): moved back, the head
    changes nothing sealed, but the sealer gives out a taken position and fails on it for good."""
    with time_machine.travel(timezone.now() - dt.timedelta(minutes=10)):
        record(4)
        audit_seal()
    second = AuditEvent.objects.get(owner_unit=producer_unit, chain_seq=2)
    behind_the_applications_back(
        "UPDATE audit_auditchain SET head_seq = %s, head_hash = %s WHERE owner_unit_id = %s",
        [2, second.hash, producer_unit.pk],
    )
    record(1)
    platforms = audit_record(action="login")

    assert audit_seal() == 1
    assert AuditEvent.objects.get(pk=platforms.pk).sealed_at is not None
    report = audit_verify()
    [chain] = [chain for chain in report.chains if chain.owner_unit_id == producer_unit.pk]
    assert not report.ok and chain.unsealed == 1
    assert chain.broken.kind == "head" and "at position 2, but events are sealed up to position 4" in (
        chain.broken.message
    )
