"""A province and two cities, Quanzhou and Xiamen, as three real nodes (issue 17's proof).

Each node is gunicorn on a loopback port with its own PostgreSQL database, key and ``NODE_*`` settings, and
its own Celery worker with its beat on a queue of its own (``harness.py``): messages go out from the
workers, on their own time, and the test waits for the state each step must reach (``eventually``).

The story: the three trust each other; the province's entry with a region item cascades down to both
cities and each city's shared entry up to the province; a Quanzhou unit applies for the province's entry to
flow back, the Quanzhou authority approves, the province decides it by its own workflow, each answer shows
on Quanzhou's timeline; the records flow into Quanzhou's mirror, Quanzhou's rows only (FB12), and the same
for Xiamen with Xiamen's rows; an increment with deletions follows to each city for its own region; inside
Quanzhou a unit is granted the mirror under Quanzhou's own workflow; Quanzhou's open catalog reaches the
province's portal; the use of the mirrored data reaches the province's producer (Q8.4). Then the province is
killed in the middle of a sync and Quanzhou's worker in the middle of its deliveries: once they are back, the
end state is exactly the rows each city must hold, nothing lost and nothing twice; forged, expired and
replayed requests to Quanzhou are refused and audited.
"""

from pathlib import Path

import pytest
import requests

from tests.federation.harness import Node, eventually, network, postgres_url
from tests.federation.test_two_nodes import (
    audit_ids,
    peer_row,
    post,
    register,
    remote_entries,
    signed_requests,
)

pytestmark = pytest.mark.federation

PROVINCE = ("province", "province", "350000")
QUANZHOU = ("quanzhou", "city", "350500")
XIAMEN = ("xiamen", "city", "350200")
REDIS_DBS = (6, 7, 8)  # one Redis database per node: its broker, its cache; each on a queue of its own

# Companies of the province's register, by division: 3505xx are Quanzhou's, 3502xx Xiamen's, 3501xx
# Fuzhou's (no node here).
COMPANIES = [
    (f"91350{n:05d}X", f"企业{n}", division)
    for n, division in enumerate(["350503", "350582", "350203", "350211", "350102"] * 8)
]
QUANZHOU_KEYS = {key for key, _name, division in COMPANIES if division.startswith("3505")}
XIAMEN_KEYS = {key for key, _name, division in COMPANIES if division.startswith("3502")}

PEOPLE = """
import json
from dataplatform.core.models import Role, User
from dataplatform.core.models.units import Level, UnitKind
from tests import factories
if not User.objects.filter(username="producer").exists():
    region = factories.region({region!r}, {region_name!r}, Level.CITY)  # regions know no level above the city
    authority = factories.unit({region_name!r} + "大数据管理局", UnitKind.AUTHORITY, region)
    tech = factories.unit({region_name!r} + "大数据服务中心", UnitKind.TECH_SERVICE, region)
    producer_unit = factories.unit({region_name!r} + "市场监督管理局", UnitKind.GOVERNMENT, region)
    applicant_unit = factories.unit({region_name!r} + "税务局", UnitKind.GOVERNMENT, region)
    factories.person(producer_unit, Role.DATA_ADMIN, username="producer")
    factories.person(applicant_unit, Role.DATA_ADMIN, username="applicant")
    factories.person(authority, Role.REVIEWER, username="reviewer")
    factories.person(tech, Role.EVALUATOR, username="evaluator")
print(json.dumps(True))
"""

# The province's register of companies, with the division code as its region item (FB12).
REGISTER = """
import json
from catalog.aggregation.services import records_upsert
from dataplatform.core.models import User
from tests.factories.catalog import ITEMS
from tests.factories.sharing import publish
producer, reviewer = User.objects.get(username="producer"), User.objects.get(username="reviewer")
items = [*ITEMS[:2], {{"name": "division", "label": "行政区划代码", "item_type": "string", "length": 6,
                       "is_region": True}}]
entry = publish(producer, reviewer, code="FJ-SCJG-0001", name="福建省企业登记信息", items=items,
                service_methods=["bulk_exchange", "interface"])
records_upsert(actor=producer, resource=entry, records=[
    {{"credit_code": key, "company_name": name, "division": division}} for key, name, division in {rows!r}])
print(json.dumps(entry.pk))
"""

SHARED_ENTRY = """
import json
from dataplatform.core.models import User
from tests.factories.sharing import publish
producer, reviewer = User.objects.get(username="producer"), User.objects.get(username="reviewer")
print(json.dumps(publish(producer, reviewer, code={code!r}, name={name!r}).pk))
"""

# A Quanzhou (or Xiamen) unit applies for the province's entry to flow back; its authority approves.
BACKFLOW = """
import datetime as dt, json
from dataplatform.core.models import User
from federation.backflow import backflow_act, backflow_create
from federation.models import RemoteEntry
applicant, reviewer = User.objects.get(username="applicant"), User.objects.get(username="reviewer")
request = backflow_create(
    actor=applicant, remote_entry=RemoteEntry.objects.get(code="FJ-SCJG-0001"),
    items=["credit_code", "company_name", "division"], business_matter="税收征管",
    scenario="核对辖区企业登记信息", basis="《福建省政务数据管理办法》", end_date=dt.date.today() + dt.timedelta(days=365))
request = backflow_act(request=request, action="approve", actor=reviewer)
print(json.dumps(request.pk))
"""

# The province decides the application made for a city by its own workflow: bulk exchange of an
# unconditional entry goes to the technical service unit, which configures it, and is granted.
DECIDE = """
import json
from dataplatform.core.models import User
from federation.models import Export
from sharing.workflow import application_act
export = Export.objects.select_related("application", "peer").get(peer__node_id={peer!r})
evaluator = User.objects.get(username="evaluator")
application = application_act(application=export.application, action="configure", actor=evaluator)
print(json.dumps(application.status))
"""

EXPORTS_STEP = """
import json
from federation.transfer import exports_step
total = 0
while (sent := exports_step()):
    total += sent
print(json.dumps(total))
"""

MORE = """
from catalog.aggregation.services import records_upsert
from catalog.models import Resource
from dataplatform.core.models import User
records_upsert(actor=User.objects.get(username="producer"), resource=Resource.objects.get(code="FJ-SCJG-0001"),
               records=[{{"credit_code": k, "company_name": n, "division": d}} for k, n, d in {rows!r}])
print("true")
"""

INCREMENT = """
import json
from catalog.aggregation.deletion import records_delete
from catalog.aggregation.services import records_upsert
from catalog.models import Resource
from dataplatform.core.models import User
producer = User.objects.get(username="producer")
entry = Resource.objects.get(code="FJ-SCJG-0001")
records_upsert(actor=producer, resource=entry, records=[{changed!r}])
records_delete(actor=producer, resource=entry, keys={deleted!r})
print(json.dumps(True))
"""

MIRROR_KEYS = """
import json
from catalog.records import iter_records
from federation.models import BackflowRequest
request = BackflowRequest.objects.select_related("mirror").get(pk={pk})
rows = dict() if request.mirror is None else dict(
    (row.key, row.data) for row in iter_records(resource_id=request.mirror_id))
print(json.dumps({{"status": request.status, "rows": rows}}, ensure_ascii=False))
"""

# Inside Quanzhou, a unit applies for the mirror under Quanzhou's own workflow and is granted.
ONWARD = """
import json
from dataplatform.core.models import User
from federation.models import BackflowRequest
from sharing.workflow import application_act
from tests.factories.sharing import apply
mirror = BackflowRequest.objects.get(pk={pk}).mirror
applicant = User.objects.get(username="applicant")
application = apply(applicant, mirror, items=("credit_code", "company_name"))
application = application_act(application=application, action="submit", actor=applicant)
print(json.dumps(application.status))
"""

# The grantee inside Quanzhou reads a mirrored record through the data interface with its API key; the day's
# use is then reported to the province (the timer's run of the next day).
API_KEY = """
import json
from dataplatform.core.apikeys import api_key_issue
from dataplatform.core.models import User
applicant = User.objects.get(username="applicant")
print(json.dumps(api_key_issue(actor=applicant, unit=applicant.unit, name="税收征管系统").key))
"""
USAGE = """
import datetime as dt, json
from django.utils import timezone
from federation.usage import usage_reports_send
print(json.dumps(usage_reports_send(now=timezone.now() + dt.timedelta(days=1))))
"""

OPEN = """
import json
from catalog.models import OpenType
from dataplatform.core.models import User
from opening.services import open_entry_propose
from opening.workflow import open_entry_transition
from tests.factories.opening import RULES, make_resource
producer, reviewer = User.objects.get(username="producer"), User.objects.get(username="reviewer")
resource = make_resource(producer, reviewer, code="QZ-KF-0001", name="个体工商户证照信息")
entry = open_entry_propose(actor=producer, resource=resource, open_type=OpenType.UNIVERSAL, rules=RULES, tags=["证照"])
entry = open_entry_transition(entry=entry, action="open", actor=reviewer, open_type=OpenType.UNIVERSAL)
print(json.dumps(entry.slug))
"""


@pytest.fixture(scope="module")
def nodes(tmp_path_factory):
    if not postgres_url():
        pytest.skip("the federation harness needs DATABASE_URL on PostgreSQL (make test sets it)")
    specs = (PROVINCE, QUANZHOU, XIAMEN)
    with network(tmp_path_factory.mktemp("three"), *specs, redis_dbs=REDIS_DBS) as started:
        yield started


def test_three_nodes_cascade_flow_back_by_locality_and_survive_kills(nodes, tmp_path):
    province, quanzhou, xiamen = nodes
    for city in (quanzhou, xiamen):
        register(province, city)
        register(city, province)
    province.shell(PEOPLE.format(region="350000", region_name="福建省"))
    quanzhou.shell(PEOPLE.format(region="350500", region_name="泉州市"))
    xiamen.shell(PEOPLE.format(region="350200", region_name="厦门市"))

    catalogs_cascade_both_ways(province, quanzhou, xiamen)
    quanzhou_request = backflow_decided_at_the_province(province, quanzhou)
    xiamen_request = backflow_decided_at_the_province(province, xiamen)
    each_city_holds_its_own_region(province, {quanzhou: quanzhou_request, xiamen: xiamen_request})
    increments_with_deletions_follow(province, {quanzhou: quanzhou_request, xiamen: xiamen_request})
    the_city_grants_its_own_units_the_mirror(quanzhou, quanzhou_request)
    the_use_of_mirrored_data_reaches_the_producer(province, quanzhou, quanzhou_request)
    open_data_reaches_the_provincial_portal(province, quanzhou)
    a_killed_province_and_a_killed_worker_lose_nothing(
        province, quanzhou, xiamen, {quanzhou: quanzhou_request, xiamen: xiamen_request}
    )
    forgeries_are_refused_and_audited(province, quanzhou, tmp_path)


# --- the story's steps ---------------------------------------------------------------------------------


def catalogs_cascade_both_ways(province: Node, quanzhou: Node, xiamen: Node) -> None:
    province.shell(REGISTER.format(rows=COMPANIES))
    quanzhou.shell(SHARED_ENTRY.format(code="QZ-SCJG-0001", name="泉州市企业年报信息"))
    xiamen.shell(SHARED_ENTRY.format(code="XM-SCJG-0001", name="厦门市企业年报信息"))
    for city in (quanzhou, xiamen):
        eventually(
            lambda city=city: (
                ("fj-350000", "FJ-SCJG-0001", 1, "福建省企业登记信息", "active") in remote_entries(city)
            ),
            what=f"the province's entry at {city.name}",
        )
    eventually(
        lambda: (
            {(origin, code) for origin, code, *_ in remote_entries(province)}
            == {("fj-350500", "QZ-SCJG-0001"), ("fj-350200", "XM-SCJG-0001")}
        ),
        what="both cities' entries at the province",
    )


def backflow_decided_at_the_province(province: Node, city: Node) -> int:
    request = city.shell(BACKFLOW)
    # The province made an application of the unit acting for the city, under its own workflow.
    eventually(
        lambda: province.scalar(
            "SELECT a.status FROM federation_export e JOIN sharing_application a ON a.id = e.application_id "
            "JOIN federation_peer p ON p.id = e.peer_id WHERE p.node_id = %s",
            [city.node_id],
        ),
        what=f"{city.name}'s application at the province",
    )
    assert province.shell(DECIDE.format(peer=city.node_id)) == "granted"
    # Each of the province's answers is on the city's timeline, and the request is granted there.
    eventually(
        lambda: (
            city.scalar("SELECT status FROM federation_backflowrequest WHERE id = %s", [request]) == "granted"
            and city.scalar("SELECT mirror_id FROM federation_backflowrequest WHERE id = %s", [request])
        ),
        what=f"{city.name}'s request granted with its mirror",
    )
    upstream_steps = city.scalar(
        "SELECT count(*) FROM federation_backflowstep WHERE request_id = %s AND upstream", [request]
    )
    assert upstream_steps >= 2  # submitted and configured there at least
    the_citys_api_shows_it(city, request)
    return request


def the_citys_api_shows_it(city: Node, request: int) -> None:
    """The applying unit's system reads the same through the city's REST API: the province's entry, marked
    with its origin, and the application's timeline with the province's answers."""
    api = requests.Session()
    api.headers["Authorization"] = f"Api-Key {city.shell(API_KEY)}"
    entries = api.get(
        f"{city.url}/api/v1/federation/remote-entries/", params={"relation": "upper"}, timeout=30
    )
    assert [(e["code"], e["origin"]["node_id"]) for e in entries.json()["results"]] == [
        ("FJ-SCJG-0001", "fj-350000")
    ]
    read = api.get(f"{city.url}/api/v1/federation/backflow/{request}/", timeout=30).json()
    assert read["status"] == "granted" and read["mirror"] and read["allowed_actions"] == []
    upstream = [step for step in read["steps"] if step["upstream"]]
    assert len(upstream) >= 2 and upstream[-1]["to_status"] == "granted"


def mirror(city: Node, request: int) -> dict:
    return city.shell(MIRROR_KEYS.format(pk=request))


def each_city_holds_its_own_region(province: Node, requests: dict[Node, int]) -> None:
    eventually(lambda: province.shell(EXPORTS_STEP) == 0 and not pending_transfers(province), timeout=120)
    expected = {node.name: keys for node, keys in zip(requests, (QUANZHOU_KEYS, XIAMEN_KEYS), strict=True)}
    for city, request in requests.items():
        eventually(
            lambda city=city, request=request: set(mirror(city, request)["rows"]) == expected[city.name],
            what=f"{city.name}'s region's rows, and only those",
        )


def pending_transfers(node: Node) -> int:
    return node.scalar(
        "SELECT count(*) FROM federation_outboxmessage WHERE status = 'pending' AND kind = 'transfer.chunk'"
    )


def increments_with_deletions_follow(province: Node, requests: dict[Node, int]) -> None:
    quanzhou_key = sorted(QUANZHOU_KEYS)[0]
    changed = {"credit_code": quanzhou_key, "company_name": "企业（已更名）", "division": "350503"}
    gone = [sorted(QUANZHOU_KEYS)[1], sorted(XIAMEN_KEYS)[0]]
    province.shell(INCREMENT.format(changed=changed, deleted=gone))
    eventually(lambda: province.shell(EXPORTS_STEP) == 0 and not pending_transfers(province), timeout=120)
    quanzhou, xiamen = requests
    eventually(
        lambda: (
            mirror(quanzhou, requests[quanzhou])["rows"].get(quanzhou_key, {}).get("company_name")
            == "企业（已更名）"
            and set(mirror(quanzhou, requests[quanzhou])["rows"]) == QUANZHOU_KEYS - {gone[0]}
        ),
        what="Quanzhou's increment: one row renamed, one deleted",
    )
    eventually(
        lambda: set(mirror(xiamen, requests[xiamen])["rows"]) == XIAMEN_KEYS - {gone[1]},
        what="Xiamen's increment: its own deletion only",
    )
    # A city is never told of another region's deleted keys.
    sent_deletions = province.sql(
        "SELECT p.node_id, o.body FROM federation_outboxmessage o JOIN federation_peer p ON p.id = o.peer_id "
        "WHERE o.kind = 'transfer.chunk' AND o.body->>'phase' = 'delete'"
    )
    for node_id, body in sent_deletions:
        assert set(body["keys"]) <= (QUANZHOU_KEYS if node_id == "fj-350500" else XIAMEN_KEYS)


def the_city_grants_its_own_units_the_mirror(quanzhou: Node, request: int) -> None:
    # An unconditional entry read through the data interface: Quanzhou's own workflow grants it at once.
    assert quanzhou.shell(ONWARD.format(pk=request)) == "granted"
    grants = quanzhou.scalar(
        "SELECT count(*) FROM sharing_grant g JOIN federation_backflowrequest r ON r.mirror_id = g.resource_id "
        "WHERE r.id = %s AND g.status = 'active'",
        [request],
    )
    assert grants == 1


def the_use_of_mirrored_data_reaches_the_producer(province: Node, quanzhou: Node, request: int) -> None:
    mirror_id = quanzhou.scalar("SELECT mirror_id FROM federation_backflowrequest WHERE id = %s", [request])
    key = sorted(QUANZHOU_KEYS)[2]
    answer = requests.get(
        f"{quanzhou.url}/api/v1/data/resources/{mirror_id}/records/{key}/",
        headers={"Authorization": f"Api-Key {quanzhou.shell(API_KEY)}"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["data"]["company_name"] == dict((k, n) for k, n, _d in COMPANIES)[key]
    assert quanzhou.shell(USAGE) >= 1
    usage = eventually(
        lambda: province.sql(
            "SELECT u.name, e.detail FROM audit_auditevent e JOIN core_unit u ON u.id = e.owner_unit_id "
            "WHERE e.action = 'federation.usage'"
        ),
        what="Quanzhou's use of the mirror in the producer's usage log",
    )
    [(owner, detail)] = usage
    assert owner == "福建省市场监督管理局" and detail["calls"] >= 1 and detail["peer"] == quanzhou.node_id


def open_data_reaches_the_provincial_portal(province: Node, quanzhou: Node) -> None:
    slug = quanzhou.shell(OPEN)
    eventually(
        lambda: (
            province.scalar("SELECT status FROM federation_remotedataset WHERE slug = %s", [slug]) == "active"
        ),
        what="Quanzhou's open dataset on the province's portal",
    )
    page = requests.get(f"{province.url}/open/network/", timeout=30).text
    assert f"{quanzhou.url}/open/datasets/{slug}/" in page
    listed = requests.get(
        f"{province.url}/api/v1/federation/open-network/", timeout=30
    ).json()  # no credentials
    assert [(d["slug"], d["origin"]["node_id"]) for d in listed["results"]] == [(slug, "fj-350500")]
    assert listed["results"][0]["landing_url"] == f"{quanzhou.url}/open/datasets/{slug}/"


def a_killed_province_and_a_killed_worker_lose_nothing(
    province: Node, quanzhou: Node, xiamen: Node, requests: dict[Node, int]
) -> None:
    more = [(f"91351{n:05d}X", f"新企业{n}", ["350503", "350203"][n % 2]) for n in range(600)]
    small = {"FEDERATION_TRANSFER_ROWS": "20"}  # many chunks, so that the kills land in the middle
    # The province's worker dies; the records change and the chunks are queued; then the whole province
    # loses power with them waiting.
    province.kill_worker()
    province.shell(MORE.format(rows=more))
    eventually(lambda: province.shell(EXPORTS_STEP, env=small) == 0 and pending_transfers(province) > 20)
    province.kill()
    # Quanzhou's web process dies too, and its worker with a message of its own waiting to go up.
    quanzhou.kill()
    quanzhou.kill_worker()
    quanzhou.shell(SHARED_ENTRY.format(code="QZ-SCJG-0002", name="泉州市企业信用修复信息"))
    assert quanzhou.scalar("SELECT count(*) FROM federation_outboxmessage WHERE status = 'pending'") >= 1

    # The province comes back first: Xiamen is served, Quanzhou is down and backs off.
    province.start()
    province.start_worker()
    province.manage("federation_deliver", "--once")
    assert peer_row(province, quanzhou)["failures"] >= 1
    # Quanzhou comes back; the operators retry now rather than wait out the back-off.
    quanzhou.start()
    quanzhou.start_worker()
    eventually(
        lambda: (
            province.manage("federation_deliver", "--once", "--retry-now") is not None
            and province.shell(EXPORTS_STEP, env=small) == 0
            and not pending_transfers(province)
        ),
        timeout=180,
        what="the province's backlog drained after the restarts",
    )
    quanzhou.manage("federation_deliver", "--once", "--retry-now")
    eventually(
        lambda: (
            ("fj-350500", "QZ-SCJG-0002") in {(origin, code) for origin, code, *_ in remote_entries(province)}
        ),
        what="Quanzhou's message queued while its worker was dead",
    )
    quanzhou_keys = QUANZHOU_KEYS - {sorted(QUANZHOU_KEYS)[1]} | {
        k for k, _n, d in more if d.startswith("3505")
    }
    xiamen_keys = XIAMEN_KEYS - {sorted(XIAMEN_KEYS)[0]} | {k for k, _n, d in more if d.startswith("3502")}
    for city, keys in ((quanzhou, quanzhou_keys), (xiamen, xiamen_keys)):
        eventually(
            lambda city=city, keys=keys: set(mirror(city, requests[city])["rows"]) == keys,
            timeout=120,
            what=f"{city.name}'s mirror exactly its region's rows after the kills",
        )
        # Nothing applied twice: each message id is in the city's inbox once.
        duplicates = city.scalar(
            "SELECT count(*) FROM (SELECT message_id FROM federation_inboxmessage GROUP BY peer_id, message_id "
            "HAVING count(*) > 1) d"
        )
        assert duplicates == 0
    assert peer_row(quanzhou, province)["status"] == "active"


def forgeries_are_refused_and_audited(province: Node, quanzhou: Node, keys: Path) -> None:
    signed = signed_requests(province, quanzhou, keys)
    assert post(quanzhou, signed["captured"]).status_code == 200
    for code, request in {
        "bad_signature": signed["forged"],
        "signature_expired": signed["expired"],
        "replayed": signed["captured"],
        "unknown_node": signed["stranger"],
    }.items():
        answer = post(quanzhou, request)
        assert answer.status_code in (401, 403) and answer.json()["code"] == code
    refused = quanzhou.sql("SELECT detail->>'code' FROM audit_auditevent WHERE action = 'federation.refuse'")
    assert sorted(code for (code,) in refused) == sorted(
        ["bad_signature", "signature_expired", "replayed", "unknown_node"]
    )
    # Both logs name every chunk sent to Quanzhou under the same message id: each applied there once.
    sent = audit_ids(province, "federation.send", kind="transfer.chunk", peer=quanzhou.node_id)
    applied = audit_ids(quanzhou, "federation.apply", kind="transfer.chunk")
    assert sorted(applied) == sorted(sent)
