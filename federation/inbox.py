"""The receiver's side: each envelope received once, by its message id, and applied in order per stream
(docs/federation.md §8).

One transaction per envelope, under a lock on the (peer, stream) row: the inbox row, the handler's writes,
the stream's advance and the audit events commit together. A message that arrives before its predecessor
waits parked and is applied, in the same transaction, when the gap is filled. A handler error rolls the
whole envelope back (parked successors it would have carried along included), and the sender retries it
with back-off: nothing is applied twice and nothing is skipped.
"""

import logging

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from audit.services import audit_record
from dataplatform.core.audit_actions import AuditAction
from dataplatform.core.events import Outcome

from .envelope import Envelope, message_detail
from .handlers import HandlerError, message_apply
from .models import Answer, InboundStream, InboxMessage, InboxStatus, Peer
from .node import this_node

logger = logging.getLogger(__name__)


class SequenceConflict(Exception):
    """A different message already holds this (stream, seq): the sender's numbering and ours disagree."""


class ApplyFailed(Exception):
    def __init__(self, row: InboxMessage, cause: Exception) -> None:
        super().__init__(str(cause))
        self.row = row
        # A handler's own refusal is the peer's to read; anything else stays in our log.
        self.detail = str(cause) if isinstance(cause, HandlerError) else cause.__class__.__name__


def message_receive(*, peer: Peer, envelope: Envelope) -> dict:
    """Receive one envelope: ``{"id", "answer"}`` with applied, duplicate or parked, or ``{"id", "error",
    "detail"}`` with sequence_conflict or apply_failed (audited in a transaction of their own)."""
    try:
        with transaction.atomic():
            answer = _receive(peer, envelope)
    except SequenceConflict as exc:
        _refusal_record(
            peer, envelope, AuditAction.FEDERATION_RECEIVE, Outcome.DENIED, "sequence_conflict", str(exc)
        )
        return {"id": str(envelope.id), "error": "sequence_conflict", "detail": str(exc)}
    except ApplyFailed as exc:
        logger.warning(
            "Federation: %s from %s was not applied: %s", exc.row, peer.node_id, exc, exc_info=True
        )
        _refusal_record(
            peer, envelope, AuditAction.FEDERATION_APPLY, Outcome.FAILED, "apply_failed", exc.detail
        )
        _parked_error_note(exc.row, exc.detail)
        return {"id": str(envelope.id), "error": "apply_failed", "detail": exc.detail}
    return {"id": str(envelope.id), "answer": str(answer)}


def _receive(peer: Peer, envelope: Envelope) -> str:
    stream = _stream_locked(peer, envelope.stream)
    # Checked under the stream's lock: a second copy of this message racing in waits for the first. One
    # query for both: this message received already, or its place in the stream taken by another.
    seen = set(
        InboxMessage.objects.filter(
            Q(message_id=envelope.id) | Q(stream=envelope.stream, seq=envelope.seq), peer=peer
        ).values_list("message_id", flat=True)
    )
    if envelope.id in seen:
        answer = Answer.DUPLICATE
    else:
        if envelope.seq <= stream.applied_seq or seen:
            raise SequenceConflict(
                f"{envelope.stream}#{envelope.seq} is another message's (applied up to {stream.applied_seq})"
            )
        row = InboxMessage.objects.create(
            message_id=envelope.id,
            peer=peer,
            kind=envelope.kind,
            stream=envelope.stream,
            seq=envelope.seq,
            body=envelope.body,
            status=InboxStatus.PARKED,
        )
        answer = Answer.PARKED
        if envelope.seq == stream.applied_seq + 1:
            _apply_in_order(peer, stream, row, envelope)
            answer = Answer.APPLIED
    detail = _detail(peer, envelope, answer=str(answer))
    audit_record(action=AuditAction.FEDERATION_RECEIVE, detail=detail)
    now = timezone.now()
    Peer.objects.filter(pk=peer.pk).update(last_received_at=now, last_contact_at=now)
    return answer


def _stream_locked(peer: Peer, name: str) -> InboundStream:
    # SELECT … FOR UPDATE, or INSERT (which locks the new row); a racing INSERT loses on the unique
    # constraint and get_or_create reads the winner's row, FOR UPDATE.
    stream, _created = InboundStream.objects.select_for_update().get_or_create(peer=peer, stream=name)
    return stream


def _apply_in_order(peer: Peer, stream: InboundStream, row: InboxMessage, envelope: Envelope) -> None:
    """Apply ``row`` (the next in its stream), then the parked rows that follow it without a gap."""
    current: InboxMessage | None = row
    while current is not None:
        try:
            message_apply(peer, envelope if current is row else _parked_envelope(peer, current))
        except Exception as exc:
            raise ApplyFailed(current, exc) from exc
        current.status = InboxStatus.APPLIED
        current.applied_at = timezone.now()
        current.last_error = ""
        current.save(update_fields=["status", "applied_at", "last_error"])
        stream.applied_seq = current.seq
        audit_record(
            action=AuditAction.FEDERATION_APPLY,
            target=current,
            detail=_detail(peer, _parked_envelope(peer, current)),
        )
        current = InboxMessage.objects.filter(
            peer=peer, stream=stream.stream, seq=current.seq + 1, status=InboxStatus.PARKED
        ).first()
    stream.save(update_fields=["applied_seq"])


def _parked_envelope(peer: Peer, row: InboxMessage) -> Envelope:
    """The envelope of an inbox row, as its handler and its audit detail see it."""
    return Envelope(
        id=row.message_id,
        kind=row.kind,
        sender=peer.node_id,
        recipient=this_node().node_id,
        stream=row.stream,
        seq=row.seq,
        sent_at=row.received_at,
        body=row.body,
    )


def _detail(peer: Peer, envelope: Envelope, **extra) -> dict:
    return message_detail(
        message_id=envelope.id,
        kind=envelope.kind,
        stream=envelope.stream,
        seq=envelope.seq,
        peer=peer.node_id,
        **extra,
    )


def _refusal_record(
    peer: Peer, envelope: Envelope, action: AuditAction, outcome: str, code: str, detail: str
) -> None:
    with transaction.atomic():
        audit_record(
            action=action, outcome=outcome, detail=_detail(peer, envelope, answer=code, error=detail)
        )


def _parked_error_note(row: InboxMessage, detail: str) -> None:
    """A parked row that failed as a successor stays parked (its predecessor is retried by the sender and
    carries it along again); the page shows why it waits."""
    if row.pk is not None:
        InboxMessage.objects.filter(pk=row.pk, status=InboxStatus.PARKED).update(last_error=detail[:2000])
