"""The federation's REST API (/api/v1/federation/): the same reads and steps as its pages, with the same
rules: peers for the platform administrator, the other nodes' catalogs for a government unit's people and
systems, the lower nodes' open data for anyone, and back-flow applications for their unit and the
authorities that review them.

This node is the city ``fj-350500`` (``node_key``); the province is its upper peer.
"""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from audit.models import AuditEvent
from dataplatform.core.apikeys import api_key_issue
from dataplatform.core.models import Role
from dataplatform.core.models.units import UnitKind
from federation import node
from federation.models import (
    BackflowRequest,
    BackflowStatus,
    OutboxMessage,
    Peer,
    PeerStatus,
    RemoteDataset,
    RemoteStatus,
)
from tests import factories
from tests.factories.sharing import publish
from tests.federation.conftest import remote

from .test_backflow import create, step

pytestmark = pytest.mark.django_db

B = BackflowStatus
URL = "/api/v1/federation"
END = dt.date(2027, 12, 31)


def key_client(api, unit):
    key = api_key_issue(actor=None, unit=unit, name="业务系统").key
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return api


# --- the other nodes' catalogs ---------------------------------------------------------------------------


@pytest.fixture
def catalogs(province, make_peer, snapshot) -> dict:
    """The province's two entries (one retired) and a county's registered here."""
    county = make_peer(level="county", region="350521", name="晋江市节点")
    return {
        "upper": remote(
            province, snapshot, code="FJ-P-1", name="全省企业登记信息", search_text="全省企业登记信息"
        ),
        "retired": remote(
            province, snapshot, code="FJ-P-2", name="全省企业年报信息", status=RemoteStatus.RETIRED
        ),
        "lower": remote(
            county, snapshot, code="JJ-1", name="晋江企业登记信息", search_text="晋江企业登记信息"
        ),
        "county": county,
    }


def ids(answer) -> list[int]:
    return [row["id"] for row in answer.json()["results"]]


def test_a_units_person_searches_the_other_nodes_catalogs(api_as, applicant, catalogs, province):
    api = api_as(applicant)
    answer = api.get(f"{URL}/remote-entries/")
    assert answer.status_code == 200
    assert ids(answer) == [catalogs["upper"].pk, catalogs["lower"].pk]  # by name; retired left out
    first = answer.json()["results"][0]
    assert first["origin"] == {
        "id": province.pk,
        "node_id": province.node_id,
        "name": province.name,
        "level": "province",
        "region": "350000",
        "relation": "upper",
    }

    assert ids(api.get(f"{URL}/remote-entries/", {"relation": "upper"})) == [catalogs["upper"].pk]
    assert ids(api.get(f"{URL}/remote-entries/", {"relation": "lower"})) == [catalogs["lower"].pk]
    assert ids(api.get(f"{URL}/remote-entries/", {"origin": catalogs["county"].pk})) == [catalogs["lower"].pk]
    assert ids(api.get(f"{URL}/remote-entries/", {"q": "晋江"})) == [catalogs["lower"].pk]
    assert set(ids(api.get(f"{URL}/remote-entries/", {"retired": "1", "relation": "upper"}))) == {
        catalogs["upper"].pk,
        catalogs["retired"].pk,
    }
    # A flag reads as DRF reads booleans: what Python's requests sends for False is false.
    assert ids(api.get(f"{URL}/remote-entries/", {"retired": "False", "relation": "upper"})) == [
        catalogs["upper"].pk
    ]


@pytest.mark.parametrize(
    "query",
    [{"origin": "x"}, {"origin": "²"}, {"origin": "0"}, {"relation": "sideways"}, {"retired": "maybe"}],
)
def test_a_malformed_filter_is_a_400(api_as, applicant, catalogs, query):
    answer = api_as(applicant).get(f"{URL}/remote-entries/", query)
    assert answer.status_code == 400 and list(query) == list(answer.json())


def test_an_entry_reads_with_its_items_and_national_metadata(api_as, applicant, reviewer, catalogs):
    entry = catalogs["upper"]
    entry.metadata = [{"信息资源名称": entry.name, "信息项名称": "统一社会信用代码"}]
    entry.save()

    read = api_as(applicant).get(f"{URL}/remote-entries/{entry.pk}/").json()
    assert read["code"] == "FJ-P-1" and read["metadata"] == entry.metadata
    assert [item["name"] for item in read["items"]][:2] == ["credit_code", "company_name"]
    assert read["items"][0]["is_key"] is True
    assert read["may_apply"] is True  # a data administrator, an upper node's available entry

    assert api_as(reviewer).get(f"{URL}/remote-entries/{entry.pk}/").json()["may_apply"] is False
    lower = api_as(applicant).get(f"{URL}/remote-entries/{catalogs['lower'].pk}/").json()
    assert lower["may_apply"] is False  # a lower node's entry does not flow back


def test_a_units_system_reads_them_with_its_api_key(api, applicant_unit, catalogs):
    client = key_client(api, applicant_unit)
    assert client.get(f"{URL}/remote-entries/").status_code == 200
    read = client.get(f"{URL}/remote-entries/{catalogs['upper'].pk}/")
    assert read.status_code == 200 and read.json()["may_apply"] is False  # a system does not apply


def test_a_citizen_and_a_public_organization_do_not_see_them(api_as, catalogs):
    citizen = factories.person(None, username="citizen")
    company = factories.person(factories.unit("某企业", UnitKind.ENTERPRISE), Role.DATA_ADMIN)
    for person in (citizen, company):
        api = api_as(person)
        refused = api.get(f"{URL}/remote-entries/")
        assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
        assert api.get(f"{URL}/remote-entries/{catalogs['upper'].pk}/").status_code == 404


# --- the lower nodes' open data ------------------------------------------------------------------------------


def dataset(origin: Peer, slug: str, title: str, **fields) -> RemoteDataset:
    return RemoteDataset.objects.create(
        origin=origin,
        slug=slug,
        title=title,
        landing_url=f"{origin.url}/open/datasets/{slug}/",
        distributions=[{"format": "csv", "url": f"{origin.url}/open/datasets/{slug}/download.csv"}],
        opened_at=fields.pop("opened_at", timezone.now()),
        search_text=title,
        **fields,
    )


def test_anyone_reads_the_lower_nodes_open_data(api, node_key, make_peer):
    quanzhou = make_peer(level="county", region="350521", name="晋江市节点")
    shops = dataset(quanzhou, "shop-licences", "个体工商户证照信息")
    dataset(quanzhou, "old", "旧数据", status=RemoteStatus.RETIRED)
    older = dataset(quanzhou, "parks", "公园名录", opened_at=timezone.now() - dt.timedelta(days=3))

    answer = api.get(f"{URL}/open-network/")  # no credentials
    assert answer.status_code == 200 and ids(answer) == [shops.pk, older.pk]
    first = answer.json()["results"][0]
    assert first["landing_url"] == f"{quanzhou.url}/open/datasets/shop-licences/"
    assert first["distributions"][0]["format"] == "csv" and first["origin"]["name"] == "晋江市节点"

    assert ids(api.get(f"{URL}/open-network/", {"q": "公园"})) == [older.pk]
    assert ids(api.get(f"{URL}/open-network/", {"origin": quanzhou.pk + 100})) == []
    for bad in ("x", "²", "0", "9" * 5000):
        assert api.get(f"{URL}/open-network/", {"origin": bad}).status_code == 400, bad


# --- peers ---------------------------------------------------------------------------------------------------


def test_the_platform_administrator_reads_each_peers_state(api_as, platform_admin, province, applicant):
    OutboxMessage.objects.create(peer=province, kind="hello", stream="hello", seq=1, body={})
    Peer.objects.filter(pk=province.pk).update(failures=2, last_error="connection refused")

    states = api_as(platform_admin).get(f"{URL}/peers/").json()
    assert [(s["peer"]["node_id"], s["backlog"], s["down"]) for s in states] == [("fj-350000", 1, True)]
    assert states[0]["peer"]["last_error"] == "connection refused" and states[0]["oldest_pending_at"]

    assert api_as(applicant).get(f"{URL}/peers/").status_code == 403


def test_the_platform_administrator_registers_suspends_and_resumes_a_peer(api_as, platform_admin, node_key):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    api = api_as(platform_admin)
    body = {
        "node_id": "fj-350200",
        "name": "厦门市节点",
        "url": "https://xm.example.test",
        "level": "city",
        "region": "350200",
        "public_key": node.public_key_b64(Ed25519PrivateKey.generate()),
    }
    made = api.post(f"{URL}/peers/", body, format="json")
    assert made.status_code == 201 and made.json()["relation"] == "same"
    peer = Peer.objects.get(node_id="fj-350200")
    assert AuditEvent.objects.filter(action="federation.peer_create", object_id=str(peer.pk)).exists()

    again = api.post(f"{URL}/peers/", body, format="json")
    assert again.status_code == 400 and "node_id" in again.json()
    bad_key = api.post(
        f"{URL}/peers/", {**body, "node_id": "fj-350300", "public_key": "x" * 44}, format="json"
    )
    assert bad_key.status_code == 400 and "public_key" in bad_key.json()

    act = f"{URL}/peers/{peer.pk}/act/"
    with translation.override("en"):
        unreasoned = api.post(act, {"action": "suspend"}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert unreasoned.status_code == 400 and "reason" in unreasoned.json()["detail"]
    suspended = api.post(act, {"action": "suspend", "reason": "密钥泄露"}, format="json")
    assert suspended.status_code == 200 and suspended.json()["status"] == PeerStatus.SUSPENDED
    assert api.post(act, {"action": "suspend", "reason": "再次"}, format="json").status_code == 400
    assert api.post(act, {"action": "resume"}, format="json").json()["status"] == PeerStatus.ACTIVE
    assert (
        api.post(f"{URL}/peers/{peer.pk + 100}/act/", {"action": "resume"}, format="json").status_code == 404
    )


def test_no_one_else_touches_the_peers(api_as, api, applicant, reviewer, province, applicant_unit):
    for person in (applicant, reviewer):
        client = api_as(person)
        assert (
            client.post(f"{URL}/peers/{province.pk}/act/", {"action": "suspend", "reason": "x"}).status_code
            == 403
        )
        assert client.post(f"{URL}/peers/", {}).status_code == 403
    api.force_authenticate(None)
    assert key_client(api, applicant_unit).get(f"{URL}/peers/").status_code == 403
    province.refresh_from_db()
    assert province.status == PeerStatus.ACTIVE


# --- back-flow ----------------------------------------------------------------------------------------------


def apply_body(entry, **fields) -> dict:
    return {
        "remote_entry": entry.pk,
        "items": ["company_name"],
        "business_matter": "企业开办一件事",
        "scenario": "核验企业名称",
        "end_date": END.isoformat(),
        **fields,
    }


def test_a_unit_applies_its_authority_approves_and_the_upper_nodes_answer_shows(
    api_as, applicant, reviewer, entry, province
):
    made = api_as(applicant).post(f"{URL}/backflow/", apply_body(entry), format="json")
    assert made.status_code == 201
    answer = made.json()
    assert (
        answer["status"] == B.CITY_REVIEW
        and answer["due"]
        and answer["items"] == ["credit_code", "company_name"]
    )
    assert answer["remote_entry"]["code"] == "FJ-P-1" and answer["allowed_actions"] == ["withdraw"]
    assert [s["action"] for s in answer["steps"]] == ["create"]
    pk = answer["id"]

    api = api_as(reviewer)
    todo = api.get(f"{URL}/backflow/", {"todo": "1"}).json()["results"]
    assert [r["id"] for r in todo] == [pk]
    assert api.get(f"{URL}/backflow/{pk}/").json()["allowed_actions"] == ["approve", "refuse"]

    approved = api.post(f"{URL}/backflow/{pk}/act/", {"action": "approve"}, format="json")
    assert approved.status_code == 200 and approved.json()["status"] == B.UPSTREAM
    assert OutboxMessage.objects.filter(peer=province, kind="backflow.request").count() == 1
    assert api.get(f"{URL}/backflow/", {"todo": "1"}).json()["results"] == []

    step(province, BackflowRequest.objects.get(pk=pk), "evaluating", "技术评估中", seq=1)
    read = api_as(applicant).get(f"{URL}/backflow/{pk}/").json()
    last = read["steps"][-1]
    assert (last["upstream"], last["status_label"], read["upstream_status"]) == (
        True,
        "技术评估中",
        "技术评估中",
    )
    assert read["upstream_application"] == 4711 and read["allowed_actions"] == []
    assert last["actor"] is None  # the upper node's answer: no person of this node took it


def test_a_county_unit_goes_through_its_county_authority(
    api_as, county_applicant, county_reviewer, reviewer, entry
):
    pk = api_as(county_applicant).post(f"{URL}/backflow/", apply_body(entry), format="json").json()["id"]
    assert api_as(reviewer).post(f"{URL}/backflow/{pk}/act/", {"action": "forward"}).status_code == 403

    forwarded = api_as(county_reviewer).post(
        f"{URL}/backflow/{pk}/act/", {"action": "forward"}, format="json"
    )
    assert forwarded.status_code == 200 and forwarded.json()["status"] == B.CITY_REVIEW
    # Forwarded, it is the city authority's to review: no longer on the county's to-do list, still in its
    # list of the applications it reviews, as its page shows them.
    county = api_as(county_reviewer)
    assert ids(county.get(f"{URL}/backflow/", {"todo": "true"})) == []
    assert ids(county.get(f"{URL}/backflow/")) == [pk]
    assert ids(api_as(reviewer).get(f"{URL}/backflow/", {"todo": "true"})) == [pk]
    approved = api_as(reviewer).post(f"{URL}/backflow/{pk}/act/", {"action": "approve"}, format="json")
    assert approved.json()["status"] == B.UPSTREAM
    assert [s["action"] for s in approved.json()["steps"]] == ["create", "forward", "approve"]


def test_a_refusal_needs_its_opinion(api_as, applicant, reviewer, entry):
    pk = create(applicant, entry).pk
    api = api_as(reviewer)
    assert api.post(f"{URL}/backflow/{pk}/act/", {"action": "refuse"}, format="json").status_code == 400
    refused = api.post(
        f"{URL}/backflow/{pk}/act/", {"action": "refuse", "opinion": "无业务依据"}, format="json"
    )
    assert refused.json()["status"] == B.REFUSED and refused.json()["steps"][-1]["opinion"] == "无业务依据"
    assert api.post(f"{URL}/backflow/{pk}/act/", {"action": "fly"}, format="json").status_code == 400


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"items": ["no_such_item"]}, None),
        ({"items": []}, "items"),
        ({"end_date": "2020-01-01"}, None),
        ({"remote_entry": 999_999}, "remote_entry"),
        ({"business_matter": "x" * 201}, "business_matter"),
    ],
)
def test_a_bad_application_is_a_400_and_makes_nothing(api_as, applicant, entry, fields, field):
    answer = api_as(applicant).post(f"{URL}/backflow/", apply_body(entry, **fields), format="json")
    assert answer.status_code == 400
    if field:
        assert field in answer.json()
    assert not BackflowRequest.objects.exists()


def test_a_lower_nodes_entry_is_not_applied_for(api_as, applicant, catalogs):
    answer = api_as(applicant).post(f"{URL}/backflow/", apply_body(catalogs["lower"]), format="json")
    assert answer.status_code == 400 and not BackflowRequest.objects.exists()


def test_a_units_system_reads_its_applications_but_does_not_apply(api, api_as, applicant, entry):
    pk = create(applicant, entry).pk
    client = key_client(api, applicant.unit)
    assert [r["id"] for r in client.get(f"{URL}/backflow/").json()["results"]] == [pk]
    assert client.get(f"{URL}/backflow/{pk}/").status_code == 200
    with translation.override("en"):
        refused = client.post(f"{URL}/backflow/", apply_body(entry), format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    assert "a person signs in to apply" in refused.json()["detail"]


def test_another_units_application_is_404(api_as, applicant, outsider, county_reviewer, entry):
    pk = create(applicant, entry).pk
    for person in (outsider, county_reviewer):
        api = api_as(person)
        assert api.get(f"{URL}/backflow/{pk}/").status_code == 404
        assert api.post(f"{URL}/backflow/{pk}/act/", {"action": "withdraw"}, format="json").status_code == 404
        assert api.get(f"{URL}/backflow/").json()["results"] == []
    assert BackflowRequest.objects.get(pk=pk).status == B.CITY_REVIEW


def test_the_list_filters_mine_todo_and_status(api_as, applicant, reviewer, entry, county_applicant):
    mine = create(applicant, entry)
    theirs = create(county_applicant, entry)  # at the county authority first
    reviewing = api_as(reviewer)
    # The city authority reads every application it reviews, its counties' too (as their pages open to it);
    # it owes only the city unit's now.
    assert ids(reviewing.get(f"{URL}/backflow/")) == [theirs.pk, mine.pk]
    assert ids(reviewing.get(f"{URL}/backflow/", {"todo": "1"})) == [mine.pk]
    assert ids(reviewing.get(f"{URL}/backflow/", {"mine": "False"})) == [theirs.pk, mine.pk]  # false
    assert ids(reviewing.get(f"{URL}/backflow/", {"mine": "true"})) == []  # the authority applied for none
    assert ids(reviewing.get(f"{URL}/backflow/", {"status": B.COUNTY_REVIEW})) == [theirs.pk]

    api = api_as(applicant)
    assert ids(api.get(f"{URL}/backflow/")) == ids(api.get(f"{URL}/backflow/", {"mine": "1"})) == [mine.pk]
    assert ids(api.get(f"{URL}/backflow/", {"status": B.REFUSED})) == []
    assert api.get(f"{URL}/backflow/", {"status": "nonsense"}).status_code == 400


def test_a_public_organization_has_no_back_flow(api_as, entry):
    person = factories.person(factories.unit("某企业", UnitKind.ENTERPRISE), Role.DATA_ADMIN)
    api = api_as(person)
    assert api.get(f"{URL}/backflow/").status_code == 403
    assert api.post(f"{URL}/backflow/", apply_body(entry), format="json").status_code == 403


def test_the_list_costs_the_same_queries_for_one_application_or_many(api_as, applicant, reviewer, entry):
    create(applicant, entry)
    api = api_as(reviewer)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api.get(f"{URL}/backflow/").status_code == 200
        return len(captured)

    one = queries()
    for _ in range(4):
        create(applicant, entry)
    assert queries() == one


def test_a_lower_peers_detail_has_the_back_flow_to_it(
    api_as, platform_admin, applicant, producer, reviewer, make_peer
):
    from .test_exports import receive, request_body

    county = make_peer(level="county", region="350582", name="晋江市分中心")
    publish(producer, reviewer, code="QZ-1")
    assert receive(county, "backflow.request", request_body())["answer"] == "applied"

    read = api_as(platform_admin).get(f"{URL}/peers/{county.pk}/").json()
    assert read["peer"]["node_id"] == county.node_id and read["peer"]["relation"] == "lower"
    [export] = read["exports"]
    assert (export["request_id"], export["resource"]["code"], export["region_prefix"]) == (
        7,
        "QZ-1",
        "350582",
    )
    assert export["application"] and export["grant"] is None

    assert api_as(applicant).get(f"{URL}/peers/{county.pk}/").status_code == 403
