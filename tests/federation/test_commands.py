"""The operator's commands: the node key, trusting a peer, the status table (docs/federation.md §3, §12 D)."""

import json
import socket
import stat
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from audit.models import AuditEvent
from federation.models import OutboxMessage, OutboxStatus, Peer
from federation.node import fingerprint, private_key, public_key_b64, this_node

pytestmark = pytest.mark.django_db


@pytest.fixture
def key_file(settings, tmp_path):
    settings.NODE_ID = "fj-350500"
    settings.NODE_LEVEL = "city"
    settings.NODE_REGION = "350500"
    settings.NODE_KEY_FILE = str(tmp_path / "keys" / "node.pem")
    return tmp_path / "keys" / "node.pem"


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_keygen_writes_a_private_key_only_the_platform_can_read(key_file):
    output = run("federation_keygen")

    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
    assert isinstance(key, Ed25519PrivateKey)
    public = public_key_b64(key)
    assert len(public) == 44
    assert public in output and fingerprint(public) in output
    assert public_key_b64() == public  # the node's own key is read from NODE_KEY_FILE
    event = AuditEvent.objects.get(action="federation.key_generate")
    assert event.detail["public_key"] == public and event.detail["fingerprint"] == fingerprint(public)


def test_keygen_refuses_to_replace_a_key_without_force(key_file):
    run("federation_keygen")
    before = key_file.read_bytes()
    trusted = public_key_b64()

    with pytest.raises(CommandError, match="--force"):
        run("federation_keygen")

    assert key_file.read_bytes() == before
    assert AuditEvent.objects.filter(action="federation.key_generate").count() == 1
    run("federation_keygen", "--force")
    assert public_key_b64() != trusted  # the process sees the new key without a restart
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_a_missing_key_file_says_how_to_make_one(key_file):
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="federation_keygen"):
        private_key()


def test_fingerprint_is_sixteen_hex_digits_in_groups_of_four():
    public = public_key_b64(Ed25519PrivateKey.generate())
    assert [len(group) for group in fingerprint(public).split("-")] == [4, 4, 4, 4]


def test_this_node_is_read_from_the_settings(key_file, settings):
    settings.NODE_NAME = "泉州市公共数据汇聚共享平台"
    settings.NODE_URL = "https://data.quanzhou.example"
    assert this_node().node_id == "fj-350500"
    assert this_node().name == "泉州市公共数据汇聚共享平台"
    assert this_node().url == "https://data.quanzhou.example"


def province_args(public: str) -> list[str]:
    return [
        "--node-id=fj-350000",
        "--name=福建省公共数据汇聚共享平台",
        "--url=https://data.fujian.example/",
        "--level=province",
        "--region=350000",
        f"--public-key={public}",
    ]


def test_peer_add_trusts_a_node_given_on_the_command_line_and_audits_it(key_file):
    public = public_key_b64(Ed25519PrivateKey.generate())

    output = run("federation_peer_add", *province_args(public))

    peer = Peer.objects.get(node_id="fj-350000")
    assert (peer.level, peer.region, peer.public_key) == ("province", "350000", public)
    assert peer.url == "https://data.fujian.example"
    assert peer.relation == "upper"
    assert fingerprint(public) in output
    assert AuditEvent.objects.filter(action="federation.peer_create").count() == 1


def test_peer_add_again_updates_the_peer(key_file):
    run("federation_peer_add", *province_args(public_key_b64(Ed25519PrivateKey.generate())))
    new_key = public_key_b64(Ed25519PrivateKey.generate())

    run("federation_peer_add", *province_args(new_key))

    assert Peer.objects.get().public_key == new_key
    assert AuditEvent.objects.filter(action="federation.peer_change").count() == 1


def test_peer_add_refuses_a_key_that_is_not_32_bytes(key_file):
    with pytest.raises(CommandError, match="public_key"):
        run("federation_peer_add", *province_args("c2hvcnQ="))
    assert not Peer.objects.exists()


def test_peer_add_refuses_this_nodes_own_id(key_file):
    args = province_args(public_key_b64(Ed25519PrivateKey.generate()))
    with pytest.raises(CommandError, match="own id"):
        run("federation_peer_add", *args, "--node-id=fj-350500")


@pytest.fixture
def province_node():
    """A node answering GET /federation/v1/node/ over real HTTP, as another platform would."""
    public = public_key_b64(Ed25519PrivateKey.generate())
    info = {
        "node_id": "fj-350000",
        "level": "province",
        "region": "350000",
        "name": "福建省公共数据汇聚共享平台",
        "url": "http://127.0.0.1:9/",
        "public_key": public,
        "fingerprint": fingerprint(public),
    }

    class NodeInfo(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            found = self.path == "/federation/v1/node/"
            body = json.dumps(info if found else {"detail": "not found"}).encode()
            self.send_response(200 if found else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), NodeInfo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", info
    server.shutdown()
    server.server_close()


def test_peer_add_fetch_with_a_wrong_fingerprint_saves_nothing(key_file, province_node):
    address, info = province_node

    with pytest.raises(CommandError, match="not 0000-0000-0000-0000"):
        run("federation_peer_add", f"--fetch={address}", "--fingerprint=0000-0000-0000-0000")

    assert not Peer.objects.exists()
    assert not AuditEvent.objects.filter(action="federation.peer_create").exists()


def test_peer_add_fetch_shows_the_fingerprint_and_waits_for_it_to_be_confirmed(key_file, province_node):
    address, info = province_node
    out = StringIO()

    with pytest.raises(CommandError, match="--fingerprint"):
        call_command("federation_peer_add", f"--fetch={address}", stdout=out)

    assert info["fingerprint"] in out.getvalue()
    assert not Peer.objects.exists()


def test_peer_add_fetch_with_the_confirmed_fingerprint_trusts_the_node(key_file, province_node):
    address, info = province_node
    read_aloud = info["fingerprint"].replace("-", " ").upper()

    run("federation_peer_add", f"--fetch={address}", f"--fingerprint={read_aloud}", f"--url={address}")

    peer = Peer.objects.get()
    assert (peer.node_id, peer.level, peer.public_key) == ("fj-350000", "province", info["public_key"])
    assert peer.url == address  # the command line wins over what the node says of itself


def test_peer_add_fetch_from_no_node_fails_clearly(key_file, province_node):
    address, _ = province_node
    with pytest.raises(CommandError, match="Could not read the node"):
        run("federation_peer_add", f"--fetch={address}/elsewhere", "--fingerprint=0000")


def test_status_lists_each_peer_and_succeeds_when_none_fails(key_file):
    run("federation_peer_add", *province_args(public_key_b64(Ed25519PrivateKey.generate())))

    output = run("federation_status")

    assert "This node: fj-350500 (city 350500)" in output
    header, row = output.splitlines()[1:3]
    assert header.split()[:4] == ["node", "level", "region", "status"]
    assert row.split()[:8] == ["fj-350000", "province", "350000", "active", "0", "-", "0", "0"]
    assert "never" in row


def test_status_exits_1_and_names_the_error_when_a_peer_fails(key_file):
    run("federation_peer_add", *province_args(public_key_b64(Ed25519PrivateKey.generate())))
    Peer.objects.update(failures=3, last_error="ConnectionError: refused", last_error_at=timezone.now())
    err = StringIO()

    with pytest.raises(CommandError) as raised:
        call_command("federation_status", stdout=StringIO(), stderr=err)

    assert raised.value.returncode == 1
    assert "fj-350000: ConnectionError: refused" in err.getvalue()


def test_status_says_when_federation_is_off(settings):
    settings.NODE_ID = ""
    assert "federation is off" in run("federation_status")


@pytest.fixture
def down_province(key_file):
    """A province peer at a loopback port nobody listens on, with one hello waiting for it."""
    from federation.outbox import federation_send

    run("federation_keygen")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    args = province_args(public_key_b64(Ed25519PrivateKey.generate()))
    run("federation_peer_add", *args, f"--url=http://127.0.0.1:{port}")
    peer = Peer.objects.get()
    federation_send(peer=peer, kind="node.hello", stream="node", body={"note": "你好"})
    return peer


def test_deliver_once_reports_a_peer_that_is_down_and_keeps_its_backlog(down_province):
    output = run("federation_deliver", "--once")

    assert "fj-350000: 0 delivered (failures 1:" in output
    down_province.refresh_from_db()
    assert down_province.failures == 1 and down_province.next_attempt_at > timezone.now()
    assert OutboxMessage.objects.get().status == OutboxStatus.PENDING
    # Backing off: the next pass leaves the peer alone ...
    assert "fj-350000: 0 delivered (failures 1:" in run("federation_deliver", "--once")
    # ... unless the operator says the cause is fixed.
    assert "fj-350000: 0 delivered (failures 2:" in run("federation_deliver", "--once", "--retry-now")
    assert OutboxMessage.objects.get().status == OutboxStatus.PENDING
