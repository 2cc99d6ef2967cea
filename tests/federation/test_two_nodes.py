"""A province and a city as two real nodes (docs/federation.md §12, package E).

Each node is gunicorn on a loopback port with its own PostgreSQL database, key and ``NODE_*`` settings
(``harness.py``). The story: they register each other by fingerprint; the city's hellos reach the
province and both audit logs name the same message ids; the province dies while twenty messages wait on
two streams and, once it is back, each arrives once and in order; forged, expired, replayed and
unknown-node requests are refused and audited on the province.
"""

import json
import re
from pathlib import Path

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.federation.harness import Node, network, postgres_url

pytestmark = pytest.mark.federation

PROVINCE = ("province", "province", "350000")
CITY = ("city", "city", "350500")

# federation_send inside one transaction, as a workflow's history row would call it; REDIS_URL is unset,
# so deliver_peer runs eagerly when the transaction commits.
SEND = """
import json
from django.db import transaction
from federation.models import Peer
from federation.outbox import federation_send
peer = Peer.objects.get(node_id={peer!r})
with transaction.atomic():
    sent = [federation_send(peer=peer, kind="node.hello", stream=stream, body={{"note": f"hello {{n}}"}})
            for n, stream in enumerate({streams!r})]
print(json.dumps([str(message.id) for message in sent]))
"""

# Requests signed by the node's own code (federation.signing.sign_request), printed instead of sent: one
# an attacker on the wire would capture, one from a clock an hour behind, one with a key that is not the
# node's (forged) and one from a node the province never registered.
SIGNED = """
import json, uuid
from datetime import timedelta
import requests
from django.test import override_settings
from django.utils import timezone
from federation.node import this_node
from federation.signing import sign_request

def signed(age=0):
    now = timezone.now() - timedelta(seconds=age)
    envelope = {{"v": 1, "id": str(uuid.uuid4()), "kind": "node.hello", "from": this_node().node_id,
                "to": {recipient!r}, "stream": "probe", "seq": 1, "sent_at": now.isoformat(),
                "body": {{"note": "probe"}}}}
    request = requests.Request("POST", {url!r}, data=json.dumps({{"messages": [envelope]}}).encode(),
                               headers={{"Content-Type": "application/json"}}).prepare()
    sign_request(request, now=now)
    return {{"headers": dict(request.headers), "body": request.body.decode()}}

signed_requests = {{"captured": signed(), "expired": signed(age=3600)}}
with override_settings(NODE_KEY_FILE={forged_key!r}):
    signed_requests["forged"] = signed()
with override_settings(NODE_ID="fj-350600", NODE_REGION="350600", NODE_KEY_FILE={stranger_key!r}):
    signed_requests["stranger"] = signed()
print(json.dumps(signed_requests))
"""

# The node's own people and an entry published through the catalog workflow (tests.factories), as the
# units and the authority of that region would: the workflow's history rows queue the cascade.
PEOPLE = """
from dataplatform.core.models import Role, User
from dataplatform.core.models.units import Level, UnitKind
from tests import factories
if not User.objects.filter(username="producer").exists():
    region = factories.region({region!r}, {region_name!r}, {level!r})
    authority = factories.unit({region_name!r} + "大数据管理局", UnitKind.AUTHORITY, region)
    producer_unit = factories.unit({region_name!r} + "市场监督管理局", UnitKind.GOVERNMENT, region)
    factories.person(producer_unit, Role.DATA_ADMIN, username="producer")
    factories.person(authority, Role.REVIEWER, username="reviewer")
print("true")
"""
CATALOG = """
import json
from catalog.models import Resource
from catalog.services import resource_update
from catalog.workflow import resource_transition
from dataplatform.core.models import User
from tests.factories.sharing import publish
producer, reviewer = User.objects.get(username="producer"), User.objects.get(username="reviewer")
step = {step!r}
if step == "publish":
    publish(producer, reviewer, code={code!r}, name={name!r}, **{fields!r})
elif step == "revise":
    entry = resource_transition(resource=Resource.objects.get(code={code!r}), to="draft", actor=producer)
    resource_update(actor=producer, resource=entry, name={name!r})
    entry = resource_transition(resource=entry, to="submitted", actor=producer)
    resource_transition(resource=entry, to="published", actor=reviewer)
elif step == "retire":
    entry = Resource.objects.get(code={code!r})
    resource_transition(resource=entry, to="retired", actor=producer, reason="数据源停用")
print(json.dumps(step))
"""


@pytest.fixture(scope="module")
def nodes(tmp_path_factory):
    if not postgres_url():
        pytest.skip("the federation harness needs DATABASE_URL on PostgreSQL (make test sets it)")
    with network(tmp_path_factory.mktemp("federation"), PROVINCE, CITY) as started:
        yield started


# --- reading a node's tables -------------------------------------------------------------------------


def audit_ids(node: Node, action: str, **detail: str) -> list[str]:
    """The message ids of a node's audit events of ``action``, in the order they were recorded."""
    where = "".join(f" AND detail->>'{key}' = %s" for key in detail)
    rows = node.sql(
        f"SELECT detail->>'message_id' FROM audit_auditevent WHERE action = %s{where} ORDER BY id",
        [action, *detail.values()],
    )
    return [row[0] for row in rows]


def inbox(node: Node, *, stream: str) -> list[tuple[int, str, str]]:
    """(seq, message id, status) of a stream's received messages, in the order they were inserted."""
    rows = node.sql(
        "SELECT seq, message_id::text, status FROM federation_inboxmessage WHERE stream = %s ORDER BY id",
        [stream],
    )
    return [tuple(row) for row in rows]


def outbox(node: Node, *, stream: str) -> list[tuple[int, str, str]]:
    rows = node.sql(
        "SELECT seq, id::text, status FROM federation_outboxmessage WHERE stream = %s ORDER BY seq",
        [stream],
    )
    return [tuple(row) for row in rows]


def peer_row(node: Node, peer: Node) -> dict:
    rows = node.sql(
        "SELECT node_id, level, region, url, public_key, status, failures, last_error "
        "FROM federation_peer WHERE node_id = %s",
        [peer.node_id],
    )
    keys = ["node_id", "level", "region", "url", "public_key", "status", "failures", "last_error"]
    return dict(zip(keys, rows[0], strict=True)) if rows else {}


# --- what the nodes do -------------------------------------------------------------------------------


def status_of(node: Node, peer: Node) -> tuple[int, str]:
    """``federation_status``'s exit code and the peer's backlog column, as an administrator reads them."""
    done = node.run("federation_status")
    rows = [line.split() for line in done.stdout.splitlines()]
    header = next(row for row in rows if row[:1] == ["node"])
    row = next(row for row in rows if row[:1] == [peer.node_id])
    return done.returncode, row[header.index("backlog")]


def register(node: Node, peer: Node) -> None:
    """``node`` adds ``peer`` from its /federation/v1/node/, confirming the fingerprint the peer's
    operator read out from ``federation_keygen``."""
    node.manage("federation_peer_add", "--fetch", peer.url, "--fingerprint", peer.fingerprint)


def send(node: Node, peer: Node, streams: list[str]) -> list[str]:
    return node.shell(SEND.format(peer=peer.node_id, streams=streams))


def signed_requests(node: Node, recipient: Node, keys: Path) -> dict[str, dict]:
    code = SIGNED.format(
        recipient=recipient.node_id,
        url=f"{recipient.url}/federation/v1/messages/",
        forged_key=key_file(keys / "forged.pem"),
        stranger_key=key_file(keys / "stranger.pem"),
    )
    captured_requests = node.shell(code)
    for captured in captured_requests.values():
        captured["nonce"] = re.search(r'nonce="([^"]+)"', captured["headers"]["Signature-Input"]).group(1)
        captured["message_id"] = json.loads(captured["body"])["messages"][0]["id"]
    return captured_requests


def post(recipient: Node, captured: dict) -> requests.Response:
    return requests.post(
        f"{recipient.url}/federation/v1/messages/",
        data=captured["body"].encode(),
        headers=captured["headers"],
        timeout=30,
    )


def key_file(path: Path) -> str:
    """A key no peer has registered: the forger's, or a stranger node's."""
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path.write_bytes(pem)
    path.chmod(0o600)
    return str(path)


# --- the tests ---------------------------------------------------------------------------------------


def test_two_nodes_start_on_their_own_ports_and_databases_and_answer_healthz(nodes):
    province, city = nodes
    assert province.port != city.port
    for node in nodes:
        assert requests.get(f"{node.url}/healthz", timeout=10).json()["status"] == "ok"
        assert node.scalar("SELECT current_database()") == node.database
    assert province.database != city.database


def test_province_and_city_exchange_signed_messages_once_in_order_and_refuse_forgeries(nodes, tmp_path):
    province, city = nodes
    each_registers_the_other(province, city)
    hellos = hellos_reach_the_province_under_the_same_ids(city, province)
    queued = messages_queued_while_the_province_is_dead_arrive_once_in_order(city, province)

    received = audit_ids(province, "federation.receive")
    assert sorted(received) == sorted(hellos + queued)  # nothing twice, nothing lost
    assert sorted(audit_ids(city, "federation.send")) == sorted(received)
    assert sorted(audit_ids(city, "federation.deliver")) == sorted(received)

    forged_expired_replayed_and_unknown_requests_are_refused_and_audited(city, province, tmp_path)


def test_catalogs_cascade_between_the_levels_with_their_versions_and_retirements(nodes):
    """A city's shared entry is registered with the province, with the national catalog metadata; the
    province's reaches the city, read-only; a new version and a retirement follow; what is not shared with
    every government unit (here: its own region's only) stays at home."""
    province, city = nodes
    registered(province, city)
    city.shell(PEOPLE.format(region="350500", region_name="泉州市", level="city"))
    # The province's people in a region of level "city": the regions' levels stop at the city.
    province.shell(PEOPLE.format(region="350000", region_name="福建省", level="city"))

    catalog_step(city, "publish", "QZ-SCJG-0001", "泉州市企业登记信息")
    catalog_step(city, "publish", "QZ-SCJG-0002", "泉州市本级名录", share_scope="same_region")
    catalog_step(province, "publish", "FJ-SCJG-0001", "福建省企业信用信息")
    for node in nodes:
        node.manage("federation_deliver", "--once")  # what the timer would do; the eager task did most

    assert remote_entries(province) == [("fj-350500", "QZ-SCJG-0001", 1, "泉州市企业登记信息", "active")]
    assert remote_entries(city) == [("fj-350000", "FJ-SCJG-0001", 1, "福建省企业信用信息", "active")]
    metadata = province.scalar("SELECT metadata FROM federation_remoteentry WHERE code = 'QZ-SCJG-0001'")
    assert [row["信息项名称"] for row in metadata] == ["统一社会信用代码", "企业名称", "成立日期", "注册资本"]
    assert {row["信息资源代码"] for row in metadata} == {"QZ-SCJG-0001"}

    catalog_step(city, "revise", "QZ-SCJG-0001", "泉州市企业登记信息（含变更）")
    city.manage("federation_deliver", "--once")
    assert remote_entries(province)[0][2:] == (2, "泉州市企业登记信息（含变更）", "active")
    catalog_step(city, "retire", "QZ-SCJG-0001", "")
    city.manage("federation_deliver", "--once")
    assert remote_entries(province)[0][2:] == (2, "泉州市企业登记信息（含变更）", "retired")

    # Both logs name each message of the entry's stream under the same id, in the same order.
    stream = {"stream": "entry:QZ-SCJG-0001"}
    sent = audit_ids(city, "federation.send", **stream)
    assert len(sent) == 3
    assert audit_ids(province, "federation.apply", **stream) == sent


# --- the story's steps ---------------------------------------------------------------------------------


def registered(province: Node, city: Node) -> None:
    """Each trusts the other (the first test registers them; this one may run alone)."""
    if not peer_row(province, city) or not peer_row(city, province):
        each_registers_the_other(province, city)


def catalog_step(node: Node, step: str, code: str, name: str, **fields: str) -> None:
    node.shell(CATALOG.format(step=step, code=code, name=name, fields=fields))


def remote_entries(node: Node) -> list[tuple]:
    """(origin node, code, version, name, status) of the entries of other nodes that ``node`` holds."""
    rows = node.sql(
        "SELECT peer.node_id, entry.code, entry.version, entry.name, entry.status "
        "FROM federation_remoteentry entry JOIN federation_peer peer ON peer.id = entry.origin_id "
        "ORDER BY peer.node_id, entry.code"
    )
    return [tuple(row) for row in rows]


def each_registers_the_other(province: Node, city: Node) -> None:
    """From the other's node document, trusted on the fingerprint read out of band."""
    for node, peer in [(province, city), (city, province)]:
        register(node, peer)
        registered = peer_row(node, peer)
        assert registered["public_key"] == peer.public_key
        assert (registered["level"], registered["region"]) == (peer.level, peer.region)
        assert registered["url"].rstrip("/") == peer.url
        assert registered["status"] == "active"


def hellos_reach_the_province_under_the_same_ids(city: Node, province: Node) -> list[str]:
    hellos = send(city, province, ["node", "node", "node"])
    city.manage("federation_deliver", "--once")
    assert [message_id for _, message_id, _ in inbox(province, stream="node")] == hellos
    assert {status for *_, status in inbox(province, stream="node")} == {"applied"}
    assert audit_ids(city, "federation.send") == hellos
    assert audit_ids(city, "federation.deliver") == hellos
    assert audit_ids(province, "federation.receive") == hellos
    assert audit_ids(province, "federation.apply") == hellos
    return hellos


def messages_queued_while_the_province_is_dead_arrive_once_in_order(city: Node, province: Node) -> list[str]:
    province.kill()
    queued = send(city, province, ["report:a", "report:b"] * 10)
    city.manage("federation_deliver", "--once")
    assert city.scalar("SELECT count(*) FROM federation_outboxmessage WHERE status = 'pending'") == 20
    down = peer_row(city, province)
    assert down["failures"] >= 1 and down["last_error"]
    assert status_of(city, province) == (1, "20")  # the administrator sees the backlog and the failure

    # It comes back, and the operator retries now rather than wait out the back-off.
    province.start()
    city.manage("federation_deliver", "--once", "--retry-now")
    assert city.scalar("SELECT count(*) FROM federation_outboxmessage WHERE status = 'pending'") == 0
    assert peer_row(city, province)["failures"] == 0
    assert status_of(city, province) == (0, "0")
    for stream in ["report:a", "report:b"]:
        sent = outbox(city, stream=stream)
        assert [seq for seq, *_ in sent] == list(range(1, 11))
        assert {status for *_, status in sent} == {"delivered"}
        # Received once each, inserted and applied in seq order.
        received = [(seq, message_id) for seq, message_id, _ in inbox(province, stream=stream)]
        assert received == [(seq, message_id) for seq, message_id, _ in sent]
        applied = audit_ids(province, "federation.apply", stream=stream)
        assert applied == [message_id for _, message_id, _ in sent]
    return queued


def forged_expired_replayed_and_unknown_requests_are_refused_and_audited(
    city: Node, province: Node, keys: Path
) -> None:
    signed = signed_requests(city, province, keys)
    assert post(province, signed["captured"]).status_code == 200  # the genuine request, once
    attempts = {
        "bad_signature": signed["forged"],
        "signature_expired": signed["expired"],
        "replayed": signed["captured"],
        "unknown_node": signed["stranger"],
    }
    for code, request in attempts.items():
        answer = post(province, request)
        assert answer.status_code in (401, 403), (code, answer.status_code, answer.text)
        assert answer.json()["code"] == code

    # One refusal each in the province's audit, with the nonce of the request it refused.
    refusals = province.sql(
        "SELECT detail->>'code', detail->>'nonce' FROM audit_auditevent "
        "WHERE action = 'federation.refuse' AND outcome = 'denied' ORDER BY id"
    )
    assert sorted(refusals) == sorted((code, request["nonce"]) for code, request in attempts.items())
    refused_ids = [request["message_id"] for code, request in attempts.items() if code != "replayed"]
    received = province.scalar(
        "SELECT count(*) FROM federation_inboxmessage WHERE message_id::text = ANY(%s)", [refused_ids]
    )
    assert received == 0
    assert audit_ids(province, "federation.receive").count(signed["captured"]["message_id"]) == 1
