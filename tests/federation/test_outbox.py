"""The sender (docs/federation.md §7): numbered per stream in the caller's transaction; delivered in order,
once, through down peers (back-off 1, 2, 4 … minutes), HTTP errors and a racing second worker. The clock
is moved with time-machine; nothing sleeps."""

import datetime as dt

import pytest
import time_machine

from audit.models import AuditEvent
from federation.handlers import HANDLERS
from federation.models import InboxMessage, OutboxMessage, OutboxStatus, Peer, PeerStatus
from federation.outbox import federation_send, outbox_deliver_peer, outboxes_deliver_due
from tests.federation.loopback import KIND, Applied, Receiver

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 10, 9, 8, 0, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)


@pytest.fixture
def province(node_key, make_peer) -> Peer:
    """The upper node this city sends to."""
    return make_peer(level="province", region="350000")


@pytest.fixture
def receiver(make_peer) -> Receiver:
    """The province's side, in this database: it knows this city as a peer of its own."""
    return Receiver(sender=make_peer(level="city", region="350500", node_id="fj-350500-as-seen-by-province"))


@pytest.fixture
def applied(monkeypatch) -> Applied:
    handler = Applied()
    monkeypatch.setitem(HANDLERS, KIND, handler)
    return handler


@pytest.fixture
def no_broker(monkeypatch) -> list[int]:
    """The peers whose delivery was queued (instead of a Celery broker)."""
    from federation import tasks

    queued: list[int] = []
    monkeypatch.setattr(tasks.deliver_peer, "delay", queued.append)
    return queued


def send(peer: Peer, stream: str, n: int = 1) -> list[OutboxMessage]:
    return [federation_send(peer=peer, kind=KIND, stream=stream, body={"n": i}) for i in range(n)]


def pending(peer: Peer) -> int:
    return OutboxMessage.objects.filter(peer=peer, status=OutboxStatus.PENDING).count()


def test_messages_are_numbered_per_stream_and_audited(province):
    entry_a = send(province, "entry:a", 3)
    entry_b = send(province, "entry:b", 2)

    assert [m.seq for m in entry_a] == [1, 2, 3]
    assert [m.seq for m in entry_b] == [1, 2]
    sent = AuditEvent.objects.get(action="federation.send", detail__message_id=str(entry_b[1].id))
    assert sent.detail == {
        "message_id": str(entry_b[1].id),
        "kind": KIND,
        "stream": "entry:b",
        "seq": 2,
        "peer": province.node_id,
    }


def test_delivery_is_queued_only_when_the_change_commits(
    province, no_broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        send(province, "entry:a")
    assert no_broker == [province.pk]


def test_a_suspended_peer_still_gets_its_rows_but_nothing_is_sent(province, receiver):
    Peer.objects.filter(pk=province.pk).update(status=PeerStatus.SUSPENDED)
    send(province, "entry:a", 2)

    assert outbox_deliver_peer(province.pk, transport=receiver) == 0
    assert (pending(province), receiver.posts) == (2, [])


def test_a_down_peer_keeps_its_rows_and_backs_off_1_2_4_minutes(province, receiver, applied):
    send(province, "entry:a", 3)
    send(province, "entry:b", 2)
    receiver.down = True
    waits = []
    with time_machine.travel(T0, tick=False) as clock:
        for _ in range(3):
            assert outbox_deliver_peer(province.pk, transport=receiver) == 0
            province.refresh_from_db()
            waits.append((province.failures, province.next_attempt_at - dt.datetime.now(dt.UTC)))
            # backing off: a second try before its time does not even post
            posts = len(receiver.posts)
            assert outbox_deliver_peer(province.pk, transport=receiver) == 0
            assert len(receiver.posts) == posts
            clock.move_to(province.next_attempt_at)

        assert waits == [(1, MINUTE), (2, 2 * MINUTE), (3, 4 * MINUTE)]
        assert "Connection refused" in province.last_error and province.last_error_at is not None
        assert pending(province) == 5

        receiver.down = False
        assert outbox_deliver_peer(province.pk, transport=receiver) == 5

    assert pending(province) == 0
    assert applied.seqs("entry:a") == [1, 2, 3] and applied.seqs("entry:b") == [1, 2]
    assert InboxMessage.objects.count() == 5  # each once
    province.refresh_from_db()
    assert (province.failures, province.next_attempt_at) == (0, None)
    assert province.last_contact_at is not None and province.last_sent_at is not None


def test_the_back_off_stops_growing_at_its_ceiling(province, receiver, settings):
    settings.FEDERATION = {**settings.FEDERATION, "RETRY_MAX_MINUTES": 4}
    send(province, "entry:a")
    receiver.down = True
    Peer.objects.filter(pk=province.pk).update(failures=10)
    with time_machine.travel(T0, tick=False):
        outbox_deliver_peer(province.pk, transport=receiver)
        province.refresh_from_db()
        assert province.next_attempt_at - T0 == 4 * MINUTE


def test_a_5xx_midway_leaves_the_rest_pending_and_loses_nothing(province, receiver, applied, settings):
    settings.FEDERATION = {**settings.FEDERATION, "BATCH_MESSAGES": 2}
    send(province, "entry:a", 5)
    answers = iter([200, 503])

    def flaky(peer: Peer, body: bytes) -> tuple[int, dict]:
        receiver.status = next(answers, 200)
        return receiver(peer, body)

    with time_machine.travel(T0, tick=False) as clock:
        assert outbox_deliver_peer(province.pk, transport=flaky) == 2
        province.refresh_from_db()
        assert (pending(province), province.failures) == (3, 1)
        assert "503" in province.last_error
        clock.move_to(province.next_attempt_at)
        assert outbox_deliver_peer(province.pk, transport=flaky) == 3

    assert applied.seqs("entry:a") == [1, 2, 3, 4, 5]
    # the batch answered 503 was not taken: posted again, whole, once the back-off ended
    assert [[seq for _, seq in post] for post in receiver.posts] == [[1, 2], [3, 4], [3, 4], [5]]
    delivered = OutboxMessage.objects.filter(peer=province).values_list("answer", flat=True)
    assert set(delivered) == {"applied"}


def test_each_message_is_delivered_once_and_audited_under_its_id(province, receiver, applied):
    message = send(province, "node")[0]

    outbox_deliver_peer(province.pk, transport=receiver)
    outbox_deliver_peer(province.pk, transport=receiver)

    assert receiver.sent == [("node", 1)]
    message.refresh_from_db()
    assert (message.status, message.answer, message.attempts) == (OutboxStatus.DELIVERED, "applied", 1)
    actions = AuditEvent.objects.filter(detail__message_id=str(message.id)).order_by("pk")
    # sender and receiver share this database here: both sides' events, under the one id
    assert list(actions.values_list("action", flat=True)) == [
        "federation.send",
        "federation.apply",
        "federation.receive",
        "federation.deliver",
    ]


def test_a_refused_message_backs_off_alone_and_its_stream_waits_behind_it(province, receiver, applied):
    first, second = send(province, "entry:a", 2)
    send(province, "entry:b", 1)
    applied.failing.add(str(first.id))
    with time_machine.travel(T0, tick=False) as clock:
        # b goes on; a#2 reaches the province but waits there, parked, behind a#1
        assert outbox_deliver_peer(province.pk, transport=receiver) == 2
        first.refresh_from_db()
        assert (first.status, first.next_attempt_at - T0) == (OutboxStatus.PENDING, MINUTE)
        assert "apply_failed" in first.last_error
        assert applied.log == [("entry:b", 1)]
        province.refresh_from_db()
        assert province.failures == 0  # the peer itself is fine

        send(province, "entry:a", 1)  # a#3: queued behind a#1, not sent before it
        assert outbox_deliver_peer(province.pk, transport=receiver) == 0

        applied.failing.clear()
        clock.move_to(first.next_attempt_at)
        assert outbox_deliver_peer(province.pk, transport=receiver) == 2

    assert applied.seqs("entry:a") == [1, 2, 3]
    assert receiver.posts[-1] == [("entry:a", 1), ("entry:a", 3)]


def test_a_second_worker_finds_the_peer_leased_and_sends_nothing(province, receiver, applied):
    send(province, "entry:a", 3)
    second_worker = Receiver(sender=receiver.sender)
    raced = []

    def while_posting(peer: Peer, body: bytes) -> tuple[int, dict]:
        raced.append(outbox_deliver_peer(province.pk, transport=second_worker))  # mid-post, the lease is held
        return receiver(peer, body)

    assert outbox_deliver_peer(province.pk, transport=while_posting) == 3

    assert raced == [0] and second_worker.posts == []
    assert applied.seqs("entry:a") == [1, 2, 3]
    province.refresh_from_db()
    assert province.sending_until is None  # released at the end


def test_a_dead_workers_lease_expires(province, receiver, applied):
    send(province, "entry:a")
    with time_machine.travel(T0, tick=False) as clock:
        Peer.objects.filter(pk=province.pk).update(sending_until=T0 + MINUTE)  # a worker that died mid-post
        assert outbox_deliver_peer(province.pk, transport=receiver) == 0
        clock.move_to(T0 + 2 * MINUTE)
        assert outbox_deliver_peer(province.pk, transport=receiver) == 1


def test_the_timer_queues_only_peers_with_due_rows(province, make_peer, no_broker):
    idle = make_peer(level="county", region="350503")
    backing_off = make_peer(level="county", region="350504")
    suspended = make_peer(level="county", region="350505", status=PeerStatus.SUSPENDED)
    for peer in (province, backing_off, suspended):
        send(peer, "node")
    Peer.objects.filter(pk=backing_off.pk).update(failures=1, next_attempt_at=T0 + MINUTE)

    assert outboxes_deliver_due(now=T0) == 1
    assert no_broker == [province.pk]
    assert idle.pk not in no_broker


def test_a_batch_larger_than_a_request_may_be_goes_in_several_posts_in_order(
    province, receiver, applied, no_broker, settings
):
    settings.FEDERATION = {**settings.FEDERATION, "MAX_BODY_BYTES": 4000}
    big = "数" * 300  # ~900 bytes of UTF-8 a message: four fit in one request, not five
    for n in range(10):
        federation_send(peer=province, kind=KIND, stream=f"s{n % 2}", body={"n": n, "text": big})

    assert outbox_deliver_peer(province.pk, transport=receiver) == 10
    assert len(receiver.posts) >= 3
    assert all(len(post) <= 4 for post in receiver.posts)
    assert applied.seqs("s0") == [1, 2, 3, 4, 5] and applied.seqs("s1") == [1, 2, 3, 4, 5]
