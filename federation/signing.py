"""RFC 9421 signatures on every federation request, and their verification (docs/federation.md §5).

The library (``http-message-signatures``, pinned) builds and checks the signature base; this module adds what
RFC 9421 leaves to the application and the library does not do for us:

- the covered components are required (the library verifies whatever the sender chose to cover);
- ``created``, ``expires`` and ``nonce`` are required, ``expires - created`` at most ``SIGNATURE_TTL``, against our
  own clock (an aware UTC ``now`` that the tests can set) and our own skew (the library allows 5 seconds);
- the body is checked against the signed ``Content-Digest`` (the library does only if asked, and then with its
  own error text, where the peer needs ``digest_mismatch``);
- the nonce is spent once per peer (a row in ``ReceivedNonce``), so a captured request cannot be replayed while
  its signature lives.

``verify_request`` refuses with ``Refused(code)``; the view answers ``{"detail", "code"}`` with its status and calls
``refusal_audit`` once, with the message ids when the body parses.
"""

import base64
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, transaction
from django.http import HttpRequest, RawPostDataException
from django.utils import timezone
from http_message_signatures import (
    HTTPMessageSigner,
    HTTPMessageVerifier,
    HTTPSignatureKeyResolver,
    InvalidSignature,
    algorithms,
)

from audit.models import Outcome
from audit.services import audit_record
from dataplatform.core.audit_actions import AuditAction

from . import node
from .models import Peer, PeerStatus, ReceivedNonce

COVERED = ("@method", "@path", "@query", "content-digest", "x-node-id")
TAG = "dp-federation-1"
LABEL = "dp"

# The HTTP status of each refusal; "bad_envelope" is the view's own (docs/federation.md §6).
STATUS = {
    "missing_signature": 401,
    "body_too_large": 413,
    "unknown_node": 401,
    "node_suspended": 403,
    "bad_signature": 401,
    "signature_expired": 401,
    "digest_mismatch": 400,
    "replayed": 401,
    "bad_envelope": 400,
}

NONCE_LENGTH = (16, 64)  # enough entropy to be unique, and what ReceivedNonce.nonce holds
_DIGEST = re.compile(r"(?:^|,)\s*sha-256=:([A-Za-z0-9+/]*={0,2}):\s*(?:;[^,]*)?(?:,|$)")
_NONCE_PARAM = re.compile(r';\s*nonce="([^"]{1,64})"')


class Refused(Exception):
    """A request refused: ``code`` for the peer and the audit, ``status`` for the HTTP answer.

    ``node_id``, ``nonce`` and ``peer`` are what verification had learned when it refused, for the audit row.
    """

    def __init__(
        self,
        code: str,
        status: int | None = None,
        detail: str = "",
        *,
        node_id: str = "",
        nonce: str = "",
        peer: Peer | None = None,
    ) -> None:
        super().__init__(detail or code)
        self.code = code
        self.status = status if status is not None else STATUS.get(code, 400)
        self.detail = detail or code
        self.node_id = node_id
        self.nonce = nonce
        self.peer = peer


def _config(name: str) -> Any:
    return settings.FEDERATION[name]


def content_digest(body: bytes) -> str:
    """``Content-Digest`` of a body (RFC 9530): ``sha-256=:<base64>:``."""
    return "sha-256=:" + base64.b64encode(hashlib.sha256(body).digest()).decode("ascii") + ":"


# --- signing (the sender) ---------------------------------------------------------------------------


class _OneKey(HTTPSignatureKeyResolver):
    def __init__(self, key_id: str, key: Ed25519PrivateKey) -> None:
        self.key_id, self.key = key_id, key

    def resolve_private_key(self, key_id: str) -> Ed25519PrivateKey:
        if key_id != self.key_id:
            raise KeyError(key_id)
        return self.key

    def resolve_public_key(self, key_id: str) -> None:
        return None


def _body_bytes(body: bytes | str | None) -> bytes:
    if body is None:
        return b""
    return body.encode("utf-8") if isinstance(body, str) else body


def sign_request(req: requests.PreparedRequest, *, now: datetime | None = None) -> None:
    """Sign a prepared request as this node (``NODE_ID``, the key of ``NODE_KEY_FILE``), in place.

    Each delivery attempt calls this afresh: a new nonce and a new ``created``, the same message ids.
    """
    request_sign(req, key=node.private_key(), node_id=settings.NODE_ID, now=now)


def request_sign(
    req: requests.PreparedRequest,
    *,
    key: Ed25519PrivateKey,
    node_id: str,
    now: datetime | None = None,
    nonce: str | None = None,
) -> None:
    """Sign with a given key and node id: ``sign_request``'s work, and the tests' peers (each its own key).

    Sign *after* ``prepare()``: the library reads the final ``url``, ``method`` and ``headers``.
    """
    # Aware UTC: the library's default `created` is a naive local datetime.now().
    created = (now or timezone.now()).astimezone(UTC)
    body = _body_bytes(req.body)
    req.headers["X-Node-Id"] = node_id
    req.headers["Content-Digest"] = content_digest(body)
    signer = HTTPMessageSigner(signature_algorithm=algorithms.ED25519, key_resolver=_OneKey(node_id, key))
    signer.sign(
        req,
        key_id=node_id,
        created=created,
        expires=created + timedelta(seconds=_config("SIGNATURE_TTL")),
        nonce=nonce or secrets.token_urlsafe(16),
        label=LABEL,
        tag=TAG,
        covered_component_ids=COVERED,
        body=body,  # the library checks our Content-Digest against it (a retry re-signs the same field)
        use_existing_digest=True,
    )


# --- verifying (the receiver) -----------------------------------------------------------------------


class _OutOfTime(InvalidSignature):
    """The signature's window (``created`` … ``expires``) does not hold ``now``: ``signature_expired``."""


class _PeerKey(HTTPSignatureKeyResolver):
    """The peer's public key, and only under its own node id: a keyid other than ``X-Node-Id`` resolves nothing."""

    def __init__(self, peer: Peer) -> None:
        self.peer = peer

    def resolve_public_key(self, key_id: str) -> Ed25519PublicKey | None:
        if key_id != self.peer.node_id:
            return None
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(self.peer.public_key))

    def resolve_private_key(self, key_id: str) -> None:
        raise KeyError(key_id)


class FederationVerifier(HTTPMessageVerifier):
    """The library's verifier with our clock, our skew and our required time window.

    ``validate_created_and_expires`` replaces the library's (which reads ``datetime.now()`` itself and makes
    ``expires`` optional); the library calls it before the signature check, so it sees untrusted values, and
    only ever refuses on them.
    """

    def __init__(self, *, peer: Peer, now: datetime, ttl: timedelta, skew: timedelta) -> None:
        super().__init__(signature_algorithm=algorithms.ED25519, key_resolver=_PeerKey(peer))
        self.now, self.ttl, self.max_clock_skew = now, ttl, skew

    def validate_created_and_expires(self, sig_input: Any, max_age: timedelta | None = None) -> None:
        params = sig_input.params
        for name in ("created", "expires"):
            if name not in params:
                raise InvalidSignature(f'Signature is missing a required "{name}" parameter')
        created = self._parse_integer_timestamp(params["created"], field_name="created")
        expires = self._parse_integer_timestamp(params["expires"], field_name="expires")
        if created > self.now + self.max_clock_skew:
            raise _OutOfTime('Signature "created" is in the future')
        if expires < self.now - self.max_clock_skew:
            raise _OutOfTime('Signature "expires" is in the past')
        if created < self.now - self.ttl - self.max_clock_skew:
            raise _OutOfTime(f"Signature is older than {self.ttl}")
        if expires - created > self.ttl:
            raise _OutOfTime(f"Signature lives longer than {self.ttl}")


def verify_request(request: HttpRequest, *, now: datetime | None = None) -> Peer:
    """The peer that signed this request, or ``Refused`` (steps 1–6 of §5, in that order).

    The nonce row is committed before returning (its own transaction when called outside one), so the same
    signed request is refused the second time even if the caller then fails.
    """
    now = (now or timezone.now()).astimezone(UTC)
    skew = timedelta(seconds=_config("CLOCK_SKEW"))
    body = _signed_parts_present(request)
    node_id = request.headers["X-Node-Id"]
    nonce = _nonce_param(request.headers["Signature-Input"])
    peer = Peer.objects.filter(node_id=node_id).first()
    if peer is None:
        raise Refused("unknown_node", detail=f"No peer {node_id!r} here.", node_id=node_id, nonce=nonce)
    if peer.status != PeerStatus.ACTIVE:
        raise Refused(
            "node_suspended",
            detail="This node has suspended the sender.",
            node_id=node_id,
            nonce=nonce,
            peer=peer,
        )
    refuse = _refuser(node_id, nonce, peer)
    verifier = FederationVerifier(
        peer=peer, now=now, ttl=timedelta(seconds=_config("SIGNATURE_TTL")), skew=skew
    )
    message = SimpleNamespace(method=request.method, url=_signed_url(request), headers=request.headers)
    try:
        results = verifier.verify(message, max_age=None, expect_tag=TAG, require_components=COVERED)
    except _OutOfTime as error:
        raise refuse("signature_expired", str(error)) from error
    except InvalidSignature as error:
        # cryptography's own InvalidSignature (a signature that does not verify) carries no text.
        raise refuse(
            "bad_signature", str(error) or "The signature does not verify with this peer's key."
        ) from error
    if len(results) != 1:
        raise refuse("bad_signature", f"One {TAG} signature expected.")
    result = results[0]
    nonce = result.nonce or ""
    if not NONCE_LENGTH[0] <= len(nonce) <= NONCE_LENGTH[1]:
        raise refuse(
            "bad_signature", f"A nonce of {NONCE_LENGTH[0]} to {NONCE_LENGTH[1]} characters is required."
        )
    if not _digest_matches(result.covered_components['"content-digest"'], body):
        raise refuse("digest_mismatch", "Content-Digest does not match the body.")
    expires = datetime.fromtimestamp(int(result.parameters["expires"]), tz=UTC)
    _nonce_spend(peer, nonce, expires_at=expires + skew, refuse=refuse)
    return peer


def _signed_parts_present(request: HttpRequest) -> bytes:
    """Step 1: the signature's headers are there and the body is within ``MAX_BODY_BYTES``; the body."""
    node_id = request.headers.get("X-Node-Id", "")[:64]
    nonce = _nonce_param(request.headers.get("Signature-Input", ""))
    limit = _config("MAX_BODY_BYTES")
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    too_large = Refused(
        "body_too_large", detail=f"The body is over {limit} bytes.", node_id=node_id, nonce=nonce
    )
    if declared > limit:
        raise too_large
    try:
        body = request.body
    except RequestDataTooBig:
        raise too_large from None
    except RawPostDataException:  # a form body, parsed already (RefuseNulBytesMiddleware): never a message
        body = b""
    if len(body) > limit:
        raise too_large
    for header in ("Signature", "Signature-Input", "X-Node-Id", "Content-Digest"):
        if not request.headers.get(header):
            raise Refused("missing_signature", detail=f"No {header} header.", node_id=node_id, nonce=nonce)
    return body


def _signed_url(request: HttpRequest) -> str:
    # Only @path and @query are covered, not @authority or @scheme: a proxy or a TLS terminator in front of
    # the node may change those. A fixed origin also keeps get_host() (DisallowedHost) out of verification.
    return "https://node.invalid" + request.get_full_path()


def _digest_matches(field: str, body: bytes) -> bool:
    match = _DIGEST.search(field)
    if match is None:
        return False
    try:
        claimed = base64.b64decode(match.group(1), validate=True)
    except ValueError:
        return False
    return hmac.compare_digest(claimed, hashlib.sha256(body).digest())


def _nonce_spend(peer: Peer, nonce: str, *, expires_at: datetime, refuse: Any) -> None:
    try:
        with transaction.atomic():
            ReceivedNonce.objects.create(peer=peer, nonce=nonce, expires_at=expires_at)
    except IntegrityError:
        raise refuse("replayed", "This signature's nonce was already used.") from None


def _refuser(node_id: str, nonce: str, peer: Peer) -> Any:
    def refuse(code: str, detail: str) -> Refused:
        return Refused(code, detail=detail, node_id=node_id, nonce=nonce, peer=peer)

    return refuse


def _nonce_param(signature_input: str) -> str:
    """The nonce as the sender wrote it, unverified: for the audit row of a refusal only."""
    match = _NONCE_PARAM.search(signature_input)
    return match.group(1) if match else ""


# --- audit and housekeeping -------------------------------------------------------------------------


def refusal_audit(
    request: HttpRequest, refused: Refused, *, node_id: str = "", message_ids: Iterable[str] = ()
) -> None:
    """Record a refusal (``federation.refuse``, outcome denied) in its own transaction.

    Called once per refused request by the view. Without ``message_ids``, the ids are read from the body
    when it parses, so the sender's ``federation.send`` rows can be found from the refusal.
    """
    ids = [str(i)[:64] for i in message_ids] or _message_ids(request, refused)
    detail = {
        "code": refused.code,
        "node_id": (node_id or refused.node_id or request.headers.get("X-Node-Id", ""))[:64],
        "nonce": refused.nonce,
        "message_ids": ids,
        "remote_addr": request.META.get("REMOTE_ADDR", ""),
        "reason": refused.detail[:500],
    }
    with transaction.atomic():
        audit_record(
            action=AuditAction.FEDERATION_REFUSE,
            request=request,
            target=refused.peer,
            outcome=Outcome.DENIED,
            detail=detail,
        )


def _message_ids(request: HttpRequest, refused: Refused) -> list[str]:
    if refused.code == "body_too_large":
        return []
    try:
        parsed = json.loads(request.body)
    except Exception:  # unreadable or not JSON: a refusal without ids
        return []
    messages = parsed.get("messages") if isinstance(parsed, dict) else None
    if not isinstance(messages, list):
        return []
    limit = _config("BATCH_MESSAGES")
    return [m["id"][:64] for m in messages[:limit] if isinstance(m, dict) and isinstance(m.get("id"), str)]


def nonces_purge(now: datetime | None = None) -> int:
    """Delete the nonces whose signatures have expired (they can no longer be replayed); how many."""
    deleted, _ = ReceivedNonce.objects.filter(expires_at__lt=now or timezone.now()).delete()
    return deleted
