"""The catalog cascade (docs/federation.md §11): this city's entries shared with all government units go to its
upper and lower peers with the national catalog metadata; new versions and retirements follow; the receiving
node keeps them as read-only ``RemoteEntry`` rows that its government units search beside their own catalog.

Two nodes in one database: this node sends; ``Receiver`` takes its outbox into the same database's inbox as
the receiving node would, which knows this city as a Peer row of its own (``city_seen``).
"""

import uuid

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import CommandError, call_command
from django.utils import timezone

from catalog.models import Category, ShareScope, ShareType
from catalog.services import resource_update
from catalog.spreadsheet import COLUMNS, catalog_rows
from catalog.workflow import resource_transition
from dataplatform.core.models import Role
from dataplatform.core.models.units import UnitKind
from federation import node
from federation.cascade import PUBLISH, RETIRE, cascade_peers, catalog_send_all
from federation.envelope import Envelope
from federation.inbox import message_receive
from federation.models import OutboxMessage, Peer, PeerStatus, RemoteEntry, RemoteStatus
from federation.outbox import outbox_deliver_peer
from federation.peers import peer_save
from tests import factories
from tests.factories.sharing import publish
from tests.federation.loopback import Receiver

pytestmark = pytest.mark.django_db

# Q5.2, Q5.4: a not-shared entry is a departmental one, cites its basis and is offered for verification only.
NOT_SHARED = {
    "share_type": ShareType.NOT_SHARED,
    "share_basis": "《某条例》第十条",
    "category": Category.DEPARTMENTAL,
    "service_methods": ["verification"],
}


@pytest.fixture
def province(node_key, make_peer) -> Peer:
    return make_peer(level="province", region="350000", name="福建省公共数据汇聚共享平台")


@pytest.fixture
def county(node_key, make_peer) -> Peer:
    return make_peer(level="county", region="350582", name="晋江市分中心")


@pytest.fixture
def other_city(node_key, make_peer) -> Peer:
    """A node of this node's own level: it gets no catalog."""
    return make_peer(level="city", region="350200", name="厦门市平台")


@pytest.fixture
def city_seen(make_peer) -> Peer:
    """This city as the receiving node knows it (its own Peer row, in this same database)."""
    return make_peer(level="county", region="350583", node_id="fj-350500-seen", name="泉州市公共数据平台")


def rows(peer: Peer) -> list[tuple[str, str, int]]:
    return list(OutboxMessage.objects.filter(peer=peer).order_by("seq").values_list("kind", "stream", "seq"))


def republish(resource, producer, reviewer, **changes):
    resource_transition(resource=resource, to="draft", actor=producer)
    if changes:
        resource_update(actor=producer, resource=resource, **changes)
    resource_transition(resource=resource, to="submitted", actor=producer)
    return resource_transition(resource=resource, to="published", actor=reviewer)


# --- the sender -------------------------------------------------------------------------------------------


def test_a_published_entry_shared_with_all_government_goes_to_every_upper_and_lower_peer(
    province, county, other_city, producer, reviewer
):
    entry = publish(producer, reviewer, code="QZ-C-1")

    for peer in (province, county):
        assert rows(peer) == [(PUBLISH, "entry:QZ-C-1", 1)]
    assert rows(other_city) == []
    body = OutboxMessage.objects.get(peer=province).body
    assert (body["code"], body["version"], body["producer"]) == ("QZ-C-1", 1, producer.unit.name)
    assert body["credit_code"] == producer.unit.credit_code
    assert body["snapshot"]["name"] == entry.name
    # The national catalog metadata: one row per data item, the guide's columns.
    assert [row["信息项名称"] for row in body["metadata"]] == [
        "统一社会信用代码",
        "企业名称",
        "成立日期",
        "注册资本",
    ]
    # ... exactly the rows of the guide's export of the entry
    assert body["metadata"] == [dict(zip(COLUMNS, row, strict=True)) for row in catalog_rows([entry])]


def test_the_metadata_carries_the_units_text_as_it_is_not_as_a_spreadsheet_guards_it(
    province, producer, reviewer
):
    entry = publish(producer, reviewer, code="QZ-C-2", description="-负数表示减少")
    body = OutboxMessage.objects.get(peer=province).body
    assert {row["信息资源摘要"] for row in body["metadata"]} == {"-负数表示减少"}
    # The guide's spreadsheet export keeps a formula from running; a message to another node has no cells.
    assert next(catalog_rows([entry]))[COLUMNS.index("信息资源摘要")] == "'-负数表示减少"


def test_a_suspended_peer_gets_its_rows_for_when_it_is_resumed(province, producer, reviewer):
    Peer.objects.filter(pk=province.pk).update(status=PeerStatus.SUSPENDED)
    publish(producer, reviewer, code="QZ-C-1")
    assert rows(province) == [(PUBLISH, "entry:QZ-C-1", 1)]


@pytest.mark.parametrize(
    "fields",
    [
        NOT_SHARED,
        {"share_scope": ShareScope.NAMED_UNITS},
        {"share_scope": ShareScope.SAME_REGION},
    ],
)
def test_an_entry_not_shared_with_all_government_stays_home(province, county, producer, reviewer, fields):
    publish(producer, reviewer, code="QZ-C-1", **fields)
    assert OutboxMessage.objects.count() == 0


def test_a_new_version_follows_on_the_same_stream(province, producer, reviewer):
    entry = publish(producer, reviewer, code="QZ-C-1")
    republish(entry, producer, reviewer, name="企业登记信息（新）")

    assert rows(province) == [(PUBLISH, "entry:QZ-C-1", 1), (PUBLISH, "entry:QZ-C-1", 2)]
    body = OutboxMessage.objects.get(peer=province, seq=2).body
    assert (body["version"], body["snapshot"]["name"]) == (2, "企业登记信息（新）")


def test_a_version_no_longer_shared_retires_the_entry_where_it_was_sent(
    province, producer, reviewer, make_peer
):
    entry = publish(producer, reviewer, code="QZ-C-1", category=Category.DEPARTMENTAL)
    newcomer = make_peer(level="county", region="350521")  # never sent the entry
    republish(entry, producer, reviewer, **NOT_SHARED)

    assert rows(province) == [(PUBLISH, "entry:QZ-C-1", 1), (RETIRE, "entry:QZ-C-1", 2)]
    assert OutboxMessage.objects.get(peer=province, seq=2).body["version"] == 2
    assert rows(newcomer) == []


def test_retiring_an_entry_retires_it_at_the_peers(province, producer, reviewer):
    entry = publish(producer, reviewer, code="QZ-C-1")
    resource_transition(resource=entry, to="retired", actor=producer, reason="停止采集")

    assert rows(province) == [(PUBLISH, "entry:QZ-C-1", 1), (RETIRE, "entry:QZ-C-1", 2)]
    assert set(OutboxMessage.objects.get(peer=province, seq=2).body) == {"code", "version", "retired_at"}


def test_with_federation_off_nothing_is_queued_and_no_peer_is_read(
    province, producer, reviewer, settings, django_assert_num_queries
):
    settings.NODE_ID = ""
    publish(producer, reviewer, code="QZ-C-1")
    assert OutboxMessage.objects.count() == 0
    with django_assert_num_queries(0):
        assert cascade_peers() == []


def test_a_new_peer_is_sent_the_whole_shared_catalog(node_key, platform_admin, producer, reviewer):
    publish(producer, reviewer, code="QZ-C-1")
    publish(producer, reviewer, code="QZ-C-2")
    publish(producer, reviewer, code="QZ-C-3", share_scope=ShareScope.NAMED_UNITS)
    retired = publish(producer, reviewer, code="QZ-C-4")
    resource_transition(resource=retired, to="retired", actor=producer, reason="停止采集")

    peer = peer_save(
        actor=platform_admin,
        peer=None,
        node_id="fj-350000",
        name="福建省平台",
        url="https://data.fujian.example",
        level="province",
        region="350000",
        public_key=node.public_key_b64(Ed25519PrivateKey.generate()),
    )

    assert rows(peer) == [(PUBLISH, "entry:QZ-C-1", 1), (PUBLISH, "entry:QZ-C-2", 1)]


def test_a_peer_whose_level_changes_to_another_level_is_sent_the_catalog(
    other_city, platform_admin, producer, reviewer
):
    publish(producer, reviewer, code="QZ-C-1")
    assert rows(other_city) == []  # of this node's level: no catalog

    peer_save(actor=platform_admin, peer=other_city, level="county", region="350521")
    assert rows(other_city) == [(PUBLISH, "entry:QZ-C-1", 1)]


def test_the_backfill_sends_the_published_version_not_a_revision_under_way(province, producer, reviewer):
    entry = publish(producer, reviewer, code="QZ-C-1")
    resource_transition(resource=entry, to="draft", actor=producer)
    resource_update(actor=producer, resource=entry, name="尚未审核的新名称")
    OutboxMessage.objects.all().delete()
    Peer.objects.exclude(pk=province.pk).delete()

    assert catalog_send_all(province) == 1
    body = OutboxMessage.objects.get(peer=province).body
    assert body["snapshot"]["name"] == "企业登记信息"
    assert {row["信息资源名称"] for row in body["metadata"]} == {"企业登记信息"}


def test_the_command_resends_the_catalog_to_a_peer(province, producer, reviewer, capsys):
    publish(producer, reviewer, code="QZ-C-1")
    call_command("federation_catalog_send", province.node_id)

    assert rows(province) == [(PUBLISH, "entry:QZ-C-1", 1), (PUBLISH, "entry:QZ-C-1", 2)]
    assert "1 catalog entries queued" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("federation_catalog_send", "fj-999999")


# --- the receiver -----------------------------------------------------------------------------------------


def deliver(peer: Peer, receiver: Receiver) -> int:
    return outbox_deliver_peer(peer.pk, transport=receiver)


def test_the_receiving_node_registers_the_entry_with_its_origin(province, city_seen, producer, reviewer):
    publish(producer, reviewer, code="QZ-C-1")
    assert deliver(province, Receiver(sender=city_seen)) == 1

    remote = RemoteEntry.objects.get()
    assert (remote.origin, remote.code, remote.version, remote.status) == (
        city_seen,
        "QZ-C-1",
        1,
        RemoteStatus.ACTIVE,
    )
    assert (remote.name, remote.producer_name, remote.share_type) == (
        "企业登记信息",
        producer.unit.name,
        ShareType.UNCONDITIONAL,
    )
    assert len(remote.metadata) == 4 and remote.snapshot["items"][0]["name"] == "credit_code"
    assert "统一社会信用代码" in remote.search_text and "credit_code" in remote.search_text
    assert remote.message_id == OutboxMessage.objects.get(peer=province).id


def test_new_versions_and_the_retirement_follow_at_the_receiving_node(
    province, city_seen, producer, reviewer
):
    receiver = Receiver(sender=city_seen)
    entry = publish(producer, reviewer, code="QZ-C-1")
    republish(entry, producer, reviewer, name="企业登记信息（新）")
    deliver(province, receiver)
    remote = RemoteEntry.objects.get()
    assert (remote.version, remote.name) == (2, "企业登记信息（新）")

    resource_transition(resource=entry, to="retired", actor=producer, reason="停止采集")
    deliver(province, receiver)
    remote.refresh_from_db()
    assert (remote.status, remote.version) == (RemoteStatus.RETIRED, 2)
    assert remote.retired_at is not None


def envelope(origin: Peer, kind: str, body: dict, seq: int, stream: str = "entry:QZ-R-1") -> Envelope:
    return Envelope(
        id=uuid.uuid4(),
        kind=kind,
        sender=origin.node_id,
        recipient="fj-350500",
        stream=stream,
        seq=seq,
        sent_at=timezone.now(),
        body=body,
    )


def publish_body(version: object, name: str = "人口基础信息", **more) -> dict:
    return {
        "code": "QZ-R-1",
        "version": version,
        "published_at": "2026-11-02T08:00:00+00:00",
        "snapshot": {
            "name": name,
            "share_type": "unconditional",
            "items": [{"name": "id_no", "label": "身份证号"}],
        },
        "metadata": [{"信息资源名称": name, "信息项名称": "身份证号"}],
        "producer": "福建省公安厅",
        "credit_code": "11350000003591037R",
        **more,
    }


def test_an_older_version_after_a_newer_one_changes_nothing(node_key, province):
    message_receive(peer=province, envelope=envelope(province, PUBLISH, publish_body(3, "第三版"), seq=1))
    answer = message_receive(
        peer=province, envelope=envelope(province, PUBLISH, publish_body(2, "第二版"), seq=2)
    )

    assert answer["answer"] == "applied"
    assert RemoteEntry.objects.values_list("version", "name").get() == (3, "第三版")


def test_a_duplicate_message_changes_nothing(node_key, province):
    first = envelope(province, PUBLISH, publish_body(1), seq=1)
    message_receive(peer=province, envelope=first)
    RemoteEntry.objects.update(name="本地不应改动")  # what a second apply would overwrite

    assert message_receive(peer=province, envelope=first)["answer"] == "duplicate"
    assert RemoteEntry.objects.get().name == "本地不应改动"


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (publish_body(1, snapshot="no"), '"snapshot" must be an object'),
        (publish_body("1"), '"version" must be a whole number'),
        (publish_body(1, published_at="yesterday"), '"published_at" must be an ISO 8601'),
        (publish_body(1, metadata=[1, 2]), '"metadata" must be a list of objects'),
        (publish_body(1, code=""), '"code" must be a text'),
    ],
)
def test_a_malformed_publication_is_refused_with_its_reason(node_key, province, body, said):
    answer = message_receive(peer=province, envelope=envelope(province, PUBLISH, body, seq=1))

    assert answer["error"] == "apply_failed" and said in answer["detail"]
    assert not RemoteEntry.objects.exists()


def test_an_entry_on_another_entrys_stream_is_refused(node_key, province):
    # The stream orders one entry's messages: "entry:QZ-R-1" may not register or retire "OTHER-1".
    for kind, body in (
        (PUBLISH, publish_body(1, code="OTHER-1")),
        (RETIRE, {"code": "OTHER-1", "version": 1}),
    ):
        answer = message_receive(peer=province, envelope=envelope(province, kind, body, seq=1))
        assert answer["error"] == "apply_failed" and "does not belong on stream" in answer["detail"]
    assert not RemoteEntry.objects.exists()


def test_a_node_of_the_same_level_registers_no_entry(node_key, other_city):
    # It is sent none (the cascade goes up and down only), and what it sends is not kept.
    answer = message_receive(peer=other_city, envelope=envelope(other_city, PUBLISH, publish_body(1), seq=1))
    assert answer["error"] == "apply_failed" and "same level" in answer["detail"]
    assert not RemoteEntry.objects.exists()


def test_a_malformed_retirement_is_refused(node_key, province):
    answer = message_receive(peer=province, envelope=envelope(province, RETIRE, {"code": "QZ-R-1"}, seq=1))
    assert answer["error"] == "apply_failed" and '"version"' in answer["detail"]


# --- the pages --------------------------------------------------------------------------------------------


@pytest.fixture
def upper_entry(node_key, province) -> RemoteEntry:
    """The province's entry, as this city (a lower node) shows it."""
    message_receive(peer=province, envelope=envelope(province, PUBLISH, publish_body(1), seq=1))
    return RemoteEntry.objects.get()


@pytest.fixture
def lower_entry(node_key, county) -> RemoteEntry:
    """An entry the county registered with this city."""
    body = publish_body(1, "晋江市企业信息", code="JJ-1")
    message_receive(peer=county, envelope=envelope(county, PUBLISH, body, seq=1, stream="entry:JJ-1"))
    return RemoteEntry.objects.get(code="JJ-1")


def found(client, **params) -> list[str]:
    response = client.get("/federation/catalog/", params)
    assert response.status_code == 200
    return [entry.code for entry in response.context["page"]]


def test_a_government_unit_searches_the_other_nodes_catalogs(client, applicant, upper_entry, lower_entry):
    client.force_login(applicant)

    assert sorted(found(client, q="身份证号")) == ["JJ-1", "QZ-R-1"]
    assert found(client, q="晋江市 身份证号") == ["JJ-1"]
    assert found(client, q="晋江市的身份证号") == ["JJ-1"]  # words as the local search reads them, no spaces
    assert found(client, q="婚姻") == []
    assert found(client, relation="upper") == ["QZ-R-1"]
    assert found(client, relation="lower") == ["JJ-1"]
    assert found(client, origin=lower_entry.origin_id) == ["JJ-1"]


def test_a_retired_entry_is_listed_only_when_asked(client, applicant, upper_entry, province):
    retire = {"code": "QZ-R-1", "version": 1, "retired_at": "2026-11-20T08:00:00+00:00"}
    message_receive(peer=province, envelope=envelope(province, RETIRE, retire, seq=2))
    client.force_login(applicant)

    assert found(client) == []
    assert found(client, retired="on") == ["QZ-R-1"]
    page = client.get(f"/federation/catalog/{upper_entry.pk}/").content.decode()
    assert 'data-testid="retired"' in page


def test_the_entry_page_shows_its_origin_items_and_national_metadata(
    client, applicant, upper_entry, province
):
    client.force_login(applicant)
    response = client.get(f"/federation/catalog/{upper_entry.pk}/")

    page = response.content.decode()
    assert response.status_code == 200
    assert province.name in page and province.node_id in page
    assert 'data-testid="read-only"' in page
    assert response.context["metadata_headers"] == ["信息资源名称", "信息项名称"]  # the guide's order
    assert response.context["metadata_rows"] == [["人口基础信息", "身份证号"]]
    assert "身份证号" in page and "id_no" in page


@pytest.mark.parametrize("kind", [UnitKind.ENTERPRISE, UnitKind.UNIVERSITY])
def test_a_public_organization_gets_404(client, upper_entry, kind):
    person = factories.person(factories.unit("某企业", kind), Role.DATA_ADMIN)
    client.force_login(person)

    assert client.get("/federation/catalog/").status_code == 404
    assert client.get(f"/federation/catalog/{upper_entry.pk}/").status_code == 404


def test_a_visitor_is_sent_to_log_in(client, upper_entry):
    response = client.get(f"/federation/catalog/{upper_entry.pk}/")
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_catalog_search_shows_the_other_nodes_entries_with_their_origin(
    client, applicant, upper_entry, province
):
    client.force_login(applicant)
    response = client.get("/catalog/search/", {"q": "人口"})

    page = response.content.decode()
    assert 'data-testid="other-catalogs"' in page
    assert f"/federation/catalog/{upper_entry.pk}/" in page
    [block] = response.context["elsewhere"]
    assert [(hit.code, hit.origin_name) for hit in block.results] == [("QZ-R-1", province.name)]
    assert client.get("/catalog/search/", {"q": "婚姻"}).context["elsewhere"] == []


def test_the_catalog_menu_links_to_the_other_nodes_catalogs(client, applicant, upper_entry):
    client.force_login(applicant)
    groups = client.get("/").context["nav_groups"]

    catalog_menu = next(group for group in groups if "/federation/catalog/" in str(group))
    urls = [url for _label, url in catalog_menu["links"]]
    assert "/catalog/search/" in urls and "/federation/catalog/" in urls


def test_without_federation_or_entries_there_is_no_link(client, applicant, settings):
    settings.NODE_ID = ""
    client.force_login(applicant)
    assert "/federation/catalog/" not in str(client.get("/").context["nav_groups"])
