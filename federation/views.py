"""The protocol endpoints peers call (docs/federation.md §5–6): plain views, not DRF, because the
signature covers the raw body; csrf-exempt, because a peer is authenticated by its signature, not by a
session cookie.

Every refusal is answered ``{"detail", "code"}`` and audited once (``signing.refusal_audit``); a request
that passes is answered 200 with one result per envelope. The batch commits once, before the answer (so a
message is answered only once it is stored), and each envelope is received under a savepoint of its own,
so one message's failure does not undo the others: one commit per POST instead of one per message, which
is what bounds a node's messages per second (bench/federation.py).
"""

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from .envelope import Envelope, envelopes_parse
from .inbox import message_receive
from .models import Peer
from .node import fingerprint, public_key_b64, this_node
from .signing import Refused, refusal_audit, verify_request


@csrf_exempt
@require_POST
def messages_receive(request: HttpRequest) -> JsonResponse:
    try:
        peer = verify_request(request)
        envelopes = _envelopes_checked(request, peer)
    except Refused as refused:
        refusal_audit(request, refused)  # with the message ids, when the body parses
        return JsonResponse({"detail": refused.detail, "code": refused.code}, status=refused.status)
    with transaction.atomic():
        results = [message_receive(peer=peer, envelope=envelope) for envelope in envelopes]
    return JsonResponse({"results": results})


@require_GET
def node_info(request: HttpRequest) -> JsonResponse:
    """This node's identity and public key, unsigned and public: what ``federation_peer_add --fetch``
    reads. The key is trusted only once its fingerprint is confirmed out of band."""
    node = this_node()
    if not node.node_id:
        return JsonResponse(
            {"detail": "Federation is off on this node.", "code": "federation_off"}, status=404
        )
    try:
        public = public_key_b64()
    except ImproperlyConfigured:
        return JsonResponse({"detail": "This node has no key yet.", "code": "no_node_key"}, status=503)
    identity = {"node_id": node.node_id, "level": node.level, "region": node.region, "name": node.name}
    return JsonResponse(
        {**identity, "url": node.url, "public_key": public, "fingerprint": fingerprint(public)},
        json_dumps_params={"ensure_ascii": False},
    )


def _envelopes_checked(request: HttpRequest, peer: Peer) -> list[Envelope]:
    """The envelopes, each from the verified peer and to this node: a peer speaks only for itself."""
    try:
        envelopes = envelopes_parse(request.body)
    except ValueError as exc:
        raise Refused("bad_envelope", detail=str(exc), node_id=peer.node_id, peer=peer) from None
    here = this_node().node_id
    for envelope in envelopes:
        if envelope.sender != peer.node_id or envelope.recipient != here:
            detail = f"{envelope.id} is from {envelope.sender!r} to {envelope.recipient!r}"
            raise Refused("bad_envelope", detail=detail, node_id=peer.node_id, peer=peer)
    return envelopes
