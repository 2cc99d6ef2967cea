"""Back-flow on the lower node (docs/federation.md §14): a unit applies for an upper node's entry to flow back
(Q4.3); a county unit's goes through its county authority to the city's (Q-A2.4); the city authority's
approval goes to the upper node as ``backflow.request``; the upper node's answers (``backflow.step``,
``backflow.grant``) land on the same timeline, make the mirror, and stop this node's onward grants.

This node is the city ``fj-350500`` (``node_key``); the province is its upper peer, whose messages are
received here through ``message_receive`` as the endpoint would after verifying their signatures.
"""

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from dataplatform.core.business_days import due_after
from dataplatform.core.errors import ApplicationError, Forbidden
from dataplatform.core.models import Notification, Role
from dataplatform.core.models.units import UnitKind
from federation.backflow import backflow_act, backflow_actions, backflow_create
from federation.envelope import Envelope
from federation.inbox import message_receive
from federation.models import (
    BackflowRequest,
    BackflowStatus,
    OutboxMessage,
    Peer,
    RemoteEntry,
    RemoteStatus,
)
from sharing.models import Grant, GrantStatus
from sharing.workflow import application_act
from tests import factories
from tests.factories.sharing import apply, publish
from tests.federation.conftest import remote

pytestmark = pytest.mark.django_db

B = BackflowStatus
END = dt.date(2027, 12, 31)


def create(actor, entry, **fields):
    return backflow_create(
        actor=actor,
        remote_entry=entry,
        items=fields.pop("items", ["company_name"]),
        business_matter=fields.pop("business_matter", "企业开办一件事"),
        scenario=fields.pop("scenario", "核验企业名称"),
        basis=fields.pop("basis", "《福建省公共数据资源管理办法》"),
        end_date=fields.pop("end_date", END),
    )


def envelope(origin: Peer, kind: str, body: dict, seq: int) -> Envelope:
    return Envelope(
        id=uuid.uuid4(),
        kind=kind,
        sender=origin.node_id,
        recipient="fj-350500",
        stream=f"backflow:{body.get('request')}",
        seq=seq,
        sent_at=timezone.now(),
        body=body,
    )


def step(origin: Peer, request: BackflowRequest, status: str, label: str, seq: int, reason: str = "") -> dict:
    body = {
        "request": request.pk,
        "application": 4711,
        "status": status,
        "label": label,
        "reason": reason,
        "at": timezone.now().isoformat(),
    }
    return message_receive(peer=origin, envelope=envelope(origin, "backflow.step", body, seq))


def grant_change(origin: Peer, request: BackflowRequest, status: str, seq: int, reason: str = "") -> dict:
    body = {"request": request.pk, "status": status, "reason": reason}
    return message_receive(peer=origin, envelope=envelope(origin, "backflow.grant", body, seq))


def audited(request: BackflowRequest) -> list[str]:
    return list(
        AuditEvent.objects.filter(action__startswith="federation.backflow.", object_id=str(request.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


def approved(applicant, reviewer, entry) -> BackflowRequest:
    return backflow_act(request=create(applicant, entry), action="approve", actor=reviewer)


# --- the application --------------------------------------------------------------------------------


def test_a_city_unit_applies_and_its_city_authority_owes_the_review_in_five_business_days(
    applicant, reviewer, entry
):
    request = create(applicant, entry, items=["capital"])

    assert (request.status, request.applicant_unit, request.created_by) == (
        B.CITY_REVIEW,
        applicant.unit,
        applicant,
    )
    assert request.items == ["credit_code", "capital"]  # the record key always comes, in the entry's order
    assert request.due == due_after(timezone.now(), 5).date
    first = request.steps.get()
    assert (first.action, first.from_status, first.to_status, first.actor) == (
        "create",
        "",
        B.CITY_REVIEW,
        applicant,
    )
    assert audited(request) == ["federation.backflow.create"]
    assert Notification.objects.filter(recipient=reviewer, url=f"/federation/backflow/{request.pk}/").exists()


def test_a_county_unit_goes_through_its_county_authority_then_the_city_authority(
    county_applicant, county_reviewer, reviewer, entry
):
    request = create(county_applicant, entry)
    assert request.status == B.COUNTY_REVIEW
    assert Notification.objects.filter(recipient=county_reviewer).exists()
    assert [name for name, _action in backflow_actions(reviewer, request)] == []
    with pytest.raises(Forbidden):
        backflow_act(request=request, action="forward", actor=reviewer)

    request = backflow_act(request=request, action="forward", actor=county_reviewer)
    assert request.status == B.CITY_REVIEW
    assert Notification.objects.filter(recipient=reviewer).exists()
    with pytest.raises(Forbidden):
        backflow_act(request=request, action="approve", actor=county_reviewer)

    request = backflow_act(request=request, action="approve", actor=reviewer)
    assert request.status == B.UPSTREAM and request.due is None
    assert [s.action for s in request.steps.all()] == ["create", "forward", "approve"]
    assert audited(request) == [
        "federation.backflow.create",
        "federation.backflow.forward",
        "federation.backflow.approve",
    ]


def test_the_approval_sends_the_application_to_the_entrys_origin_node(applicant, reviewer, entry, province):
    request = approved(applicant, reviewer, entry)

    message = OutboxMessage.objects.get(kind="backflow.request")
    assert (message.peer, message.stream, message.seq) == (province, f"backflow:{request.pk}", 1)
    assert message.body == {
        "request": request.pk,
        "code": "FJ-P-1",
        "items": ["credit_code", "company_name"],
        "business_matter": "企业开办一件事",
        "scenario": "核验企业名称",
        "basis": "《福建省公共数据资源管理办法》",
        "end_date": "2027-12-31",
        "applicant": {"name": applicant.unit.name, "credit_code": applicant.unit.credit_code},
    }


def test_nothing_goes_up_before_the_authority_approves(applicant, entry):
    create(applicant, entry)
    assert not OutboxMessage.objects.filter(kind="backflow.request").exists()


@pytest.mark.parametrize(
    ("fields", "said"),
    [
        ({"items": ["no_such_item"]}, "no_such_item"),
        ({"items": []}, "minimum necessary"),
        ({"end_date": dt.date(2020, 1, 1)}, "future"),
        ({"business_matter": "  "}, "business matter"),
        ({"scenario": ""}, "business matter"),
    ],
)
def test_an_application_missing_what_the_rules_ask_is_refused(applicant, entry, fields, said, settings):
    settings.LANGUAGE_CODE = "en"
    with pytest.raises(ApplicationError) as refused:
        create(applicant, entry, **fields)
    assert said in refused.value.message
    assert not BackflowRequest.objects.exists()


def test_only_an_upper_nodes_available_entry_flows_back(applicant, make_peer, snapshot, entry):
    county_node = make_peer(level="county", region="350521")
    with pytest.raises(ApplicationError):
        create(applicant, remote(county_node, snapshot, code="JJ-1"))
    RemoteEntry.objects.filter(pk=entry.pk).update(status=RemoteStatus.RETIRED)
    entry.refresh_from_db()
    with pytest.raises(ApplicationError):
        create(applicant, entry)
    assert not BackflowRequest.objects.exists()


def test_only_a_government_units_data_administrator_applies(reviewer, entry):
    enterprise = factories.person(factories.unit("某企业", UnitKind.ENTERPRISE), Role.DATA_ADMIN)
    for person in (reviewer, enterprise):
        with pytest.raises(Forbidden):
            create(person, entry)


def test_a_refusal_needs_its_reasons_and_tells_the_applicant(applicant, reviewer, entry):
    request = create(applicant, entry)
    with pytest.raises(ApplicationError):
        backflow_act(request=request, action="refuse", actor=reviewer)

    request = backflow_act(request=request, action="refuse", actor=reviewer, reason="不属于本单位职责")
    assert request.status == B.REFUSED
    assert request.steps.last().reason == "不属于本单位职责"
    assert Notification.objects.filter(recipient=applicant, body="不属于本单位职责").exists()
    assert not OutboxMessage.objects.filter(kind="backflow.request").exists()


def test_the_applicant_withdraws_until_the_upper_node_answers(applicant, reviewer, entry, province):
    request = create(applicant, entry)
    assert backflow_act(request=request, action="withdraw", actor=applicant).status == B.WITHDRAWN

    request = approved(applicant, reviewer, entry)
    assert "withdraw" in [name for name, _action in backflow_actions(applicant, request)]
    step(province, request, "evaluating", "评估中", seq=1)
    request.refresh_from_db()
    assert "withdraw" not in [name for name, _action in backflow_actions(applicant, request)]
    with pytest.raises(Forbidden):
        backflow_act(request=request, action="withdraw", actor=applicant)


def test_another_unit_may_not_withdraw(applicant, outsider, entry):
    request = create(applicant, entry)
    with pytest.raises(Forbidden):
        backflow_act(request=request, action="withdraw", actor=outsider)


# --- the upper node's answers -----------------------------------------------------------------------------


def test_the_upper_nodes_steps_are_recorded_on_the_timeline(applicant, reviewer, entry, province):
    request = approved(applicant, reviewer, entry)

    assert step(province, request, "evaluating", "技术评估中", seq=1)["answer"] == "applied"
    assert step(province, request, "consulting", "征求提供部门意见", seq=2)["answer"] == "applied"

    request.refresh_from_db()
    assert (request.status, request.upstream_status, request.upstream_application) == (
        B.UPSTREAM,
        "征求提供部门意见",
        4711,
    )
    upstream = list(request.steps.filter(upstream=True).values_list("action", "status_label", "actor"))
    assert upstream == [("upstream", "技术评估中", None), ("upstream", "征求提供部门意见", None)]
    assert audited(request)[-2:] == ["federation.backflow.upstream", "federation.backflow.upstream"]


def test_the_upper_nodes_grant_makes_the_mirror(applicant, reviewer, entry, province):
    request = approved(applicant, reviewer, entry)

    step(province, request, "granted", "已授权", seq=1)

    request.refresh_from_db()
    assert request.status == B.GRANTED and request.upstream_status == "已授权"
    assert request.mirror is not None
    assert (request.mirror.origin_node, request.mirror.origin_code) == (province.node_id, "FJ-P-1")
    assert set(request.mirror.items.values_list("name", flat=True)) == {"credit_code", "company_name"}
    assert request.steps.last().action == "grant"
    assert audited(request)[-1] == "federation.backflow.grant"
    assert Notification.objects.filter(
        recipient=applicant, url=f"/federation/backflow/{request.pk}/"
    ).exists()


@pytest.mark.parametrize("status", ["refused", "returned"])
def test_the_upper_nodes_refusal_or_return_refuses_it_here(applicant, reviewer, entry, province, status):
    request = approved(applicant, reviewer, entry)

    step(province, request, status, "不予共享", seq=1, reason="该数据仅限省级使用")

    request.refresh_from_db()
    assert request.status == B.REFUSED and request.mirror is None
    last = request.steps.last()
    assert (last.action, last.upstream, last.reason) == ("refuse", True, "该数据仅限省级使用")


def test_a_late_answer_to_a_withdrawn_application_is_only_noted(applicant, reviewer, entry, province):
    request = approved(applicant, reviewer, entry)
    backflow_act(request=request, action="withdraw", actor=applicant)

    step(province, request, "granted", "已授权", seq=1)

    request.refresh_from_db()
    assert request.status == B.WITHDRAWN and request.mirror is None
    assert request.steps.last().action == "upstream"


@pytest.fixture
def granted(applicant, reviewer, entry, producer) -> BackflowRequest:
    """A granted back-flow whose mirror (a local entry standing in for it) has an active onward grant."""
    request = approved(applicant, reviewer, entry)
    mirror = publish(producer, reviewer, code="MIRROR-1")
    BackflowRequest.objects.filter(pk=request.pk).update(status=B.GRANTED, mirror=mirror)
    onward = application_act(application=apply(applicant, mirror), action="submit", actor=applicant)
    assert Grant.objects.get(application=onward).status == GrantStatus.ACTIVE
    request.refresh_from_db()
    return request


def test_the_upper_nodes_suspension_suspends_the_onward_grants(granted, province, applicant):
    answer = grant_change(province, granted, "suspended", seq=1, reason="数据质量核查")

    assert answer["answer"] == "applied"
    granted.refresh_from_db()
    assert granted.status == B.SUSPENDED
    onward = Grant.objects.get(resource=granted.mirror)
    assert onward.status == GrantStatus.SUSPENDED and "数据质量核查" in onward.status_reason
    assert onward.events.last().actor is None
    assert Notification.objects.filter(recipient=applicant, body="数据质量核查").exists()

    grant_change(province, granted, "active", seq=2)
    granted.refresh_from_db()
    assert granted.status == B.GRANTED
    grant_change(province, granted, "expired", seq=3)
    granted.refresh_from_db()
    assert granted.status == B.ENDED
    assert [s.action for s in granted.steps.filter(upstream=True)] == ["suspend", "resume", "end"]


def test_an_active_grant_repeated_changes_nothing(granted, province):
    grant_change(province, granted, "active", seq=1)
    granted.refresh_from_db()
    assert granted.status == B.GRANTED and not granted.steps.filter(upstream=True).exists()


def test_a_message_from_another_node_is_refused(granted, make_peer):
    other = make_peer(level="province", region="350000", node_id="fj-other")

    answer = grant_change(other, granted, "suspended", seq=1)

    assert answer["error"] == "apply_failed" and "no back-flow application" in answer["detail"]
    granted.refresh_from_db()
    assert granted.status == B.GRANTED


def test_a_malformed_grant_change_is_refused(granted, province):
    answer = grant_change(province, granted, "paused", seq=1)
    assert answer["error"] == "apply_failed" and '"status"' in answer["detail"]


# --- the pages --------------------------------------------------------------------------------------------


def test_the_remote_entry_page_offers_the_application_to_a_data_administrator(
    client, applicant, reviewer, entry, make_peer, snapshot
):
    client.force_login(applicant)
    page = client.get(f"/federation/catalog/{entry.pk}/").content.decode()
    assert f'href="/federation/backflow/new/{entry.pk}/"' in page

    lower = remote(make_peer(level="county", region="350521"), snapshot, code="JJ-1")
    assert (
        'data-testid="apply-backflow"' not in client.get(f"/federation/catalog/{lower.pk}/").content.decode()
    )

    client.force_login(reviewer)  # the authority's reviewer is no data administrator
    assert (
        'data-testid="apply-backflow"' not in client.get(f"/federation/catalog/{entry.pk}/").content.decode()
    )


def test_the_applicant_applies_through_the_form(client, applicant, entry):
    client.force_login(applicant)
    url = f"/federation/backflow/new/{entry.pk}/"
    page = client.get(url).content.decode()
    assert 'data-testid="item-company_name"' in page and 'data-testid="item-capital"' in page

    response = client.post(
        url,
        {
            "items": ["capital"],
            "business_matter": "企业开办",
            "scenario": "核验注册资本",
            "basis": "",
            "end_date": "2027-06-30",
        },
    )

    request = BackflowRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/federation/backflow/{request.pk}/"
    assert (request.items, request.end_date) == (["credit_code", "capital"], dt.date(2027, 6, 30))


def test_the_form_shows_a_refusal(client, applicant, entry):
    client.force_login(applicant)
    response = client.post(
        f"/federation/backflow/new/{entry.pk}/",
        {"items": ["capital"], "business_matter": "企业开办", "scenario": "核验", "end_date": "2020-01-01"},
    )
    assert response.status_code == 200 and response.context["form"].errors
    assert not BackflowRequest.objects.exists()


def test_the_list_shows_the_units_applications_and_the_reviewers_queue(client, applicant, reviewer, entry):
    request = create(applicant, entry)

    client.force_login(applicant)
    response = client.get("/federation/backflow/")
    assert [r.pk for r in response.context["mine"]] == [request.pk] and response.context["to_review"] == []

    client.force_login(reviewer)
    response = client.get("/federation/backflow/")
    assert [r.pk for r in response.context["to_review"]] == [request.pk]


def test_the_detail_page_shows_the_timeline_and_the_reviewer_acts_there(
    client, applicant, reviewer, entry, province
):
    request = create(applicant, entry)
    client.force_login(reviewer)
    assert 'data-testid="act-approve"' in client.get(f"/federation/backflow/{request.pk}/").content.decode()

    response = client.post(f"/federation/backflow/{request.pk}/", {"action": "approve"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == B.UPSTREAM

    step(province, request, "evaluating", "技术评估中", seq=1)
    client.force_login(applicant)
    page = client.get(f"/federation/backflow/{request.pk}/").content.decode()
    assert 'data-testid="at-upper"' in page and province.name in page and "技术评估中" in page
    assert 'data-testid="transfer"' in page


def test_the_detail_page_links_the_mirror(client, granted, applicant):
    client.force_login(applicant)
    page = client.get(f"/federation/backflow/{granted.pk}/").content.decode()
    assert f'href="/catalog/{granted.mirror_id}/"' in page


def test_another_units_application_is_404(client, applicant, outsider, county_reviewer, entry):
    request = create(applicant, entry)
    for person in (outsider, county_reviewer):  # a county's people and its authority: not theirs
        client.force_login(person)
        assert client.get(f"/federation/backflow/{request.pk}/").status_code == 404
        assert client.post(f"/federation/backflow/{request.pk}/", {"action": "withdraw"}).status_code == 404
    request.refresh_from_db()
    assert request.status == B.CITY_REVIEW


def test_a_public_organization_gets_404(client, entry):
    person = factories.person(factories.unit("某企业", UnitKind.ENTERPRISE), Role.DATA_ADMIN)
    client.force_login(person)
    assert client.get("/federation/backflow/").status_code == 404
    assert client.get(f"/federation/backflow/new/{entry.pk}/").status_code == 404


def test_the_steps_read_in_english_too(client, applicant, reviewer, entry, province):
    request = approved(applicant, reviewer, entry)
    step(province, request, "granted", "已授权", seq=1)
    client.force_login(applicant)
    page = client.get(
        f"/federation/backflow/{request.pk}/", headers={"accept-language": "en"}
    ).content.decode()
    assert "Granted by the upper node" in page and f"at {province.name}" in page
