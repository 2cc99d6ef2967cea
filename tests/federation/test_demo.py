"""The federation's demo: the Quanzhou city node with the province above and Jinjiang below, seeded once,
and only when federation is on and the node has no peers yet."""

import pytest

from catalog.demo import seed_catalog
from catalog.records import record_count
from dataplatform.core.demo.core import seed_core
from federation.demo import federation_demo_seed
from federation.models import (
    BackflowRequest,
    BackflowStep,
    Export,
    InboxMessage,
    OutboxMessage,
    Peer,
    RemoteDataset,
    RemoteEntry,
)
from operations.management.commands.seed_demo import load_records

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog():
    seed_core()
    seed_catalog(load_records=load_records)


@pytest.fixture
def city_node(node_key):
    """This node: Quanzhou's city node, its key made (``node_key`` sets ``THIS_NODE``)."""


def test_the_demo_makes_the_province_and_the_county_with_their_entries(catalog, city_node):
    peers = federation_demo_seed()

    assert {(p.node_id, p.relation) for p in peers} == {("fj-350000", "upper"), ("fj-350582", "lower")}
    province = Peer.objects.get(node_id="fj-350000")
    entries = RemoteEntry.objects.filter(origin=province)
    assert 3 <= entries.count() <= 5
    land = entries.get(code="FJ-ZR-BDC-0001")
    assert land.name == "福建省不动产登记信息" and land.producer_name == "福建省自然资源厅"
    assert land.snapshot["items"] and len(land.metadata) == len(land.snapshot["items"])
    assert {row["信息资源代码"] for row in land.metadata} == {"FJ-ZR-BDC-0001"}
    assert RemoteEntry.objects.filter(origin__node_id="fj-350582").count() == 1
    dataset = RemoteDataset.objects.get()
    assert dataset.landing_url.startswith("https://jj.example.invalid/")
    assert InboxMessage.objects.filter(status="parked").count() == 0  # every message applied


def test_the_demo_back_flows_wait_upstream_and_flow_into_a_mirror(catalog, city_node):
    federation_demo_seed()

    upstream = BackflowRequest.objects.get(status="upstream")
    assert (
        upstream.upstream_application
        and BackflowStep.objects.filter(request=upstream, upstream=True).count() == 2
    )
    # The application to the province stays in the outbox: no node answers on the demo's addresses.
    assert OutboxMessage.objects.filter(kind="backflow.request", status="pending").count() == 2
    granted = BackflowRequest.objects.get(status="granted")
    assert granted.mirror is not None
    mirror = granted.mirror
    assert mirror.origin_node == "fj-350000" and mirror.origin_code == "FJ-RS-SB-0001"
    assert record_count(resource_id=mirror.pk) == granted.rows_received > 0
    assert BackflowRequest.objects.filter(status="county_review").count() == 1
    export = Export.objects.get()
    assert export.peer.node_id == "fj-350582" and export.status == "waiting"
    assert export.application is not None and export.application.status != "draft"
    assert export.region_prefix == "350582"


def test_the_demo_is_seeded_once(catalog, city_node):
    federation_demo_seed()
    counts = (RemoteEntry.objects.count(), BackflowRequest.objects.count(), OutboxMessage.objects.count())

    assert federation_demo_seed() == []
    assert (
        RemoteEntry.objects.count(),
        BackflowRequest.objects.count(),
        OutboxMessage.objects.count(),
    ) == counts


def test_an_island_gets_no_federation_demo(catalog, settings):
    settings.NODE_ID = ""

    assert federation_demo_seed() == []
    assert not Peer.objects.exists() and not RemoteEntry.objects.exists()


def test_a_node_with_real_peers_gets_no_federation_demo(catalog, city_node, make_peer):
    make_peer(level="province", node_id="fj-350000")

    assert federation_demo_seed() == []
    assert Peer.objects.count() == 1 and not RemoteEntry.objects.exists()


def test_a_node_without_its_key_yet_gets_no_federation_demo(catalog, city_node, settings, tmp_path):
    settings.NODE_KEY_FILE = str(tmp_path / "not-made-yet.pem")  # tools/two_nodes.py seeds before keygen

    assert federation_demo_seed() == []
    assert not Peer.objects.exists()


def test_a_province_node_gets_no_federation_demo(catalog, city_node, settings):
    settings.NODE_ID, settings.NODE_LEVEL, settings.NODE_REGION = "fj-350000", "province", "350000"

    assert federation_demo_seed() == []
    assert not Peer.objects.exists()
