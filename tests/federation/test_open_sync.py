"""Open data in sync (Q6.3, F9; docs/federation.md §11): the city's open catalog, reviewed content only,
goes to the province's portal when the authority opens, re-types or withdraws an entry and when a new
version is published; the province lists it with links to the city's own pages and downloads.

Both nodes live in this database (loopback.Receiver): this node is the city ``fj-350500``; the province
knows it as the peer ``fj-350500-as-seen-by-province`` and receives with ``NODE_LEVEL=province``.
"""

import datetime as dt
import uuid

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from catalog.models import OpenType
from catalog.services import resource_update
from catalog.workflow import resource_transition
from dataplatform.core.navigation import navigation_links
from federation.envelope import Envelope
from federation.inbox import message_receive
from federation.models import NodeLevel, OutboxMessage, Peer, RemoteDataset, RemoteStatus
from federation.navigation import public_links
from federation.node import public_key_b64
from federation.open_sync import PUBLISH, WITHDRAW, entry_changed, open_send_all
from federation.outbox import outbox_deliver_peer
from federation.peers import peer_save
from opening.models import OpenEntry, OpenEntryChange
from opening.services import open_entry_propose
from opening.workflow import open_entry_transition
from tests.factories.opening import RULES, make_resource
from tests.federation.loopback import Receiver

pytestmark = pytest.mark.django_db

CITY_URL = "http://testserver"  # NODE_URL of this node (conftest.THIS_NODE)


@pytest.fixture
def province(node_key, make_peer) -> Peer:
    """The upper node this city's open catalog goes to."""
    return make_peer(level="province", region="350000", name="福建省公共数据开放平台")


@pytest.fixture
def county(node_key, make_peer) -> Peer:
    """A lower node: it sends its own catalog here, it gets none of ours."""
    return make_peer(level="county", region="350503")


@pytest.fixture
def city_at_province(make_peer) -> Peer:
    """This city as the province knows it: its links must be on its own host."""
    return make_peer(
        level="city",
        region="350500",
        node_id="fj-350500-as-seen-by-province",
        name="泉州市公共数据开放平台",
        url=CITY_URL,
    )


@pytest.fixture
def to_province(city_at_province):
    """The province's side as a transport: its inbox, receiving as the province."""
    receiver = Receiver(sender=city_at_province)

    def transport(peer: Peer, body: bytes) -> tuple[int, dict]:
        with override_settings(NODE_LEVEL="province"):
            return receiver(peer, body)

    return transport


def open_entry(producer, reviewer, *, code="QZ-KF-0001", name="个体工商户证照信息", tags=("证照", "个体户")):
    resource = make_resource(producer, reviewer, code=code, name=name)
    entry = open_entry_propose(
        actor=producer, resource=resource, open_type=OpenType.UNIVERSAL, rules=RULES, tags=list(tags)
    )
    return open_entry_transition(entry=entry, action="open", actor=reviewer, open_type=OpenType.UNIVERSAL)


def open_messages(peer: Peer | None = None):
    """This slice's outbox rows (the catalog cascade sends its own kinds beside them)."""
    rows = OutboxMessage.objects.filter(kind__in=(PUBLISH, WITHDRAW))
    return rows if peer is None else rows.filter(peer=peer)


def sent(peer: Peer) -> list[tuple[str, str, int]]:
    rows = open_messages(peer).order_by("created_at", "seq")
    return [(m.kind, m.stream, m.seq) for m in rows]


def deliver(peer: Peer, transport) -> None:
    outbox_deliver_peer(peer.pk, transport=transport)


def envelope(peer: Peer, kind: str, body: dict, *, seq: int = 1) -> Envelope:
    return Envelope(
        id=uuid.uuid4(),
        kind=kind,
        sender=peer.node_id,
        recipient="fj-350500",
        stream=f"open:{body['slug']}",
        seq=seq,
        sent_at=dt.datetime.now(dt.UTC),
        body=body,
    )


def publish_body(slug: str = "shop-licences", *, base: str = CITY_URL, **fields) -> dict:
    return {
        "slug": slug,
        "title": "个体工商户证照信息",
        "description": "全市个体工商户的证照信息",
        "publisher": "泉州市市场监督管理局",
        "open_type": "universal",
        "tags": ["证照"],
        "licence": "CC-BY-4.0",
        "opened_at": "2026-10-09T08:00:00+00:00",
        "landing_url": f"{base}/open/datasets/{slug}/",
        "distributions": [{"format": "csv", "url": f"{base}/open/datasets/{slug}/download.csv"}],
        **fields,
    }


def receive_as_province(peer: Peer, kind: str, body: dict, *, seq: int = 1) -> dict:
    with override_settings(NODE_LEVEL="province"):
        return message_receive(peer=peer, envelope=envelope(peer, kind, body, seq=seq))


# --- the sender -------------------------------------------------------------------------------------------


def test_an_opened_entry_is_published_to_each_upper_peer_and_no_lower_one(
    province, county, producer, reviewer
):
    entry = open_entry(producer, reviewer)

    assert sent(province) == [(PUBLISH, f"open:{entry.slug}", 1)]
    assert sent(county) == []
    body = open_messages(province).get().body
    assert body == {
        "slug": entry.slug,
        "title": "个体工商户证照信息",
        "description": "全市个体工商户的证照信息",
        "publisher": "泉州市市场监督管理局",
        "open_type": "universal",
        "tags": ["证照", "个体户"],
        "licence": "CC-BY-4.0",
        "opened_at": entry.opened_at.isoformat(),
        "landing_url": f"{CITY_URL}/open/datasets/{entry.slug}/",
        "distributions": [
            {"format": fmt, "url": f"{CITY_URL}/open/datasets/{entry.slug}/download.{fmt}"}
            for fmt in ("csv", "xlsx", "json")
        ],
    }


def test_an_entry_open_on_application_is_published_without_downloads(province, producer, reviewer):
    resource = make_resource(producer, reviewer, open_type=OpenType.ON_APPLICATION)
    entry = open_entry_propose(
        actor=producer, resource=resource, open_type=OpenType.ON_APPLICATION, rules=RULES
    )
    open_entry_transition(entry=entry, action="open", actor=reviewer, open_type=OpenType.ON_APPLICATION)

    body = open_messages(province).get().body
    assert (body["open_type"], body["distributions"]) == ("on_application", [])


def test_a_proposal_is_not_sent_only_the_authoritys_decision_is(province, producer, reviewer):
    resource = make_resource(producer, reviewer)
    open_entry_propose(actor=producer, resource=resource, open_type=OpenType.UNIVERSAL, rules=RULES)

    assert sent(province) == []


def test_nothing_is_sent_while_federation_is_off(settings, province, producer, reviewer):
    settings.NODE_ID = ""
    open_entry(producer, reviewer)

    assert not open_messages().exists()


def test_the_receiver_costs_no_query_while_federation_is_off(
    settings, province, producer, reviewer, django_assert_num_queries
):
    entry = open_entry(producer, reviewer)
    change = OpenEntryChange.objects.filter(entry=entry).latest("at", "id")
    settings.NODE_ID = ""
    with django_assert_num_queries(0):
        entry_changed(sender=OpenEntryChange, instance=change, created=True)


def test_the_receiver_costs_one_query_without_upper_peers(
    node_key, county, producer, reviewer, django_assert_num_queries
):
    entry = open_entry(producer, reviewer)
    change = OpenEntryChange.objects.filter(entry=entry).latest("at", "id")
    with django_assert_num_queries(1):
        entry_changed(sender=OpenEntryChange, instance=change, created=True)
    assert not open_messages().exists()


def test_a_withdrawal_follows_on_the_same_stream(province, producer, reviewer):
    entry = open_entry(producer, reviewer)
    entry = open_entry_transition(entry=entry, action="withdraw", actor=reviewer, reason="含敏感信息")

    stream = f"open:{entry.slug}"
    assert entry.withdrawn_at is not None
    assert sent(province) == [(PUBLISH, stream, 1), (WITHDRAW, stream, 2)]
    body = open_messages(province).get(kind=WITHDRAW).body
    assert body == {
        "slug": entry.slug,
        "reason": "含敏感信息",
        "withdrawn_at": entry.withdrawn_at.isoformat(),
    }


def test_a_retyped_entry_is_published_again(province, producer, reviewer):
    entry = open_entry(producer, reviewer)
    open_entry_transition(
        entry=entry, action="retype", actor=reviewer, reason="含经营明细", open_type=OpenType.ON_APPLICATION
    )

    last = open_messages(province).get(seq=2)
    assert (last.kind, last.body["open_type"], last.body["distributions"]) == (PUBLISH, "on_application", [])


def test_a_new_published_version_is_published_again_with_its_reviewed_content(province, producer, reviewer):
    entry = open_entry(producer, reviewer)
    resource = resource_transition(resource=entry.resource, to="draft", actor=producer)
    resource_update(actor=producer, resource=resource, name="个体工商户证照信息（含注销）")
    assert sent(province) == [(PUBLISH, f"open:{entry.slug}", 1)]  # a draft is not reviewed content

    resource = resource_transition(resource=resource, to="submitted", actor=producer)
    resource_transition(resource=resource, to="published", actor=reviewer)

    assert sent(province)[-1] == (PUBLISH, f"open:{entry.slug}", 2)
    assert open_messages(province).get(seq=2).body["title"] == "个体工商户证照信息（含注销）"


def test_a_new_version_of_an_entry_that_is_not_open_is_not_sent(province, producer, reviewer):
    resource = make_resource(producer, reviewer)
    open_entry_propose(actor=producer, resource=resource, open_type=OpenType.UNIVERSAL, rules=RULES)
    resource = resource_transition(resource=resource, to="draft", actor=producer)
    resource = resource_transition(resource=resource, to="submitted", actor=producer)
    resource_transition(resource=resource, to="published", actor=reviewer)

    assert sent(province) == []


def test_open_send_all_backfills_every_open_entry_to_an_upper_peer_only(province, county, producer, reviewer):
    first = open_entry(producer, reviewer)
    second = open_entry(producer, reviewer, code="QZ-KF-0002", name="食品经营许可信息")
    make_resource(producer, reviewer, code="QZ-KF-0003", name="未开放目录")
    open_messages().delete()

    assert open_send_all(province) == 2
    assert open_send_all(county) == 0
    assert {(kind, stream) for kind, stream, _seq in sent(province)} == {
        (PUBLISH, f"open:{first.slug}"),
        (PUBLISH, f"open:{second.slug}"),
    }


# --- the province receives ----------------------------------------------------------------------------


def test_the_province_lists_the_city_dataset_and_unlists_it_when_withdrawn(
    province, city_at_province, to_province, producer, reviewer, client
):
    entry = open_entry(producer, reviewer)
    deliver(province, to_province)

    dataset = RemoteDataset.objects.get(origin=city_at_province, slug=entry.slug)
    assert dataset.status == RemoteStatus.ACTIVE
    assert (dataset.title, dataset.publisher_name, dataset.tags) == (
        "个体工商户证照信息",
        "泉州市市场监督管理局",
        ["证照", "个体户"],
    )
    assert dataset.landing_url == f"{CITY_URL}/open/datasets/{entry.slug}/"
    assert [d["format"] for d in dataset.distributions] == ["csv", "xlsx", "json"]
    assert dataset.message_id == open_messages(province).get(seq=1).id
    page = client.get("/open/network/")
    assert page.status_code == 200
    assert [d.slug for d in page.context["page"]] == [entry.slug]

    open_entry_transition(entry=entry, action="withdraw", actor=reviewer, reason="含敏感信息")
    deliver(province, to_province)

    dataset.refresh_from_db()
    assert (dataset.status, dataset.withdrawal_reason) == (RemoteStatus.RETIRED, "含敏感信息")
    assert dataset.withdrawn_at is not None
    page = client.get("/open/network/")
    assert list(page.context["page"]) == []
    assert entry.slug not in page.content.decode()


def test_a_dataset_opened_again_is_listed_again(province, city_at_province, to_province, producer, reviewer):
    entry = open_entry(producer, reviewer)
    entry = open_entry_transition(entry=entry, action="withdraw", actor=reviewer, reason="核查")
    entry = open_entry_transition(entry=entry, action="propose", actor=producer)
    open_entry_transition(entry=entry, action="open", actor=reviewer, open_type=OpenType.UNIVERSAL)
    deliver(province, to_province)

    dataset = RemoteDataset.objects.get(origin=city_at_province, slug=entry.slug)
    assert (dataset.status, dataset.withdrawal_reason, dataset.withdrawn_at) == (
        RemoteStatus.ACTIVE,
        "",
        None,
    )
    assert [seq for _kind, _stream, seq in sent(province)] == [1, 2, 3]


def test_a_link_to_another_host_is_refused(city_at_province):
    body = publish_body(distributions=[{"format": "csv", "url": "https://evil.example/shop.csv"}])

    answer = receive_as_province(city_at_province, PUBLISH, body)

    assert answer["error"] == "apply_failed"
    assert "links only to itself" in answer["detail"]
    assert not RemoteDataset.objects.exists()


@pytest.mark.parametrize(
    "landing_url",
    ["javascript:alert(1)//testserver/", "http://testserver@evil.example/", "ftp://testserver/open/"],
)
def test_a_landing_url_must_be_http_on_the_peers_own_host(city_at_province, landing_url):
    answer = receive_as_province(city_at_province, PUBLISH, publish_body(landing_url=landing_url))

    assert answer["error"] == "apply_failed"
    assert not RemoteDataset.objects.exists()


def test_a_publication_from_an_upper_peer_is_refused(province):
    body = publish_body(base=province.url)

    with override_settings(NODE_LEVEL="city"):
        answer = message_receive(peer=province, envelope=envelope(province, PUBLISH, body))

    assert answer["error"] == "apply_failed"
    assert "only a lower node's open catalog is synced here" in answer["detail"]
    assert not RemoteDataset.objects.exists()


def test_a_message_may_not_change_another_streams_dataset(city_at_province):
    wrong = envelope(city_at_province, PUBLISH, publish_body("shop-licences"))
    wrong = Envelope(**{**wrong.__dict__, "stream": "open:another-dataset"})

    with override_settings(NODE_LEVEL="province"):
        answer = message_receive(peer=city_at_province, envelope=wrong)

    assert answer["error"] == "apply_failed"
    assert not RemoteDataset.objects.exists()


def test_a_republication_updates_the_same_row(city_at_province):
    receive_as_province(city_at_province, PUBLISH, publish_body(title="旧名"))
    receive_as_province(city_at_province, PUBLISH, publish_body(title="新名", tags=["许可"]), seq=2)

    dataset = RemoteDataset.objects.get()
    assert (dataset.title, dataset.tags) == ("新名", ["许可"])
    assert dataset.search_text == "新名 全市个体工商户的证照信息 泉州市市场监督管理局 许可"


# --- the portal's page --------------------------------------------------------------------------------


@pytest.fixture
def two_cities(make_peer, city_at_province, settings) -> tuple[Peer, Peer]:
    """The province (this node, now) with datasets of two cities."""
    settings.NODE_ID, settings.NODE_LEVEL = "fj-350000", "province"
    xiamen = make_peer(
        level="city", region="350200", name="厦门市公共数据开放平台", url="https://data.xm.test"
    )
    receive_as_province(city_at_province, PUBLISH, publish_body("shop-licences"))
    receive_as_province(
        xiamen,
        PUBLISH,
        publish_body(
            "land-use", base=xiamen.url, title="土地利用现状", tags=["土地"], publisher="厦门市自然资源局"
        ),
    )
    return city_at_province, xiamen


def test_the_page_shows_each_dataset_with_its_origin_and_downloads_to_anyone(two_cities, client):
    quanzhou, xiamen = two_cities

    page = client.get("/open/network/", HTTP_ACCEPT_LANGUAGE="en")

    assert page.status_code == 200
    html = page.content.decode()
    assert "泉州市公共数据开放平台" in html and "厦门市公共数据开放平台" in html
    assert (
        'href="https://data.xm.test/open/datasets/land-use/download.csv" target="_blank" rel="noopener"'
        in html
    )
    assert 'href="http://testserver/open/datasets/shop-licences/"' in html
    assert "View on 厦门市公共数据开放平台" in html
    assert 'data-testid="portal-header"' in html  # the portal's own base


def test_the_search_filters_by_words_and_by_origin(two_cities, client):
    quanzhou, xiamen = two_cities

    def slugs(**query) -> list[str]:
        return [dataset.slug for dataset in client.get("/open/network/", query).context["page"]]

    assert sorted(slugs()) == ["land-use", "shop-licences"]
    assert slugs(q="土地") == ["land-use"]
    assert slugs(q="市场监督") == ["shop-licences"]
    assert slugs(origin=quanzhou.pk) == ["shop-licences"]
    assert slugs(q="土地", origin=quanzhou.pk) == []


def test_the_page_shows_20_a_page(city_at_province, settings, client):
    settings.NODE_ID, settings.NODE_LEVEL = "fj-350000", "province"
    for n in range(21):
        receive_as_province(city_at_province, PUBLISH, publish_body(f"dataset-{n:02d}"))

    first, second = client.get("/open/network/"), client.get("/open/network/", {"page": 2})

    assert len(first.context["page"]) == 20
    assert len(second.context["page"]) == 1
    assert first.context["page"].paginator.count == 21


def test_the_page_says_when_nothing_is_synced(client, db):
    page = client.get("/open/network/")

    assert page.status_code == 200
    assert 'data-testid="network-empty"' in page.content.decode()


def test_the_link_is_in_the_navigation_once_a_dataset_is_listed(two_cities, producer):
    with translation.override("en"):
        link = ("Open data of the lower-level platforms", "/open/network/")
        assert link in navigation_links(AnonymousUser())
        assert link in navigation_links(producer)  # the signed-in bar, beside the portal's own link

    RemoteDataset.objects.update(status=RemoteStatus.RETIRED)
    assert public_links(AnonymousUser()) == []


def test_no_link_and_no_query_while_federation_is_off(settings, django_assert_num_queries):
    settings.NODE_ID = ""
    with django_assert_num_queries(0):
        assert public_links(AnonymousUser()) == []


def test_the_province_applies_the_publication_and_the_city_entry_stays_open(
    province, to_province, producer, reviewer
):
    entry = open_entry(producer, reviewer)
    deliver(province, to_province)

    assert OpenEntry.objects.get(pk=entry.pk).status == "open"
    assert open_messages(province).get().answer == "applied"


def test_the_page_costs_the_same_queries_for_2_datasets_as_for_20(city_at_province, settings, client):
    settings.NODE_ID, settings.NODE_LEVEL = "fj-350000", "province"

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/open/network/").status_code == 200
        return len(captured)

    for n in range(2):
        receive_as_province(city_at_province, PUBLISH, publish_body(f"dataset-{n:02d}"))
    few = queries()
    for n in range(2, 20):
        receive_as_province(city_at_province, PUBLISH, publish_body(f"dataset-{n:02d}"))

    assert queries() == few


def test_the_portal_header_links_to_the_network_page_once_a_dataset_is_listed(two_cities, client):
    header = client.get("/open/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'href="/open/network/"' in header

    RemoteDataset.objects.update(status=RemoteStatus.RETIRED)
    assert 'href="/open/network/"' not in client.get("/open/").content.decode()


def test_a_new_upper_peer_gets_the_open_catalog_when_it_is_registered(node_key, producer, reviewer):
    entry = open_entry(producer, reviewer)
    province = peer_save(
        actor=None,
        peer=None,
        node_id="fj-350000",
        name="福建省",
        url="https://fj.test",
        level=NodeLevel.PROVINCE,
        region="350000",
        public_key=public_key_b64(Ed25519PrivateKey.generate()),
    )
    assert (PUBLISH, f"open:{entry.slug}") in {(kind, stream) for kind, stream, _seq in sent(province)}
