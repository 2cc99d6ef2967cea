"""Back-flow on the upper node (docs/federation.md §14): a lower node's ``backflow.request`` becomes an Export
and an application of the unit acting for that node, decided by this node's own routing and deadlines; its
steps and its grant's events go back to the node on the request's stream.

This city (``fj-350500``) is the upper node of the county ``fj-350582``; the county's messages are
received here with ``message_receive``, as the endpoint does once their signature is verified.
"""

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from catalog.models import Category, ShareScope, ShareType
from catalog.workflow import resource_transition
from federation import transfer
from federation.acting import peer_unit
from federation.envelope import Envelope
from federation.inbox import message_receive
from federation.models import Export, ExportStatus, OutboxMessage, Peer
from sharing.models import Application, ApplicationStatus, Grant
from sharing.services import grant_change
from sharing.workflow import application_act
from tests.factories.sharing import publish

pytestmark = pytest.mark.django_db

CONDITIONAL = {
    "share_type": ShareType.CONDITIONAL,
    "share_conditions": "用于市场监管",
    "share_basis": "《企业信息公示暂行条例》",
    "category": Category.THEMATIC,
}
END = (timezone.localdate() + dt.timedelta(days=365)).isoformat()


@pytest.fixture
def county(node_key, make_peer) -> Peer:
    return make_peer(level="county", region="350582", name="晋江市分中心")


@pytest.fixture
def province(node_key, make_peer) -> Peer:
    return make_peer(level="province", region="350000", name="福建省平台")


@pytest.fixture
def started(monkeypatch) -> list[int]:
    """``transfer.export_start`` as its contract says (active, a full copy from now), writing down each call."""
    calls: list[int] = []

    def export_start(export: Export, *, now=None) -> None:
        calls.append(export.pk)
        export.status, export.phase = ExportStatus.ACTIVE, "full"
        export.horizon, export.after_key = now or timezone.now(), ""
        export.save()

    monkeypatch.setattr(transfer, "export_start", export_start, raising=False)
    return calls


@pytest.fixture
def entry(producer, reviewer):
    return publish(producer, reviewer, code="QZ-1")


def request_body(**changes) -> dict:
    return {
        "request": 7,
        "code": "QZ-1",
        "items": ["company_name"],
        "business_matter": "企业开办一件事",
        "scenario": "核验本县企业名称",
        "basis": "《福建省公共数据资源开放管理暂行办法》",
        "end_date": END,
        "applicant": {"name": "晋江市市场监督管理局", "credit_code": "11350582MB0000000X"},
        **changes,
    }


SEQS: dict[tuple[int, str], int] = {}


def receive(peer: Peer, kind: str, body: dict, stream: str | None = None) -> dict:
    stream = stream or f"backflow:{body.get('request')}"
    seq = SEQS[(peer.pk, stream)] = SEQS.get((peer.pk, stream), 0) + 1
    envelope = Envelope(
        id=uuid.uuid4(),
        kind=kind,
        sender=peer.node_id,
        recipient="fj-350500",
        stream=stream,
        seq=seq,
        sent_at=timezone.now(),
        body=body,
    )
    return message_receive(peer=peer, envelope=envelope)


@pytest.fixture(autouse=True)
def fresh_sequences():
    SEQS.clear()


def sent(peer: Peer, *kinds: str) -> list[dict]:
    rows = OutboxMessage.objects.filter(peer=peer, kind__in=kinds or ("backflow.step", "backflow.grant"))
    return [{"kind": row.kind, "stream": row.stream, **row.body} for row in rows.order_by("stream", "seq")]


def requested(peer: Peer, **changes) -> Export:
    answer = receive(peer, "backflow.request", request_body(**changes))
    assert answer["answer"] == "applied", answer
    return Export.objects.select_related("application").get(peer=peer)


# --- the request ------------------------------------------------------------------------------------------


def test_a_lower_nodes_request_becomes_an_export_and_a_submitted_application_of_its_acting_unit(
    county, entry, started
):
    export = requested(county)

    application = export.application
    assert (export.request_id, export.resource, export.status) == (7, entry, ExportStatus.WAITING)
    assert export.items == ["credit_code", "company_name"]  # the record key travels with the asked items
    assert export.region_prefix == "350582"
    assert application.applicant_unit == peer_unit(county)
    assert application.service_method == "bulk_exchange"
    assert application.information_system == "晋江市分中心（回流）"
    assert "晋江市市场监督管理局" in application.scope and "暂行办法" in application.scope
    assert list(application.lines.values_list("resource", "items")) == [(entry.pk, export.items)]
    # This node's own routing and clock: an unconditional bulk exchange is configured, due in 5 business days.
    assert application.status == ApplicationStatus.CONFIGURING
    assert application.due is not None and application.due > timezone.localdate()
    event = AuditEvent.objects.get(action="federation.export_create")
    assert event.owner_unit_id == entry.producer_id
    assert event.detail == {
        "peer": county.node_id,
        "request": 7,
        "items": export.items,
        "application": application.pk,
    }


def test_a_city_region_is_cut_to_its_prefix(node_key, make_peer, entry, started, settings):
    settings.NODE_LEVEL = "province"  # this node is the province; the city is its lower node
    city = make_peer(level="city", region="350200", name="厦门市平台")
    assert requested(city).region_prefix == "3502"


def test_the_region_is_the_one_registered_for_the_peer_not_the_one_its_message_claims(county, entry, started):
    # A lower node may not widen its own locality filter (FB12) by naming the whole province.
    assert requested(county, region="350000").region_prefix == "350582"


def test_a_redelivered_request_changes_nothing(county, entry, started):
    requested(county)
    again = receive(county, "backflow.request", request_body(items=["capital"]))

    assert again["answer"] == "applied"
    assert Export.objects.get().items == ["credit_code", "company_name"]
    assert Application.objects.count() == 1


def test_a_conditional_entry_goes_to_the_evaluator_like_any_application(county, producer, reviewer, started):
    publish(producer, reviewer, code="QZ-1", **CONDITIONAL)
    assert requested(county).application.status == ApplicationStatus.EVALUATING


def refusal(peer: Peer, **changes) -> str:
    answer = receive(peer, "backflow.request", request_body(**changes))
    assert answer["error"] == "apply_failed"
    assert not Export.objects.exists() and not Application.objects.exists()
    return answer["detail"]


def test_an_upper_node_may_not_ask_for_back_flow(province, entry):
    assert "only a lower node" in refusal(province)


def test_an_unknown_code_is_refused(county, entry):
    assert "no entry 'QZ-404'" in refusal(county, code="QZ-404")


def test_an_entry_not_shared_with_the_other_nodes_is_refused(county, producer, reviewer):
    publish(producer, reviewer, code="QZ-1", share_scope=ShareScope.SAME_REGION)
    assert "not shared with the other nodes" in refusal(county)


def test_a_retired_entry_is_refused(county, entry, producer):
    resource_transition(resource=entry, to="retired", actor=producer, reason="停止采集")
    assert "not available" in refusal(county)


def test_items_the_entry_lacks_are_refused(county, entry):
    assert "has no data items id_no" in refusal(county, items=["company_name", "id_no"])


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"end_date": "soon"}, '"end_date" must be a date'),
        ({"request": "7"}, '"request" must be a whole number'),
        ({"items": []}, '"items" must be a list'),
        ({"applicant": "某局"}, '"applicant" must be an object'),
    ],
)
def test_a_malformed_request_is_refused(county, entry, changes, said):
    assert said in refusal(county, **changes)


def test_a_request_the_application_rules_refuse_is_refused_with_their_words(county, producer, reviewer):
    publish(producer, reviewer, code="QZ-1", service_methods=["interface"])
    assert "不提供“批量数据交换”方式" in refusal(county)  # sharing.workflow's own refusal


# --- the steps and the grant, back to the node -------------------------------------------------------------


def test_each_step_goes_to_the_node_in_order_with_its_label_in_chinese(county, entry, evaluator, started):
    export = requested(county)
    application_act(application=export.application, action="configure", actor=evaluator)

    steps = sent(county, "backflow.step")
    assert [(s["stream"], s["status"], s["label"]) for s in steps] == [
        ("backflow:7", "configuring", "推送任务配置中"),
        ("backflow:7", "granted", "已授权"),
    ]
    assert steps[0]["request"] == 7 and steps[0]["application"] == export.application_id
    seqs = list(OutboxMessage.objects.filter(peer=county, stream="backflow:7").values_list("kind", "seq"))
    assert sorted(seqs, key=lambda row: row[1]) == [
        ("backflow.step", 1),
        ("backflow.step", 2),
        ("backflow.grant", 3),
    ]


def test_the_grant_starts_the_transfer_and_tells_the_node(county, entry, evaluator, started):
    export = requested(county)
    application_act(application=export.application, action="configure", actor=evaluator)

    export.refresh_from_db()
    assert export.grant == Grant.objects.get(application=export.application)
    assert (export.status, started) == (ExportStatus.ACTIVE, [export.pk])
    assert sent(county, "backflow.grant") == [
        {"kind": "backflow.grant", "stream": "backflow:7", "request": 7, "status": "active", "reason": ""}
    ]


def test_a_returned_application_ends_the_export_as_refused(county, producer, reviewer, evaluator, started):
    publish(producer, reviewer, code="QZ-1", **CONDITIONAL)
    export = requested(county)
    application_act(
        application=export.application, action="unreasonable", actor=evaluator, opinion="用途不明"
    )

    export.refresh_from_db()
    assert export.status == ExportStatus.REFUSED and started == []
    last = sent(county, "backflow.step")[-1]
    assert (last["status"], last["reason"]) == ("returned", "用途不明")
    assert sent(county, "backflow.grant") == []


@pytest.fixture
def granted(county, entry, evaluator, started) -> Export:
    export = requested(county)
    application_act(application=export.application, action="configure", actor=evaluator)
    export.refresh_from_db()
    return export


def grant_messages(peer: Peer) -> list[tuple[str, str]]:
    return [(m["status"], m["reason"]) for m in sent(peer, "backflow.grant")]


def test_a_suspended_grant_suspends_the_export_and_tells_the_node_why(county, granted, reviewer, started):
    grant_change(actor=reviewer, grant=granted.grant, move="suspend", reason="发现超范围使用")

    granted.refresh_from_db()
    assert granted.status == ExportStatus.SUSPENDED
    assert grant_messages(county) == [("active", ""), ("suspended", "发现超范围使用")]


def test_a_resumed_grant_starts_a_full_copy_again(county, granted, reviewer, started):
    grant_change(actor=reviewer, grant=granted.grant, move="suspend", reason="核查")
    grant_change(actor=reviewer, grant=granted.grant, move="resume", reason="核查完毕")

    granted.refresh_from_db()
    assert granted.status == ExportStatus.ACTIVE and started == [granted.pk, granted.pk]
    assert grant_messages(county)[-1] == ("active", "核查完毕")


def test_an_ended_grant_ends_the_export(county, granted, reviewer):
    grant_change(actor=reviewer, grant=granted.grant, move="end", reason="停止回流")

    granted.refresh_from_db()
    assert granted.status == ExportStatus.ENDED
    assert grant_messages(county)[-1] == ("ended", "停止回流")


def test_an_ordinary_application_sends_nothing(county, entry, applicant, evaluator):
    from tests.factories.sharing import apply

    application = apply(applicant, entry, method="bulk_exchange")
    application = application_act(application=application, action="submit", actor=applicant)
    application_act(application=application, action="configure", actor=evaluator)

    assert sent(county) == []


# --- the peer's page --------------------------------------------------------------------------------------


def test_the_lower_peers_page_shows_its_back_flows(client, platform_admin, county, granted):
    client.force_login(platform_admin)
    page = client.get(f"/federation/peers/{county.pk}/").content.decode()

    assert 'data-testid="exports"' in page
    assert f'data-export="{granted.pk}"' in page
    assert "#7" in page and "企业登记信息" in page
    assert f"/sharing/applications/{granted.application_id}/" in page


def test_an_upper_peers_page_has_no_back_flow_section(client, platform_admin, province):
    client.force_login(platform_admin)
    page = client.get(f"/federation/peers/{province.pk}/").content.decode()

    assert page and 'data-testid="exports"' not in page


def test_with_the_real_transfer_the_grant_starts_a_full_copy(county, entry, evaluator):
    export = requested(county)
    application_act(application=export.application, action="configure", actor=evaluator)

    export.refresh_from_db()
    assert (export.status, export.phase, export.after_key) == (ExportStatus.ACTIVE, "full", "")
    assert export.horizon is not None
    assert [m["status"] for m in sent(county, "backflow.grant")] == ["active"]
