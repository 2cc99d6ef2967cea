"""The envelope: one message of a POST's ``{"messages": [...]}`` body (docs/federation.md §6).

The receiver trusts nothing of it before the signature is verified, and then only its shape: ``from`` must
still be the verified node and ``to`` this node (the view checks both), and every field is typed here so
that the inbox never meets a half-formed message.
"""

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone

from .models import OutboxMessage
from .node import this_node

VERSION = 1
KIND_MAX = 60  # OutboxMessage.kind / InboxMessage.kind
STREAM_MAX = 200


@dataclass(frozen=True)
class Envelope:
    id: uuid.UUID
    kind: str
    sender: str  # "from" on the wire
    recipient: str  # "to"
    stream: str
    seq: int
    sent_at: dt.datetime
    body: dict


def envelope_json(message: OutboxMessage) -> dict:
    """The wire form of an outbox row. ``sent_at`` is when it was written, the same on every attempt: the
    attempt's own time is in the signature's ``created``."""
    return {
        "v": VERSION,
        "id": str(message.id),
        "kind": message.kind,
        "from": this_node().node_id,
        "to": message.peer.node_id,
        "stream": message.stream,
        "seq": message.seq,
        "sent_at": message.created_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
        "body": message.body,
    }


def envelopes_parse(raw: bytes) -> list[Envelope]:
    """The envelopes of a request body; ``ValueError`` (saying what is wrong) for anything malformed."""
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"the body is not JSON: {exc}") from None
    messages = document.get("messages") if isinstance(document, dict) else None
    if not isinstance(messages, list) or not messages:
        raise ValueError('the body needs "messages": a list of one or more envelopes')
    if len(messages) > settings.FEDERATION["BATCH_MESSAGES"]:
        raise ValueError(f"at most {settings.FEDERATION['BATCH_MESSAGES']} envelopes per request")
    return [_envelope(item, index) for index, item in enumerate(messages)]


def _envelope(item: Any, index: int) -> Envelope:
    where = f"messages[{index}]"
    if not isinstance(item, dict):
        raise ValueError(f"{where} is not an object")
    if item.get("v") != VERSION:
        raise ValueError(f"{where}: version {item.get('v')!r} is not {VERSION}")
    try:
        message_id = uuid.UUID(_text(item, "id", where, 36))
    except ValueError:
        raise ValueError(f"{where}.id is not a UUID") from None
    seq = item.get("seq")
    if type(seq) is not int or seq < 1:
        raise ValueError(f"{where}.seq must be a whole number from 1")
    body = item.get("body")
    if not isinstance(body, dict):
        raise ValueError(f"{where}.body must be an object")
    return Envelope(
        id=message_id,
        kind=_text(item, "kind", where, KIND_MAX),
        sender=_text(item, "from", where, 64),
        recipient=_text(item, "to", where, 64),
        stream=_text(item, "stream", where, STREAM_MAX),
        seq=seq,
        sent_at=_moment(item, where),
        body=body,
    )


def _text(item: dict, key: str, where: str, longest: int) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value or len(value) > longest:
        raise ValueError(f"{where}.{key} must be a text of 1 to {longest} characters")
    return value


def _moment(item: dict, where: str) -> dt.datetime:
    value = item.get("sent_at")
    try:
        moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None or timezone.is_naive(moment):
        raise ValueError(f"{where}.sent_at must be an ISO 8601 time with its offset")
    return moment


def message_detail(
    *, message_id: uuid.UUID | str, kind: str, stream: str, seq: int, peer: str, **extra
) -> dict:
    """The audit detail of a message event: the same keys on both nodes, so that the sender's
    ``send``/``deliver`` and the receiver's ``receive``/``apply`` pair up by ``message_id`` (§9)."""
    return {"message_id": str(message_id), "kind": kind, "stream": stream, "seq": seq, "peer": peer, **extra}
