"""The platform administrator's peers: add, edit, suspend with a reason and resume, each audited; the pages
are theirs alone; the node page shows this node's key (docs/federation.md §10, package A)."""

import base64

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.models import AuditEvent
from dataplatform.core.errors import ApplicationError
from federation.models import InboxMessage, OutboxMessage, Peer, PeerStatus
from federation.navigation import federation_links
from federation.node import fingerprint, generate_key_file
from federation.peers import peer_resume, peer_save, peer_suspend
from federation.selectors import federation_summary, peer_states

pytestmark = pytest.mark.django_db


def a_public_key() -> str:
    raw = (
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    return base64.b64encode(raw).decode()


def province_fields(**more) -> dict:
    return {
        "node_id": "fj-350000",
        "name": "福建省公共数据汇聚共享平台",
        "url": "https://data.fujian.example",
        "level": "province",
        "region": "350000",
        "public_key": a_public_key(),
        **more,
    }


@pytest.fixture
def province(platform_admin) -> Peer:
    return peer_save(actor=platform_admin, peer=None, **province_fields())


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


# --- services ------------------------------------------------------------------------------------------


def test_adding_a_peer_is_audited_with_its_key(province, platform_admin):
    (event,) = events("federation.peer_create")
    assert event.actor == platform_admin
    assert event.object_id == str(province.pk)
    assert event.detail["peer"] == "fj-350000"
    assert event.detail["public_key"] == province.public_key


def test_a_province_is_the_upper_node_of_a_city(province, settings):
    settings.NODE_LEVEL = "city"
    assert province.relation == "upper"
    settings.NODE_LEVEL = "province"
    assert province.relation == "same"


def test_editing_a_peer_audits_what_changed(province, platform_admin):
    peer_save(actor=platform_admin, peer=province, url="https://new.fujian.example", name=province.name)
    (event,) = events("federation.peer_change")
    assert event.detail["changed"] == ["url"]
    assert Peer.objects.get().url == "https://new.fujian.example"


@pytest.mark.parametrize(
    "bad",
    [
        {"public_key": "not base64!"},
        {"public_key": base64.b64encode(b"x" * 31).decode()},  # 31 bytes
        {"node_id": "FJ 350000"},
        {"region": "3500"},
    ],
)
def test_a_peer_with_a_bad_key_id_or_region_is_refused(platform_admin, bad):
    with pytest.raises(ValidationError) as refused:
        peer_save(actor=platform_admin, peer=None, **province_fields(**bad))
    assert set(refused.value.message_dict) == set(bad)
    assert not Peer.objects.exists()
    assert not events("federation.peer_create")


def test_suspending_needs_a_reason_and_keeps_it(province, platform_admin):
    with pytest.raises(ApplicationError):
        peer_suspend(actor=platform_admin, peer=province, reason="  ")
    peer_suspend(actor=platform_admin, peer=province, reason="密钥泄露")
    province.refresh_from_db()
    assert province.status == PeerStatus.SUSPENDED
    assert province.status_reason == "密钥泄露"
    (event,) = events("federation.peer_suspend")
    assert event.detail["reason"] == "密钥泄露"


def test_resuming_clears_the_back_off(province, platform_admin):
    peer_suspend(actor=platform_admin, peer=province, reason="维护")
    Peer.objects.filter(pk=province.pk).update(failures=3)
    peer_resume(actor=platform_admin, peer=province)
    province.refresh_from_db()
    assert (province.status, province.status_reason, province.failures) == (PeerStatus.ACTIVE, "", 0)
    assert len(events("federation.peer_resume")) == 1
    with pytest.raises(ApplicationError):
        peer_resume(actor=platform_admin, peer=province)


def test_peer_states_count_the_backlog_and_parked_rows(province):
    for seq in (1, 2, 3):
        OutboxMessage.objects.create(peer=province, kind="node.hello", stream="node", seq=seq, body={})
    OutboxMessage.objects.create(peer=province, kind="node.hello", stream="x", seq=1, status="delivered")
    for seq in (5, 6):
        InboxMessage.objects.create(
            message_id=f"00000000-0000-4000-8000-00000000000{seq}",
            peer=province,
            kind="node.hello",
            stream="node",
            seq=seq,
        )
    Peer.objects.filter(pk=province.pk).update(failures=2, last_error="connection refused")
    (state,) = peer_states()
    assert (state.backlog, state.parked, state.last_error) == (3, 2, "connection refused")
    assert (
        state.oldest_pending_at
        == OutboxMessage.objects.filter(stream="node").earliest("created_at").created_at
    )
    summary = federation_summary()
    assert (summary.peers, summary.down, summary.backlog) == (1, 1, 3)


# --- pages ---------------------------------------------------------------------------------------------


def test_the_administrator_adds_a_peer_on_the_page(client, platform_admin):
    client.force_login(platform_admin)
    response = client.post(reverse("federation-peers"), province_fields(unit=""))
    peer = Peer.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("federation-peer", args=[peer.pk])
    page = client.get(reverse("federation-peers"))
    assert 'data-node="fj-350000"' in page.content.decode()
    assert len(events("federation.peer_create")) == 1


def test_a_wrong_key_on_the_page_is_shown_not_saved(client, platform_admin):
    client.force_login(platform_admin)
    response = client.post(reverse("federation-peers"), province_fields(public_key="AAAA", unit=""))
    assert response.status_code == 200
    assert 'data-testid="field-error"' in response.content.decode()
    assert not Peer.objects.exists()


def test_the_administrator_edits_suspends_and_resumes_on_the_page(client, platform_admin, province):
    client.force_login(platform_admin)
    url = reverse("federation-peer", args=[province.pk])
    page = client.get(url)
    assert fingerprint(province.public_key) in page.content.decode()
    fields = province_fields(public_key=province.public_key, name="福建省平台", unit="")
    assert client.post(url, {"action": "edit", **fields}).status_code == 302
    assert client.post(url, {"action": "suspend", "reason": ""}).status_code == 200  # the reason is required
    assert client.post(url, {"action": "suspend", "reason": "停机迁移"}).status_code == 302
    province.refresh_from_db()
    assert (province.name, province.status, province.status_reason) == ("福建省平台", "suspended", "停机迁移")
    assert "停机迁移" in client.get(url).content.decode()
    assert client.post(url, {"action": "resume"}).status_code == 302
    province.refresh_from_db()
    assert province.status == PeerStatus.ACTIVE
    actions = list(
        AuditEvent.objects.filter(action__startswith="federation.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "federation.peer_create",
        "federation.peer_change",
        "federation.peer_suspend",
        "federation.peer_resume",
    ]


def test_the_node_page_shows_this_nodes_key(client, platform_admin, settings, tmp_path):
    settings.NODE_ID = "fj-350500"
    settings.NODE_REGION = "350500"
    settings.NODE_KEY_FILE = str(tmp_path / "node.pem")
    public = generate_key_file(tmp_path / "node.pem")
    client.force_login(platform_admin)
    page = client.get(reverse("federation-node")).content.decode()
    assert public in page
    assert fingerprint(public) in page
    assert "fj-350500" in page


def test_the_node_page_says_when_there_is_no_key(client, platform_admin, settings, tmp_path):
    settings.NODE_KEY_FILE = str(tmp_path / "absent.pem")
    client.force_login(platform_admin)
    response = client.get(reverse("federation-node"))
    assert response.status_code == 200
    assert 'data-testid="no-key"' in response.content.decode()


@pytest.mark.parametrize("name", ["federation-peers", "federation-node"])
def test_only_the_platform_administrator_sees_the_pages(client, reviewer, producer, name):
    for person in (reviewer, producer):
        client.force_login(person)
        assert client.get(reverse(name)).status_code == 403
    client.logout()
    assert client.get(reverse(name)).status_code == 302  # to the login page


def test_others_cannot_change_a_peer(client, reviewer, province):
    client.force_login(reviewer)
    url = reverse("federation-peer", args=[province.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"action": "suspend", "reason": "x"}).status_code == 403
    province.refresh_from_db()
    assert province.status == PeerStatus.ACTIVE


def test_a_missing_peer_is_404_for_the_administrator(client, platform_admin):
    client.force_login(platform_admin)
    assert client.get(reverse("federation-peer", args=[987654])).status_code == 404


def test_the_navigation_links_the_federation_for_the_administrator_only(platform_admin, reviewer):
    assert federation_links(platform_admin) == [
        (federation_links(platform_admin)[0][0], reverse("federation-peers"))
    ]
    assert federation_links(reviewer) == []


def test_the_supervision_dashboard_shows_the_peers_to_the_administrator(
    client, platform_admin, reviewer, province
):
    OutboxMessage.objects.create(peer=province, kind="node.hello", stream="node", seq=1, body={})
    client.force_login(platform_admin)
    page = client.get(reverse("supervision-dashboard")).content.decode()
    assert 'data-testid="federation-tile"' in page
    assert 'data-figure="federation_backlog">1<' in page
    client.force_login(reviewer)
    assert (
        'data-testid="federation-tile"' not in client.get(reverse("supervision-dashboard")).content.decode()
    )


def test_send_hello_queues_a_signed_message_to_the_peer(client, platform_admin, province):
    client.force_login(platform_admin)
    url = reverse("federation-peer", args=[province.pk])
    assert client.post(url, {"action": "hello", "note": "你好"}).status_code == 302
    (message,) = OutboxMessage.objects.all()
    assert (message.kind, message.stream, message.seq, message.body) == (
        "node.hello",
        "node",
        1,
        {"note": "你好"},
    )
    assert events("federation.send")[0].detail["message_id"] == str(message.id)
    assert 'data-figure="backlog">1<' in client.get(url).content.decode()
