"""The sender's side: every message a row first, delivered with back-off, in order per stream
(docs/federation.md §7).

``federation_send`` writes the row in the caller's transaction (a transactional outbox: the message exists
if and only if the change that caused it committed) and queues the peer's delivery after commit.
``outbox_deliver_peer`` claims the peer by compare-and-swap on its lease, so two workers never post the
same peer's rows at once, and posts due rows in signed batches. A peer that cannot be reached backs off as
a whole (1, 2, 4 … minutes); a message the peer refuses backs off alone, and its stream waits behind it.
Nothing waits in a Celery ETA and nothing is dropped: ``outboxes_deliver_due``, a timer, picks up what is
due again.
"""

import datetime as dt
import json
import logging
import time
from collections.abc import Callable

import requests
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, Min, OuterRef, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from dataplatform.core.actors import Actor
from dataplatform.core.audit_actions import AuditAction

from .envelope import KIND_MAX, STREAM_MAX, envelope_json, message_detail
from .models import Answer, OutboxMessage, OutboxStatus, Peer, PeerStatus, StreamCounter
from .signing import sign_request

logger = logging.getLogger(__name__)

MESSAGES_PATH = "/federation/v1/messages/"  # the same on every node: they run the same code

# Posts a signed body to a peer; answers the HTTP status and the JSON answer ({} when it is not JSON).
# Raises OSError (requests' errors are OSErrors) when the peer cannot be reached.
Transport = Callable[[Peer, bytes], tuple[int, dict]]


def federation_send(*, peer: Peer, kind: str, stream: str, body: dict, actor: Actor = None) -> OutboxMessage:
    """Queue a message to ``peer``; call it inside the transaction of the change it tells of.

    The (peer, stream) counter row is locked to number the message, so two senders on one stream get
    consecutive numbers in commit order. A suspended peer still gets its rows: they go when it is resumed.
    """
    from .tasks import deliver_peer

    if not kind or len(kind) > KIND_MAX or not stream or len(stream) > STREAM_MAX:
        raise ValueError(f"kind is 1 to {KIND_MAX} characters, stream 1 to {STREAM_MAX}")
    with transaction.atomic():
        StreamCounter.objects.get_or_create(peer=peer, stream=stream)
        counter = StreamCounter.objects.select_for_update(of=("self",)).get(peer=peer, stream=stream)
        counter.last_seq += 1
        counter.save(update_fields=["last_seq"])
        message = OutboxMessage.objects.create(
            peer=peer, kind=kind, stream=stream, seq=counter.last_seq, body=body
        )
        audit_record(action=AuditAction.FEDERATION_SEND, actor=actor, target=message, detail=_detail(message))
        transaction.on_commit(lambda: deliver_peer.delay(peer.pk), robust=True)
    return message


def outbox_deliver_peer(peer_id: int, *, transport: Transport | None = None, budget_seconds: int = 60) -> int:
    """Deliver the peer's due messages for up to ``budget_seconds``; return how many were delivered.

    0 at once when the peer is suspended, backing off, or leased to another worker.
    """
    lease = _lease_take(peer_id)
    if lease is None:
        return 0
    transport = transport or http_transport
    deadline = time.monotonic() + budget_seconds
    delivered = 0
    try:
        peer = Peer.objects.get(pk=peer_id)
        while time.monotonic() < deadline:
            batch = list(_due(peer, timezone.now()))
            if not batch:
                break
            lease = _lease_renew(peer_id, lease)
            if lease is None:  # suspended meanwhile, or our lease ran out and another worker took it
                break
            done = _post(peer, batch, transport)
            if done is None:
                break
            delivered += done
    finally:
        if lease is not None:
            Peer.objects.filter(pk=peer_id, sending_until=lease).update(sending_until=None)
    return delivered


def outboxes_deliver_due(now: dt.datetime | None = None) -> int:
    """Timer: queue a delivery for each active, idle peer that has due pending rows; return how many."""
    from .tasks import deliver_peer

    now = now or timezone.now()
    due_rows = OutboxMessage.objects.filter(peer=OuterRef("pk"), status=OutboxStatus.PENDING).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    peers = Peer.objects.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
        Q(sending_until__isnull=True) | Q(sending_until__lt=now),
        Exists(due_rows),
        status=PeerStatus.ACTIVE,
    )
    peer_ids = list(peers.values_list("pk", flat=True))
    for peer_id in peer_ids:
        deliver_peer.delay(peer_id)  # the lease decides: a peer that is in fact being served is left alone
    return len(peer_ids)


def http_transport(peer: Peer, body: bytes) -> tuple[int, dict]:
    """The real transport: sign afresh (new nonce, new ``created``) and post with ``requests``."""
    request = requests.Request(
        "POST", peer.url.rstrip("/") + MESSAGES_PATH, data=body, headers={"Content-Type": "application/json"}
    ).prepare()
    sign_request(request)
    with requests.Session() as session:
        response = session.send(request, timeout=settings.FEDERATION["TIMEOUT"], allow_redirects=False)
    try:
        answer = response.json()
    except ValueError:
        answer = {}
    return response.status_code, answer if isinstance(answer, dict) else {}


# --- the lease: one worker per peer --------------------------------------------------------------


def _lease_take(peer_id: int) -> dt.datetime | None:
    """Compare and swap: the peer is ours if it is active, not backing off and not leased (or its lease
    expired: that worker died). The lease's end is the token that guards its renewal and release."""
    now = timezone.now()
    until = now + dt.timedelta(seconds=settings.FEDERATION["LEASE_SECONDS"])
    taken = Peer.objects.filter(
        Q(sending_until__isnull=True) | Q(sending_until__lt=now),
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
        pk=peer_id,
        status=PeerStatus.ACTIVE,
    ).update(sending_until=until)
    return until if taken else None


def _lease_renew(peer_id: int, lease: dt.datetime) -> dt.datetime | None:
    """Before each post: a full lease ahead of it, if the lease is still ours and the peer still active."""
    until = timezone.now() + dt.timedelta(seconds=settings.FEDERATION["LEASE_SECONDS"])
    renewed = Peer.objects.filter(pk=peer_id, sending_until=lease, status=PeerStatus.ACTIVE).update(
        sending_until=until
    )
    return until if renewed else None


# --- one batch -------------------------------------------------------------------------------------


def _due(peer: Peer, now: dt.datetime) -> QuerySet[OutboxMessage]:
    """Up to ``BATCH_MESSAGES`` pending rows, the head of every stream first, then each stream's next
    ones (round robin, so a long stream does not hold the others back), each stream in seq order. A row
    behind a message that is backing off in its stream waits: order within a stream is the point.

    The streams held back are read first (few rows: most pending rows have no ``next_attempt_at``) and
    excluded by their first held seq. A correlated NOT EXISTS said the same, but planned on a fresh burst
    of rows (no statistics yet) it compared every pending row with every other: 4.5 s a batch at 5,000."""
    held = (
        OutboxMessage.objects.filter(peer=peer, status=OutboxStatus.PENDING, next_attempt_at__gt=now)
        .values("stream")
        .annotate(first=Min("seq"))
        .values_list("stream", "first")
    )
    rows = OutboxMessage.objects.filter(peer=peer, status=OutboxStatus.PENDING)
    behind = Q()
    for stream, first in held:
        behind |= Q(stream=stream, seq__gte=first)
    if behind:
        rows = rows.exclude(behind)
    rows = rows.annotate(place=Window(RowNumber(), partition_by=[F("stream")], order_by=F("seq").asc()))
    return rows.order_by("place", "stream")[: settings.FEDERATION["BATCH_MESSAGES"]]


def _post(peer: Peer, batch: list[OutboxMessage], transport: Transport) -> int | None:
    """Post one batch and record the answers; None when the peer failed as a whole (it backs off).

    The batch is cut to what fits in one request (``MAX_BODY_BYTES``, which the receiver enforces): the
    rest goes in the next post. A prefix of the due rows keeps each stream in order."""
    for message in batch:
        message.peer = peer
    envelopes = _fitting(batch)
    batch = batch[: len(envelopes)]
    body = b'{"messages":[' + b",".join(envelopes) + b"]}"
    try:
        status, answer = transport(peer, body)
    except OSError as exc:  # refused, reset, timed out, name not resolved (requests' errors included)
        _peer_failed(peer, _("The node cannot be reached: %(error)s") % {"error": exc})
        return None
    except Exception as exc:
        logger.exception("Federation: posting to %s failed", peer.node_id)
        _peer_failed(peer, _("Sending failed: %(error)s") % {"error": f"{exc.__class__.__name__}: {exc}"})
        return None
    results = answer.get("results")
    if status != 200 or not isinstance(results, list):
        # 5xx: the peer is in trouble; 401/403: it does not trust us (now); 400/413: it cannot read us.
        # In every case no message was taken: the whole peer waits and tries again.
        error = _("The node answered %(status)s: %(code)s %(detail)s") % {
            "status": status,
            "code": answer.get("code", ""),
            "detail": answer.get("detail", ""),
        }
        _peer_failed(peer, error.strip())
        return None
    return _answers_record(peer, batch, results)


def _encoded(message: OutboxMessage) -> bytes:
    return json.dumps(envelope_json(message), ensure_ascii=False, separators=(",", ":")).encode()


def _fitting(batch: list[OutboxMessage]) -> list[bytes]:
    """The envelopes of the longest prefix of ``batch`` whose request body stays under ``MAX_BODY_BYTES``
    (the first one always: a message larger than that is the sender's bug, and the receiver's 413 will say
    so). Encoded one by one until one does not fit: a waiting transfer chunk is megabytes of JSON."""
    room = settings.FEDERATION["MAX_BODY_BYTES"] - 64  # the {"messages": […]} around them
    envelopes: list[bytes] = []
    size = 0
    for message in batch:
        envelope = _encoded(message)
        size += len(envelope) + 1
        if size > room and envelopes:
            break
        envelopes.append(envelope)
    return envelopes


def _answers_record(peer: Peer, batch: list[OutboxMessage], results: list) -> int:
    """Mark what the peer took; back off, one by one, what it refused (the others go on)."""
    by_id = {str(message.id): message for message in batch}
    now = timezone.now()
    delivered = 0
    with transaction.atomic():
        for result in results:
            message = by_id.pop(str(result.get("id")), None) if isinstance(result, dict) else None
            if message is None:
                continue
            answer = result.get("answer")
            if answer in Answer.values:
                delivered += _delivered(message, answer, now)
            else:
                error = f"{result.get('error', '')}: {result.get('detail', '')}"
                _message_failed(peer, message, error, now)
        for message in by_id.values():  # a message the answer does not mention: as if refused
            _message_failed(peer, message, _("The node's answer does not mention this message."), now)
        Peer.objects.filter(pk=peer.pk).update(
            failures=0, next_attempt_at=None, last_contact_at=now, last_sent_at=now
        )
    return delivered


def _delivered(message: OutboxMessage, answer: str, now: dt.datetime) -> int:
    marked = OutboxMessage.objects.filter(pk=message.pk, status=OutboxStatus.PENDING).update(
        status=OutboxStatus.DELIVERED,
        answer=answer,
        delivered_at=now,
        attempts=F("attempts") + 1,
        next_attempt_at=None,
        last_error="",
    )
    if marked:
        audit_record(
            action=AuditAction.FEDERATION_DELIVER, target=message, detail=_detail(message, answer=answer)
        )
    return marked


def _message_failed(peer: Peer, message: OutboxMessage, error: str, now: dt.datetime) -> None:
    """``attempts`` counts the peer's answers about the message, so its back-off grows with the peer's
    refusals of it, not with the hours the peer was down before."""
    attempts = message.attempts + 1
    OutboxMessage.objects.filter(pk=message.pk).update(
        attempts=attempts, next_attempt_at=now + _back_off(attempts), last_error=error[:2000]
    )
    # On the peer too: a stream stuck behind a refused message is the administrator's to see.
    Peer.objects.filter(pk=peer.pk).update(last_error=f"{message.id} {error}"[:2000], last_error_at=now)


def _peer_failed(peer: Peer, error: str) -> None:
    failures = Peer.objects.values_list("failures", flat=True).get(pk=peer.pk) + 1
    now = timezone.now()
    Peer.objects.filter(pk=peer.pk).update(
        failures=failures,
        next_attempt_at=now + _back_off(failures),
        last_error=error[:2000],
        last_error_at=now,
    )
    logger.warning("Federation: %s failed (%s in a row): %s", peer.node_id, failures, error)


def _back_off(failures: int) -> dt.timedelta:
    """1, 2, 4 … minutes, at most ``RETRY_MAX_MINUTES``."""
    return dt.timedelta(minutes=min(2 ** min(failures - 1, 30), settings.FEDERATION["RETRY_MAX_MINUTES"]))


def _detail(message: OutboxMessage, **extra) -> dict:
    return message_detail(
        message_id=message.id,
        kind=message.kind,
        stream=message.stream,
        seq=message.seq,
        peer=message.peer.node_id,
        **extra,
    )
