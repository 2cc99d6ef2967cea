"""The receiver (docs/federation.md §8): each message once, by its id; in order per stream, a message
ahead of its turn parked until the gap fills; a handler error rolls its envelope back; a number that is
another message's is refused. Every outcome is audited under the message id."""

import datetime as dt
import uuid

import pytest

from audit.models import AuditEvent, Outcome
from federation.envelope import Envelope
from federation.handlers import HANDLERS
from federation.inbox import message_receive
from federation.models import InboundStream, InboxMessage, InboxStatus, Peer
from tests.federation.loopback import KIND, Applied

pytestmark = pytest.mark.django_db

SENT_AT = dt.datetime(2026, 10, 9, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def county(node_key, make_peer) -> Peer:
    return make_peer(level="county", region="350503")


@pytest.fixture
def applied(monkeypatch) -> Applied:
    handler = Applied()
    monkeypatch.setitem(HANDLERS, KIND, handler)
    return handler


def envelope(peer: Peer, seq: int, *, stream: str = "entry:350503-1", kind: str = KIND, **fields) -> Envelope:
    values = {"id": uuid.uuid4(), "body": {"n": seq}, **fields}
    return Envelope(
        kind=kind,
        sender=peer.node_id,
        recipient="fj-350500",
        stream=stream,
        seq=seq,
        sent_at=SENT_AT,
        **values,
    )


def events(action: str, **detail) -> list[AuditEvent]:
    rows = AuditEvent.objects.filter(action=action).order_by("pk")
    return [row for row in rows if all(row.detail.get(k) == v for k, v in detail.items())]


def applied_seq(peer: Peer, stream: str = "entry:350503-1") -> int:
    return InboundStream.objects.get(peer=peer, stream=stream).applied_seq


def test_a_message_in_turn_is_applied_and_audited_under_its_id(county, applied):
    first = envelope(county, 1)

    assert message_receive(peer=county, envelope=first) == {"id": str(first.id), "answer": "applied"}

    assert applied.log == [("entry:350503-1", 1)]
    row = InboxMessage.objects.get(peer=county, message_id=first.id)
    assert (row.status, row.applied_at is not None) == (InboxStatus.APPLIED, True)
    assert [e.detail["answer"] for e in events("federation.receive", message_id=str(first.id))] == ["applied"]
    apply_event = events("federation.apply", message_id=str(first.id))[0]
    assert apply_event.detail | {"kind": KIND, "seq": 1, "peer": county.node_id} == apply_event.detail
    county.refresh_from_db()
    assert county.last_received_at is not None and county.last_contact_at is not None


def test_the_same_message_twice_is_a_duplicate_and_applied_once(county, applied):
    first = envelope(county, 1)
    message_receive(peer=county, envelope=first)

    again = message_receive(peer=county, envelope=first)

    assert again == {"id": str(first.id), "answer": "duplicate"}
    assert applied.log == [("entry:350503-1", 1)]
    assert InboxMessage.objects.filter(peer=county).count() == 1
    answers = [e.detail["answer"] for e in events("federation.receive", message_id=str(first.id))]
    assert answers == ["applied", "duplicate"]
    assert len(events("federation.apply", message_id=str(first.id))) == 1


def test_a_parked_message_sent_again_is_a_duplicate_not_a_conflict(county, applied):
    message_receive(peer=county, envelope=envelope(county, 1))
    third = envelope(county, 3)
    message_receive(peer=county, envelope=third)

    assert message_receive(peer=county, envelope=third)["answer"] == "duplicate"
    assert InboxMessage.objects.get(message_id=third.id).status == InboxStatus.PARKED


def test_three_before_two_is_parked_then_both_are_applied_in_order(county, applied):
    first, second, third = envelope(county, 1), envelope(county, 2), envelope(county, 3)
    message_receive(peer=county, envelope=first)

    assert message_receive(peer=county, envelope=third)["answer"] == "parked"
    assert applied.seqs("entry:350503-1") == [1]
    assert applied_seq(county) == 1

    assert message_receive(peer=county, envelope=second)["answer"] == "applied"
    assert applied.seqs("entry:350503-1") == [1, 2, 3]
    assert applied_seq(county) == 3
    assert set(InboxMessage.objects.values_list("status", flat=True)) == {InboxStatus.APPLIED}
    # each applied under its own message id, in stream order
    applies = [e.detail["seq"] for e in events("federation.apply", peer=county.node_id)]
    assert applies == [1, 2, 3]
    assert events("federation.apply", message_id=str(third.id))


def test_streams_are_ordered_each_on_its_own(county, applied):
    message_receive(peer=county, envelope=envelope(county, 2, stream="a"))

    assert message_receive(peer=county, envelope=envelope(county, 1, stream="b"))["answer"] == "applied"
    assert applied.log == [("b", 1)]


def test_a_handler_error_rolls_the_envelope_back_and_answers_apply_failed(county, applied):
    first = envelope(county, 1)
    applied.failing.add(str(first.id))

    answer = message_receive(peer=county, envelope=first)

    assert answer == {
        "id": str(first.id),
        "error": "apply_failed",
        "detail": "cannot apply entry:350503-1#1 yet",
    }
    assert not InboxMessage.objects.filter(peer=county).exists()
    assert not InboundStream.objects.filter(peer=county, applied_seq__gt=0).exists()
    assert not events("federation.receive", message_id=str(first.id))
    failed = events("federation.apply", message_id=str(first.id))
    assert [(e.outcome, e.detail["answer"]) for e in failed] == [(Outcome.FAILED, "apply_failed")]

    applied.failing.clear()  # the sender retries after its back-off
    assert message_receive(peer=county, envelope=first)["answer"] == "applied"
    assert applied.log == [("entry:350503-1", 1)]


def test_a_handlers_writes_are_undone_with_its_envelope(county, monkeypatch):
    def writes_then_fails(peer: Peer, envelope: Envelope) -> None:
        InboundStream.objects.create(peer=peer, stream="written-by-the-handler")
        raise RuntimeError("disk full")

    monkeypatch.setitem(HANDLERS, KIND, writes_then_fails)

    answer = message_receive(peer=county, envelope=envelope(county, 1))

    assert (answer["error"], answer["detail"]) == ("apply_failed", "RuntimeError")  # no internals to the peer
    assert not InboundStream.objects.filter(stream="written-by-the-handler").exists()


def test_a_failing_parked_successor_holds_back_its_predecessor_too(county, applied):
    """The successor was answered "parked", so its sender will not send it again: only the retries of its
    predecessor carry it. Rolling both back keeps the predecessor retried until the successor applies."""
    first, second = envelope(county, 1), envelope(county, 2)
    message_receive(peer=county, envelope=second)
    applied.failing.add(str(second.id))

    answer = message_receive(peer=county, envelope=first)

    assert answer["error"] == "apply_failed"
    assert applied_seq(county) == 0  # 1's handler ran, and was undone with it
    assert not InboxMessage.objects.filter(message_id=first.id).exists()
    parked = InboxMessage.objects.get(message_id=second.id)
    assert (parked.status, parked.last_error) == (InboxStatus.PARKED, "cannot apply entry:350503-1#2 yet")

    applied.failing.clear()
    assert message_receive(peer=county, envelope=first)["answer"] == "applied"
    assert applied_seq(county) == 2
    done = [
        e.detail["seq"] for e in events("federation.apply", peer=county.node_id) if e.outcome == Outcome.OK
    ]
    assert done == [1, 2]


def test_an_unknown_kind_is_not_applied(county):
    hello = envelope(county, 1, kind="catalog.entry.unheard_of")

    answer = message_receive(peer=county, envelope=hello)

    assert (answer["error"], answer["detail"]) == ("apply_failed", "unknown kind 'catalog.entry.unheard_of'")
    assert not InboxMessage.objects.exists()


def test_node_hello_is_applied_and_stores_nothing_else(county):
    hello = envelope(county, 1, kind="node.hello", stream="node", body={"note": "你好"})

    assert message_receive(peer=county, envelope=hello)["answer"] == "applied"
    assert InboxMessage.objects.get(message_id=hello.id).body == {"note": "你好"}
    bad = envelope(county, 2, kind="node.hello", stream="node", body={"note": 7})
    assert message_receive(peer=county, envelope=bad)["error"] == "apply_failed"


@pytest.mark.parametrize("seq", [1, 3], ids=["applied-already", "parked-already"])
def test_a_number_that_is_another_messages_is_refused_and_audited(county, applied, seq):
    message_receive(peer=county, envelope=envelope(county, 1))
    message_receive(peer=county, envelope=envelope(county, 3))
    impostor = envelope(county, seq)

    answer = message_receive(peer=county, envelope=impostor)

    assert answer["error"] == "sequence_conflict"
    assert not InboxMessage.objects.filter(message_id=impostor.id).exists()
    assert applied.seqs("entry:350503-1") == [1]
    refused = events("federation.receive", message_id=str(impostor.id))
    assert [(e.outcome, e.detail["answer"]) for e in refused] == [(Outcome.DENIED, "sequence_conflict")]


def test_message_ids_are_unique_per_peer_not_across_peers(county, applied, make_peer):
    city = make_peer(level="city", region="350200")
    shared_id = uuid.uuid4()

    assert message_receive(peer=county, envelope=envelope(county, 1, id=shared_id))["answer"] == "applied"
    assert message_receive(peer=city, envelope=envelope(city, 1, id=shared_id))["answer"] == "applied"
    assert InboxMessage.objects.filter(message_id=shared_id).count() == 2
