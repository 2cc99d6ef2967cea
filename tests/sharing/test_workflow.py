"""Every route of SPEC section 3, and every action with a person allowed and one not allowed."""

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from audit.models import AuditEvent
from dataplatform.core.errors import ApplicationError
from dataplatform.core.models import Notification
from sharing.models import ApplicationStep, Grant
from sharing.services import attachment_add
from sharing.workflow import allowed_actions, application_act
from tests.factories.sharing import apply

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_english():
    """The services' messages are asserted in English here; tests/*/test_labels.py has them in Chinese."""
    with translation.override("en"):
        yield


# Thursday 24 September 2026, 10:00 in Beijing: the next five business days end on Friday 9 October.
THURSDAY = dt.datetime(2026, 9, 24, 2, 0, tzinfo=dt.UTC)


def act(application, action, actor, **kw):
    return application_act(application=application, action=action, actor=actor, **kw)


def walk_to_review(applicant, conditional, evaluator, producer, method="interface"):
    application = act(apply(applicant, conditional, method=method), "submit", applicant)
    application = act(application, "reasonable", evaluator)
    return act(application, "agree", producer, opinion="同意共享")


def test_unconditional_data_by_interface_is_granted_at_once_and_recorded(applicant, unconditional):
    application = act(apply(applicant, unconditional), "submit", applicant)
    assert application.status == "granted"
    grant = Grant.objects.get(application=application)
    assert grant.items == ["credit_code", "company_name"] and grant.status == "active"
    assert AuditEvent.objects.filter(action="application.submit", object_id=str(application.pk)).exists()


def test_unconditional_bulk_exchange_is_configured_by_the_technical_service_unit_and_filed(
    applicant, unconditional, evaluator, reviewer
):
    application = act(apply(applicant, unconditional, method="bulk_exchange"), "submit", applicant)
    assert application.status == "configuring"
    with pytest.raises(ApplicationError):
        act(application, "configure", applicant)
    application = act(application, "configure", evaluator)
    assert application.status == "granted"
    assert Notification.objects.filter(recipient=reviewer, title__startswith="批量交换备案").exists()


def test_conditional_data_is_evaluated_then_consulted_then_decided(
    applicant, conditional, evaluator, producer, reviewer
):
    application = walk_to_review(applicant, conditional, evaluator, producer)
    assert application.status == "reviewing"
    line = application.lines.get()
    assert line.producer_agrees is True and line.producer_opinion == "同意共享"
    application = act(application, "approve", reviewer, opinion="同意")
    assert application.status == "granted"
    steps = list(ApplicationStep.objects.filter(application=application).values_list("action", flat=True))
    assert steps == ["submit", "reasonable", "agree", "approve"]


def test_the_producer_disagreeing_is_recorded_and_the_authority_still_decides(
    applicant, conditional, evaluator, producer, reviewer
):
    application = act(apply(applicant, conditional), "submit", applicant)
    act(application, "reasonable", evaluator)
    with pytest.raises(ApplicationError, match="reasons"):
        act(application, "disagree", producer)
    application = act(application, "disagree", producer, opinion="超出最少够用范围")
    assert application.status == "reviewing" and application.lines.get().producer_agrees is False


def test_an_unreasonable_request_is_returned_with_reasons_and_resubmitted(applicant, conditional, evaluator):
    application = act(apply(applicant, conditional), "submit", applicant)
    with pytest.raises(ApplicationError):
        act(application, "unreasonable", evaluator)
    application = act(application, "unreasonable", evaluator, opinion="应用场景不清")
    assert application.status == "returned" and application.decision_reason == "应用场景不清"
    assert act(application, "submit", applicant).status == "evaluating"


def test_a_refusal_without_a_policy_basis_is_rejected(applicant, conditional, evaluator, producer, reviewer):
    application = walk_to_review(applicant, conditional, evaluator, producer)
    with pytest.raises(ApplicationError, match="basis"):
        act(application, "refuse", reviewer, opinion="不符合条件")
    application = act(
        application, "refuse", reviewer, opinion="不符合共享条件", basis="《社会保险法》第八十一条"
    )
    assert application.status == "refused"
    assert (application.decision_basis, application.decision_reason) == (
        "《社会保险法》第八十一条",
        "不符合共享条件",
    )
    notification = Notification.objects.get(recipient=applicant, title__startswith="共享申请")
    assert "第八十一条" in notification.body and "不符合共享条件" in notification.body


def test_not_shared_data_can_only_be_applied_for_by_verification(applicant, not_shared, evaluator):
    with pytest.raises(ApplicationError, match="verification"):
        act(apply(applicant, not_shared, method="interface"), "submit", applicant)
    application = apply(applicant, not_shared, method="verification")
    with pytest.raises(ApplicationError, match="technical plan"):
        act(application, "submit", applicant)
    attachment_add(
        actor=applicant,
        application=application,
        title="需求和技术方案",
        file=SimpleUploadedFile("plan.pdf", b"%PDF"),
    )
    assert act(application, "submit", applicant).status == "evaluating"


def test_items_must_be_chosen_one_by_one_and_exist(applicant, conditional):
    with pytest.raises(ApplicationError, match="one by one"):
        act(apply(applicant, conditional, items=()), "submit", applicant)
    with pytest.raises(ApplicationError, match="no data items"):
        act(apply(applicant, conditional, items=("salary",)), "submit", applicant)


def test_a_county_applicant_asking_for_city_data_goes_through_the_county_authority(
    county_applicant, conditional, evaluator, producer, county_reviewer, reviewer
):
    application = act(apply(county_applicant, conditional), "submit", county_applicant)
    act(application, "reasonable", evaluator)
    application = act(application, "agree", producer)
    assert application.status == "county_review"
    with pytest.raises(ApplicationError):
        act(application, "approve", reviewer)
    with pytest.raises(ApplicationError):
        act(application, "forward", reviewer)
    application = act(application, "forward", county_reviewer, opinion="同意上报")
    assert application.status == "reviewing"
    with pytest.raises(ApplicationError):
        act(application, "approve", county_reviewer)
    assert act(application, "approve", reviewer).status == "granted"


def test_county_data_for_a_county_applicant_is_decided_in_the_county_and_filed_with_the_city(
    county_applicant, jinjiang, evaluator, county_reviewer, reviewer
):
    from dataplatform.core.models import Role
    from tests import factories
    from tests.factories.sharing import publish

    county_producer = factories.person(factories.unit("晋江市市场监管局", region_=jinjiang), Role.DATA_ADMIN)
    resource = publish(
        county_producer,
        county_reviewer,
        code="JJ-1",
        share_type="conditional",
        category="thematic",
        share_conditions="x",
        share_basis="y",
    )
    application = act(apply(county_applicant, resource), "submit", county_applicant)
    act(application, "reasonable", evaluator)
    application = act(application, "agree", county_producer)
    assert application.status == "reviewing"
    with pytest.raises(ApplicationError):
        act(application, "approve", reviewer)
    application = act(application, "approve", county_reviewer)
    assert application.status == "granted" and application.filed_with_city_at is not None
    assert Notification.objects.filter(recipient=reviewer, title__startswith="备案").exists()


def test_a_special_departments_request_goes_to_the_authority_to_coordinate(
    police, conditional, reviewer, evaluator
):
    application = act(apply(police, conditional), "submit", police)
    assert application.status == "coordinating"
    with pytest.raises(ApplicationError):
        act(application, "coordinate_approve", evaluator)
    assert act(application, "coordinate_approve", reviewer).status == "granted"


@pytest.mark.parametrize(
    ("action", "wrong_persona"),
    [("reasonable", "applicant"), ("reasonable", "reviewer"), ("agree", "applicant"), ("agree", "evaluator")],
)
def test_a_person_not_allowed_cannot_take_the_step(
    request, applicant, conditional, evaluator, action, wrong_persona
):
    application = act(apply(applicant, conditional), "submit", applicant)
    if action == "agree":
        application = act(application, "reasonable", evaluator)
    with pytest.raises(ApplicationError, match="may not"):
        act(application, action, request.getfixturevalue(wrong_persona), opinion="x")


def test_another_unit_cannot_submit_or_withdraw(applicant, outsider, conditional):
    application = apply(applicant, conditional)
    for action in ("submit", "withdraw"):
        with pytest.raises(ApplicationError):
            act(application, action, outsider)
    assert act(application, "withdraw", applicant).status == "withdrawn"


def test_a_step_out_of_order_is_refused(applicant, conditional, reviewer):
    application = act(apply(applicant, conditional), "submit", applicant)
    with pytest.raises(ApplicationError, match="“Approve” cannot be taken while the status is"):
        act(application, "approve", reviewer)
    with pytest.raises(ApplicationError, match="Unknown action"):
        act(application, "teleport", reviewer)


def test_the_buttons_follow_the_table(applicant, conditional, evaluator, producer, reviewer):
    application = act(apply(applicant, conditional), "submit", applicant)
    assert [name for name, _ in allowed_actions(evaluator, application)] == ["reasonable", "unreasonable"]
    assert allowed_actions(applicant, application) == []
    assert allowed_actions(producer, application) == []


def test_each_step_is_due_in_five_business_days_across_national_day(
    applicant, conditional, evaluator, producer
):
    with time_machine.travel(THURSDAY, tick=False):
        application = act(apply(applicant, conditional), "submit", applicant)
    assert application.due == dt.date(2026, 10, 9)  # Mid-Autumn and National Day skipped
    with time_machine.travel(dt.datetime(2026, 10, 9, 2, 0, tzinfo=dt.UTC), tick=False):
        application = act(application, "reasonable", evaluator)
    # G23: the producer answers in 5 business days: 10 Oct is a worked Saturday.
    assert application.due == dt.date(2026, 10, 15)


def test_two_producers_must_both_answer_before_the_decision(
    applicant, conditional, evaluator, producer, reviewer, city
):
    from dataplatform.core.models import Role
    from sharing.services import application_create
    from tests import factories
    from tests.factories.sharing import END, publish

    other = factories.person(factories.unit("泉州市自然资源局", region_=city), Role.DATA_ADMIN)
    second = publish(
        other,
        reviewer,
        code="C-2",
        share_type="conditional",
        category="thematic",
        share_conditions="x",
        share_basis="y",
    )
    application = application_create(
        actor=applicant,
        lines=[
            {"resource": conditional, "items": ["credit_code"]},
            {"resource": second, "items": ["company_name"]},
        ],
        business_matter="x",
        scenario="y",
        information_system="z",
        service_method="interface",
        end_date=END,
    )
    act(application, "submit", applicant)
    act(application, "reasonable", evaluator)
    assert act(application, "agree", producer).status == "consulting"
    with pytest.raises(ApplicationError):
        act(application, "agree", producer)  # already answered
    assert act(application, "agree", other).status == "reviewing"
    assert Grant.objects.filter(application=application).count() == 0
    act(application, "approve", reviewer)
    assert Grant.objects.filter(application=application).count() == 2


def test_a_grant_made_at_submission_is_the_platforms_and_a_decided_one_the_reviewers(
    applicant, unconditional, conditional, evaluator, producer, reviewer
):
    at_once = act(apply(applicant, unconditional), "submit", applicant)
    assert Grant.objects.get(application=at_once).granted_by is None
    decided = act(walk_to_review(applicant, conditional, evaluator, producer), "approve", reviewer)
    assert Grant.objects.get(application=decided).granted_by == reviewer


def at_review(applicant, conditional, evaluator, producer):
    return walk_to_review(applicant, conditional, evaluator, producer)


@pytest.mark.parametrize(
    ("action", "wrong"),
    [
        ("approve", "evaluator"),
        ("approve", "producer"),
        ("approve", "county_reviewer"),
        ("return", "applicant"),
        ("return", "county_reviewer"),
        ("refuse", "evaluator"),
        ("refuse", "county_reviewer"),
    ],
)
def test_only_the_deciding_authority_approves_returns_or_refuses(
    request, applicant, conditional, evaluator, producer, action, wrong
):
    application = at_review(applicant, conditional, evaluator, producer)
    with pytest.raises(ApplicationError, match="may not"):
        act(application, action, request.getfixturevalue(wrong), opinion="x", basis="y")


def test_a_returned_decision_goes_back_to_the_applicant(
    applicant, conditional, evaluator, producer, reviewer
):
    application = act(
        at_review(applicant, conditional, evaluator, producer), "return", reviewer, opinion="请缩小范围"
    )
    assert application.status == "returned" and application.decision_reason == "请缩小范围"
    assert [name for name, _ in allowed_actions(applicant, application)] == ["submit", "withdraw"]


@pytest.mark.parametrize("wrong", ["reviewer", "evaluator", "applicant"])
def test_only_the_county_authority_refuses_at_county_review(
    request, county_applicant, conditional, evaluator, producer, county_reviewer, wrong
):
    application = act(apply(county_applicant, conditional), "submit", county_applicant)
    act(application, "reasonable", evaluator)
    application = act(application, "agree", producer)
    with pytest.raises(ApplicationError):
        act(application, "county_refuse", request.getfixturevalue(wrong), opinion="x", basis="y")
    refused = act(application, "county_refuse", county_reviewer, opinion="不属于本区业务", basis="某规定")
    assert refused.status == "refused"


@pytest.mark.parametrize("wrong", ["evaluator", "county_reviewer", "producer"])
def test_only_the_city_authority_refuses_a_coordinated_request(request, police, conditional, reviewer, wrong):
    application = act(apply(police, conditional), "submit", police)
    with pytest.raises(ApplicationError):
        act(application, "coordinate_refuse", request.getfixturevalue(wrong), opinion="x", basis="y")
    assert act(application, "coordinate_refuse", reviewer, opinion="x", basis="y").status == "refused"


def test_application_events_are_filed_under_the_data_owner(applicant, conditional, producer):
    application = act(apply(applicant, conditional), "submit", applicant)
    event = AuditEvent.objects.get(action="application.submit", object_id=str(application.pk))
    assert event.owner_unit == producer.unit and event.actor_unit == applicant.unit
