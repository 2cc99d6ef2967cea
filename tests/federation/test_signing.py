"""Signed requests between nodes (docs/federation.md §5): a good one passes once; every other is refused with
its code and leaves one ``federation.refuse`` row. Every clock is explicit (``now=``): nothing sleeps."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.http import HttpRequest
from django.test import RequestFactory

from audit.models import AuditEvent, Outcome
from federation import signing
from federation.models import Peer, PeerStatus, ReceivedNonce
from tests.federation.conftest import post_prepared

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 10, 9, 8, 0, 0, tzinfo=UTC)
TTL = timedelta(seconds=300)
SKEW = timedelta(seconds=30)
MESSAGE_ID = str(uuid.UUID(int=7))


@pytest.fixture(autouse=True)
def federation_clock(settings, node_key):
    settings.FEDERATION = {**settings.FEDERATION, "SIGNATURE_TTL": 300, "CLOCK_SKEW": 30}


@pytest.fixture
def province(make_peer) -> Peer:
    return make_peer(level="province", region="350000")


@pytest.fixture
def county(make_peer) -> Peer:
    return make_peer(level="county", region="350503")


def hello(sender: Peer) -> dict:
    envelope = {
        "v": 1,
        "id": MESSAGE_ID,
        "kind": "node.hello",
        "from": sender.node_id,
        "to": "fj-350500",
        "stream": "node",
        "seq": 1,
        "sent_at": "2026-10-09T08:00:00Z",
        "body": {"note": "你好"},
    }
    return {"messages": [envelope]}


def as_peer(peer: Peer, **options) -> dict:
    return {"key": peer.private_key, "node_id": peer.node_id, "now": NOW, **options}  # type: ignore[attr-defined]


def verify_as_the_view_does(request: HttpRequest, *, now: datetime = NOW) -> Peer | signing.Refused:
    try:
        return signing.verify_request(request, now=now)
    except signing.Refused as refused:
        signing.refusal_audit(request, refused)
        return refused


def assert_refused(outcome, code: str, status: int) -> AuditEvent:
    assert isinstance(outcome, signing.Refused), outcome
    assert (outcome.code, outcome.status) == (code, status)
    event = AuditEvent.objects.get(action="federation.refuse")
    assert event.outcome == Outcome.DENIED
    assert event.detail["code"] == code
    assert event.client_ip == "192.0.2.7"
    return event


def test_a_good_request_passes_and_spends_its_nonce(signed_request, province):
    request = signed_request(hello(province), **as_peer(province, nonce="n" * 22))

    assert verify_as_the_view_does(request) == province
    spent = ReceivedNonce.objects.get(peer=province)
    assert spent.nonce == "n" * 22
    assert spent.expires_at == NOW + TTL + SKEW  # replayable no longer than the signature lives, plus skew
    assert not AuditEvent.objects.filter(action="federation.refuse").exists()


def test_the_signature_covers_the_five_components_with_our_tag(signed_request, province):
    request = signed_request(hello(province), **as_peer(province))

    signature_input = request.headers["Signature-Input"]
    assert signature_input.startswith('dp=("@method" "@path" "@query" "content-digest" "x-node-id");')
    for parameter in (
        f"created={int(NOW.timestamp())}",
        f'keyid="{province.node_id}"',
        'alg="ed25519"',
        f"expires={int((NOW + TTL).timestamp())}",
        "nonce=",
        'tag="dp-federation-1"',
    ):
        assert parameter in signature_input
    assert request.headers["Content-Digest"] == signing.content_digest(request.body)


def test_clocks_within_the_skew_pass(signed_request, province):
    request = signed_request(hello(province), **as_peer(province, now=NOW + SKEW))  # sender's clock ahead

    assert verify_as_the_view_does(request, now=NOW) == province


def test_an_unknown_node_is_refused(signed_request):
    stranger = Ed25519PrivateKey.generate()
    request = signed_request({"messages": []}, key=stranger, node_id="fj-999900", now=NOW)

    event = assert_refused(verify_as_the_view_does(request), "unknown_node", 401)
    assert event.detail["node_id"] == "fj-999900"


def test_a_suspended_node_is_refused(signed_request, make_peer):
    suspended = make_peer(level="province", status=PeerStatus.SUSPENDED, status_reason="密钥泄露")
    request = signed_request(hello(suspended), **as_peer(suspended))

    event = assert_refused(verify_as_the_view_does(request), "node_suspended", 403)
    assert event.object_id == str(suspended.pk)
    assert not ReceivedNonce.objects.exists()


def test_a_forged_signature_is_refused(signed_request, province):
    forger = Ed25519PrivateKey.generate()
    request = signed_request(hello(province), **as_peer(province, key=forger))

    event = assert_refused(verify_as_the_view_does(request), "bad_signature", 401)
    assert event.detail["node_id"] == province.node_id
    assert event.detail["message_ids"] == [MESSAGE_ID]  # the sender's send rows can be found from here
    assert not ReceivedNonce.objects.exists()


def test_a_body_changed_after_signing_is_refused(signed_request, province):
    def change_body(req):
        req.body = req.body.replace("你好".encode(), "再见".encode())

    request = signed_request(hello(province), **as_peer(province, tamper=change_body))

    assert_refused(verify_as_the_view_does(request), "digest_mismatch", 400)
    assert not ReceivedNonce.objects.exists()


def test_a_changed_node_id_is_refused(signed_request, province, county):
    def claim_to_be_the_county(req):
        req.headers["X-Node-Id"] = county.node_id

    request = signed_request(hello(province), **as_peer(province, tamper=claim_to_be_the_county))

    event = assert_refused(verify_as_the_view_does(request), "bad_signature", 401)
    assert event.detail["node_id"] == county.node_id


def test_a_changed_path_is_refused(signed_request, province):
    def other_path(req):
        req.url = req.url.replace("/messages/", "/catalog/")

    request = signed_request(hello(province), **as_peer(province, tamper=other_path))

    assert_refused(verify_as_the_view_does(request), "bad_signature", 401)


def test_a_changed_query_is_refused(signed_request, province):
    def add_query(req):
        req.url += "?since=0"

    request = signed_request(hello(province), **as_peer(province, tamper=add_query))

    assert_refused(verify_as_the_view_does(request), "bad_signature", 401)


def test_a_signature_created_ttl_and_skew_ago_has_expired(signed_request, province):
    request = signed_request(
        hello(province), **as_peer(province, now=NOW - TTL - SKEW - timedelta(seconds=1))
    )

    assert_refused(verify_as_the_view_does(request), "signature_expired", 401)


def test_a_signature_whose_expires_has_passed_is_refused(signed_request, province):
    # Created a minute ago (well within the TTL), but signed to expire 31 s ago, beyond the skew.
    request = signed_request(
        hello(province), **as_peer(province, now=NOW - timedelta(seconds=60), lifetime=timedelta(seconds=29))
    )

    event = assert_refused(verify_as_the_view_does(request), "signature_expired", 401)
    assert "expires" in event.detail["reason"]


def test_a_signature_created_in_the_future_is_refused(signed_request, province):
    request = signed_request(hello(province), **as_peer(province, now=NOW + SKEW + timedelta(seconds=1)))

    assert_refused(verify_as_the_view_does(request), "signature_expired", 401)


def test_a_signature_living_longer_than_the_ttl_is_refused(signed_request, province):
    request = signed_request(hello(province), **as_peer(province, lifetime=TTL + timedelta(seconds=1)))

    assert_refused(verify_as_the_view_does(request), "signature_expired", 401)


def test_a_signature_without_a_nonce_is_refused(signed_request, province):
    request = signed_request(hello(province), **as_peer(province, with_nonce=False))

    assert_refused(verify_as_the_view_does(request), "bad_signature", 401)
    assert not ReceivedNonce.objects.exists()


def test_a_signature_with_a_short_nonce_is_refused(signed_request, province):
    request = signed_request(hello(province), **as_peer(province, nonce="1"))

    assert_refused(verify_as_the_view_does(request), "bad_signature", 401)


def test_a_signature_without_expires_is_refused(signed_request, province):
    request = signed_request(hello(province), **as_peer(province, with_expires=False))

    event = assert_refused(verify_as_the_view_does(request), "bad_signature", 401)
    assert "expires" in event.detail["reason"]


def test_a_signature_not_covering_the_digest_is_refused(signed_request, province):
    without_digest = tuple(c for c in signing.COVERED if c != "content-digest")

    def change_body(req):
        req.body = b'{"messages": []}'
        req.headers["Content-Digest"] = signing.content_digest(req.body)  # the uncovered digest is redone

    request = signed_request(hello(province), **as_peer(province, covered=without_digest, tamper=change_body))

    assert_refused(verify_as_the_view_does(request), "bad_signature", 401)


def test_the_same_nonce_twice_is_a_replay(signed_request, province):
    captured = as_peer(province, nonce="captured-nonce-0001")
    first = signed_request(hello(province), **captured)
    again = signed_request(hello(province), **captured)  # the same bytes, signed once, sent twice

    assert verify_as_the_view_does(first) == province
    event = assert_refused(verify_as_the_view_does(again, now=NOW + timedelta(seconds=10)), "replayed", 401)
    assert event.detail["nonce"] == "captured-nonce-0001"
    assert ReceivedNonce.objects.count() == 1


def test_a_keyid_other_than_the_node_id_is_refused(signed_request, province, county):
    # The county signs correctly with its own key and keyid, but presents itself as the province.
    request = signed_request(
        hello(province), key=county.private_key, node_id=province.node_id, keyid=county.node_id, now=NOW
    )

    assert_refused(verify_as_the_view_does(request), "bad_signature", 401)


@pytest.mark.parametrize("header", ["Signature", "Signature-Input", "X-Node-Id", "Content-Digest"])
def test_a_request_without_a_signature_header_is_refused(signed_request, province, header):
    def drop(req):
        del req.headers[header]

    request = signed_request(hello(province), **as_peer(province, tamper=drop))

    assert_refused(verify_as_the_view_does(request), "missing_signature", 401)


def test_a_body_over_the_limit_is_refused_unread(settings, signed_request, province):
    settings.FEDERATION = {**settings.FEDERATION, "MAX_BODY_BYTES": 100}
    request = signed_request({"messages": [], "padding": "x" * 200}, **as_peer(province))

    event = assert_refused(verify_as_the_view_does(request), "body_too_large", 413)
    assert event.detail["message_ids"] == []


def test_expired_nonces_are_purged(signed_request, province):
    verify_as_the_view_does(signed_request(hello(province), **as_peer(province)))

    assert signing.nonces_purge(now=NOW + TTL + SKEW) == 0  # still inside its signature's life
    assert signing.nonces_purge(now=NOW + TTL + SKEW + timedelta(seconds=1)) == 1
    assert not ReceivedNonce.objects.exists()


def test_this_node_signs_with_its_own_key(node_key, make_peer):
    # The other side of the exchange: this node as a peer of a receiver (the same key, public half stored).
    me = make_peer(level="city", key=node_key, node_id="fj-350500")
    req = requests.Request("POST", "http://testserver/federation/v1/messages/", data=b"{}").prepare()
    signing.sign_request(req, now=NOW)

    assert req.headers["X-Node-Id"] == "fj-350500"
    assert 'keyid="fj-350500"' in req.headers["Signature-Input"]
    assert signing.verify_request(post_prepared(RequestFactory(), req), now=NOW) == me


def test_the_endpoint_answers_a_refusal_with_its_code_and_audits_it_once(client, signed_post):
    stranger = Ed25519PrivateKey.generate()

    response = signed_post(client, {"messages": []}, key=stranger, node_id="fj-999900")

    assert response.status_code == 401
    assert response.json()["code"] == "unknown_node"
    assert AuditEvent.objects.filter(action="federation.refuse").count() == 1


def test_the_endpoint_takes_a_signed_request_once(client, signed_post, province):
    captured = as_peer(province, nonce="captured-at-the-proxy-01", now=None)  # the view's clock is real time

    first = signed_post(client, hello(province), **captured)
    again = signed_post(client, hello(province), **captured)

    assert first.status_code == 200, first.content
    assert [result["id"] for result in first.json()["results"]] == [MESSAGE_ID]
    assert (again.status_code, again.json()["code"]) == (401, "replayed")
    assert AuditEvent.objects.get(action="federation.refuse").detail["message_ids"] == [MESSAGE_ID]
