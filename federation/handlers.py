"""What the receiver does with each message kind (docs/federation.md §8, §11).

A handler runs inside the inbox's transaction for its envelope: whatever it writes commits with the
stream's advance or not at all, and an exception rolls both back (the sender then retries). Later slices
register their kinds here (``catalog.entry.publish``, ``application.step``, ``transfer.chunk`` …).
"""

from collections.abc import Callable

from .envelope import Envelope
from .models import Peer

Handler = Callable[[Peer, Envelope], None]

HANDLERS: dict[str, Handler] = {}


class HandlerError(Exception):
    """A message the handler cannot apply: the envelope is answered ``apply_failed`` with this text."""


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of ``kind``; one handler per kind."""

    def register(function: Handler) -> Handler:
        if kind in HANDLERS and HANDLERS[kind] is not function:
            raise ValueError(f"A handler for {kind!r} is registered already: {HANDLERS[kind]!r}")
        HANDLERS[kind] = function
        return function

    return register


def message_apply(peer: Peer, envelope: Envelope) -> None:
    try:
        apply = HANDLERS[envelope.kind]
    except KeyError:
        raise HandlerError(f"unknown kind {envelope.kind!r}") from None
    apply(peer, envelope)


@handler("node.hello")
def node_hello(peer: Peer, envelope: Envelope) -> None:
    """A greeting that proves the channel end to end (signature, inbox, audit); it stores nothing beyond
    the inbox row and the audit events that every message gets."""
    note = envelope.body.get("note", "")
    if not isinstance(note, str) or len(note) > 1000:
        raise HandlerError('node.hello: "note" must be a text of at most 1000 characters')
