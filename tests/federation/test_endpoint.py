"""The protocol endpoints (docs/federation.md §5–6): POST /federation/v1/messages/ answers a signed batch
with one result per envelope and refuses, with one audit row, anything that is not from the verified node
to this one; GET /federation/v1/node/ tells this node's identity and key."""

import uuid

import pytest
import requests
from django.urls import reverse

from audit.models import AuditEvent, Outcome
from federation.models import InboxMessage, OutboxMessage, OutboxStatus, Peer
from federation.node import fingerprint, public_key_b64
from federation.outbox import federation_send, outbox_deliver_peer
from tests.federation.conftest import post_prepared

pytestmark = pytest.mark.django_db

URL = "/federation/v1/messages/"


@pytest.fixture
def province(node_key, make_peer) -> Peer:
    return make_peer(level="province", region="350000")


def hello(sender: str, seq: int = 1, *, to: str = "fj-350500", **fields) -> dict:
    return {
        "v": 1,
        "id": str(uuid.uuid4()),
        "kind": "node.hello",
        "from": sender,
        "to": to,
        "stream": "node",
        "seq": seq,
        "sent_at": "2026-10-09T08:00:00Z",
        "body": {"note": "你好"},
        **fields,
    }


def post(signed_post, client, peer: Peer, *envelopes: dict, **options):
    return signed_post(
        client, {"messages": list(envelopes)}, key=peer.private_key, node_id=peer.node_id, **options
    )


def refusals() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="federation.refuse").order_by("pk"))


def test_the_urls_are_where_peers_post_and_fetch():
    assert reverse("federation-protocol-messages") == URL
    assert reverse("federation-protocol-node") == "/federation/v1/node/"


def test_a_signed_batch_is_answered_one_result_per_message(client, signed_post, province):
    first, second = hello(province.node_id, 1), hello(province.node_id, 2)

    response = post(signed_post, client, province, first, second)

    assert response.status_code == 200
    assert response.json() == {
        "results": [{"id": first["id"], "answer": "applied"}, {"id": second["id"], "answer": "applied"}]
    }
    assert set(InboxMessage.objects.filter(peer=province).values_list("seq", flat=True)) == {1, 2}
    received = AuditEvent.objects.get(action="federation.receive", detail__message_id=first["id"])
    assert (received.outcome, received.detail["peer"]) == (Outcome.OK, province.node_id)
    assert refusals() == []


def test_a_batch_sent_again_is_answered_duplicate(client, signed_post, province):
    first = hello(province.node_id)
    post(signed_post, client, province, first)

    again = post(signed_post, client, province, first)  # a fresh signature: a retry, not a replay

    assert again.json() == {"results": [{"id": first["id"], "answer": "duplicate"}]}
    assert InboxMessage.objects.count() == 1


def test_one_messages_failure_does_not_undo_the_others(client, signed_post, province):
    good, odd = hello(province.node_id, 1), hello(province.node_id, 1, kind="no.such.kind", stream="other")

    results = post(signed_post, client, province, good, odd).json()["results"]

    assert results[0] == {"id": good["id"], "answer": "applied"}
    assert (results[1]["id"], results[1]["error"]) == (odd["id"], "apply_failed")
    assert InboxMessage.objects.filter(message_id=good["id"]).exists()


def test_a_message_from_another_node_is_refused_and_audited(client, signed_post, province, make_peer):
    city = make_peer(level="city", region="350200")
    forged = hello(city.node_id)  # the province, speaking for the city

    response = post(signed_post, client, province, forged)

    assert response.status_code == 400
    assert response.json()["code"] == "bad_envelope"
    assert not InboxMessage.objects.exists()
    [refusal] = refusals()
    assert refusal.outcome == Outcome.DENIED
    assert refusal.detail | {"code": "bad_envelope", "node_id": province.node_id} == refusal.detail
    assert refusal.detail["message_ids"] == [forged["id"]]


def test_a_message_to_another_node_is_refused(client, signed_post, province):
    response = post(signed_post, client, province, hello(province.node_id, to="fj-350200"))

    assert (response.status_code, response.json()["code"]) == (400, "bad_envelope")
    assert [r.detail["code"] for r in refusals()] == ["bad_envelope"]


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        {"messages": []},
        {"messages": [{"v": 2}]},
        {"envelopes": []},
    ],
    ids=["not-json", "empty", "wrong-version", "no-messages"],
)
def test_a_body_that_is_not_a_batch_of_envelopes_is_refused(client, signed_post, province, body):
    response = signed_post(client, body, key=province.private_key, node_id=province.node_id)

    assert (response.status_code, response.json()["code"]) == (400, "bad_envelope")
    assert [r.detail["code"] for r in refusals()] == ["bad_envelope"]


def test_a_batch_over_the_limit_is_refused(client, signed_post, province, settings):
    settings.FEDERATION = {**settings.FEDERATION, "BATCH_MESSAGES": 1}

    response = post(signed_post, client, province, hello(province.node_id, 1), hello(province.node_id, 2))

    assert (response.status_code, response.json()["code"]) == (400, "bad_envelope")


def test_an_unsigned_post_is_refused_and_audited(client, province):
    response = client.post(URL, {"messages": [hello(province.node_id)]}, content_type="application/json")

    assert (response.status_code, response.json()["code"]) == (401, "missing_signature")
    assert [r.detail["code"] for r in refusals()] == ["missing_signature"]
    assert not InboxMessage.objects.exists()


def test_a_form_post_is_refused_as_unsigned_not_a_server_error(client, province):
    # A middleware parses form bodies before the view (the NUL-byte check), so the raw body is gone.
    response = client.post(URL, {"messages": "x"})

    assert (response.status_code, response.json()["code"]) == (401, "missing_signature")
    assert [r.detail["code"] for r in refusals()] == ["missing_signature"]


def test_messages_are_posted_not_fetched(client, province):
    assert client.get(URL).status_code == 405


def test_the_node_tells_its_identity_and_key(client, node_key):
    response = client.get(reverse("federation-protocol-node"))

    assert response.status_code == 200
    public = public_key_b64(node_key)
    assert response.json() == {
        "node_id": "fj-350500",
        "level": "city",
        "region": "350500",
        "name": "泉州市公共数据汇聚共享平台",
        "url": "http://testserver",
        "public_key": public,
        "fingerprint": fingerprint(public),
    }


def test_a_node_without_federation_has_no_identity_to_tell(client, settings):
    settings.NODE_ID = ""
    response = client.get(reverse("federation-protocol-node"))
    assert (response.status_code, response.json()["code"]) == (404, "federation_off")


def test_a_node_without_its_key_says_so(client, node_key, settings, tmp_path):
    settings.NODE_KEY_FILE = str(tmp_path / "absent.pem")
    response = client.get(reverse("federation-protocol-node"))
    assert (response.status_code, response.json()["code"]) == (503, "no_node_key")


def test_the_outbox_delivers_through_the_signed_endpoint(client, node_key, make_peer, monkeypatch, settings):
    """End to end in one process: this node is its own peer, so the real transport's signed request (a new
    signature per attempt, ``requests``' prepared request) goes through the real view and inbox."""
    myself = make_peer(
        level="city", region="350500", node_id="fj-350500", key=node_key, url="http://testserver/"
    )
    posted = []

    def send(session, request: requests.PreparedRequest, **options) -> requests.Response:
        posted.append((request.url, options["timeout"]))
        answer = post_prepared(client, request)
        response = requests.Response()
        response.status_code, response._content = answer.status_code, answer.content
        return response

    monkeypatch.setattr(requests.Session, "send", send)
    message = federation_send(peer=myself, kind="node.hello", stream="node", body={"note": "你好"})

    assert outbox_deliver_peer(myself.pk) == 1

    assert posted == [("http://testserver/federation/v1/messages/", settings.FEDERATION["TIMEOUT"])]
    message.refresh_from_db()
    assert (message.status, message.answer) == (OutboxStatus.DELIVERED, "applied")
    assert InboxMessage.objects.get(message_id=message.id).status == "applied"
    actions = AuditEvent.objects.filter(detail__message_id=str(message.id)).values_list("action", flat=True)
    assert sorted(actions) == [
        "federation.apply",
        "federation.deliver",
        "federation.receive",
        "federation.send",
    ]
    assert refusals() == []
    assert OutboxMessage.objects.filter(status=OutboxStatus.PENDING).count() == 0
