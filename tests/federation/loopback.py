"""A receiving node inside the test process, for the outbox and inbox tests.

``Receiver`` is a ``Transport``: it takes a posted body into this database's inbox, as the endpoint does
once the signature is verified (test_endpoint.py covers the signature and the view), and answers the same
JSON. It can be down (``ConnectionError``) or answer an HTTP error. ``Applied`` is a handler kind that
writes down what it applied, in order, and fails on demand.
"""

import json
from dataclasses import dataclass, field

import requests

from federation.envelope import Envelope, envelopes_parse
from federation.handlers import HandlerError
from federation.inbox import message_receive
from federation.models import Peer

KIND = "test.applied"


@dataclass
class Applied:
    """The handler of ``KIND``: each applied (stream, seq), and ids it refuses while they are in ``failing``."""

    log: list[tuple[str, int]] = field(default_factory=list)
    failing: set[str] = field(default_factory=set)

    def __call__(self, peer: Peer, envelope: Envelope) -> None:
        if str(envelope.id) in self.failing:
            raise HandlerError(f"cannot apply {envelope.stream}#{envelope.seq} yet")
        self.log.append((envelope.stream, envelope.seq))

    def seqs(self, stream: str) -> list[int]:
        return [seq for name, seq in self.log if name == stream]


@dataclass
class Receiver:
    """The peer: ``sender`` is how the receiving node knows the sending one (its own Peer row)."""

    sender: Peer
    down: bool = False
    status: int = 200
    posts: list[list[tuple[str, int]]] = field(default_factory=list)

    def __call__(self, peer: Peer, body: bytes) -> tuple[int, dict]:
        envelopes = envelopes_parse(body)
        self.posts.append([(envelope.stream, envelope.seq) for envelope in envelopes])
        if self.down:
            raise requests.ConnectionError(f"Connection refused: {peer.url}")
        if self.status != 200:
            return self.status, {"detail": "Service unavailable", "code": "unavailable"}
        return 200, json.loads(
            json.dumps({"results": [message_receive(peer=self.sender, envelope=e) for e in envelopes]})
        )

    @property
    def sent(self) -> list[tuple[str, int]]:
        return [message for post in self.posts for message in post]
