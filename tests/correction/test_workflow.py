"""Every transition of the correction workflow, with a person allowed to take it and one who is not;
and resolution, which only the platform makes, on seeing the corrected records re-aggregated."""

import pytest
from django.utils import translation

from audit.models import AuditEvent
from catalog.aggregation.services import records_upsert
from correction.models import CorrectionTicket, TicketStep
from correction.services import tickets_resolve_corrected
from correction.tasks import scan_corrected_tickets
from correction.workflow import allowed_actions
from dataplatform.core.errors import ApplicationError
from dataplatform.core.models import Notification
from tests.factories.correction import OTHER, RECORDS, WRONG, act, corrected_rows, report

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_english():
    """The services' messages are asserted in English here; tests/*/test_labels.py has them in Chinese."""
    with translation.override("en"):
        yield


def forbidden(ticket, action, actor, opinion="理由"):
    with pytest.raises(ApplicationError) as caught:
        act(ticket, action, actor, opinion)
    return caught.value.extra.get("code") == "forbidden"


def titles(user, start: str) -> list[str]:
    return list(
        Notification.objects.filter(recipient=user, title__startswith=start).values_list("title", flat=True)
    )


# --- triage ----------------------------------------------------------------------------------------


def test_a_report_waits_for_the_technical_service_unit_which_is_told(evaluator, reported):
    assert reported.status == "triage" and reported.kind == "report"
    assert titles(evaluator, "待分析问题数据")
    assert list(reported.steps.values_list("action", "to_status")) == [("report", "triage")]


def test_the_technical_service_unit_dispatches_to_the_producer(reported, evaluator, producer):
    ticket = act(reported, "dispatch", evaluator, "属数据问题")
    assert ticket.status == "dispatched" and ticket.dispatched_at is not None
    assert titles(producer, "问题数据待核实")


@pytest.mark.parametrize("who", ["applicant", "producer", "reviewer", "outsider"])
def test_only_the_technical_service_unit_dispatches(reported, who, request):
    assert forbidden(reported, "dispatch", request.getfixturevalue(who))


def test_the_technical_service_unit_closes_a_non_problem_with_its_reason(reported, evaluator, applicant):
    with pytest.raises(ApplicationError, match="reasons"):
        act(reported, "close", evaluator)
    ticket = act(reported, "close", evaluator, "该企业已于上月更名，平台数据正确")
    assert ticket.status == "closed"
    assert titles(applicant, "反馈已关闭")


@pytest.mark.parametrize("who", ["applicant", "producer", "reviewer"])
def test_only_the_technical_service_unit_closes(reported, who, request):
    assert forbidden(reported, "close", request.getfixturevalue(who))


# --- the producer's decision (Q7.2) ----------------------------------------------------------------


def test_the_producer_decides_to_correct_and_the_authority_and_reporter_are_told(
    dispatched, producer, reviewer, applicant
):
    ticket = act(dispatched, "correct", producer, "核实属实")
    assert ticket.status == "correcting" and ticket.decided_at is not None
    assert ticket.correction_due is not None and ticket.due == ticket.correction_due
    assert titles(reviewer, f"{producer.unit.name}决定更正")
    assert titles(applicant, f"{producer.unit.name}决定更正")


def test_the_producer_declines_with_reasons_and_the_authority_is_told(dispatched, producer, reviewer):
    with pytest.raises(ApplicationError, match="reasons"):
        act(dispatched, "decline", producer)
    ticket = act(dispatched, "decline", producer, "经核实与登记档案一致")
    assert ticket.status == "declined" and ticket.due is None
    assert titles(reviewer, f"{producer.unit.name}决定不予更正")


@pytest.mark.parametrize("action", ["correct", "decline"])
@pytest.mark.parametrize("who", ["applicant", "evaluator", "reviewer", "producer_leader", "outsider"])
def test_only_the_producers_data_administrator_decides(dispatched, action, who, request):
    assert forbidden(dispatched, action, request.getfixturevalue(who))


def test_a_decision_cannot_be_taken_before_dispatch(reported, producer):
    with pytest.raises(
        ApplicationError, match="“Decide to correct” cannot be taken while the status is Being"
    ):
        act(reported, "correct", producer)


# --- resolution: by the platform, on the corrected records -----------------------------------------


def test_nobody_marks_a_ticket_resolved_by_hand(correcting, producer, evaluator, applicant):
    for person in (producer, evaluator, applicant):
        assert "resolve" not in [name for name, _ in allowed_actions(person, correcting)]
        assert forbidden(correcting, "resolve", person)


def test_the_platform_cannot_resolve_before_the_records_are_re_aggregated(correcting):
    with pytest.raises(ApplicationError, match="not been re-aggregated"):
        act(correcting, "resolve", None)


def test_re_aggregating_the_corrected_record_resolves_the_ticket_at_the_next_scan(
    correcting, producer, applicant
):
    records_upsert(actor=producer, resource=correcting.resource, records=corrected_rows())
    scan_corrected_tickets()  # the timer, every minute
    ticket = CorrectionTicket.objects.get(pk=correcting.pk)
    assert ticket.status == "resolved" and ticket.corrected_at > ticket.decided_at
    assert ticket.correction_business_days == 0
    assert titles(applicant, "数据已更正，请确认")
    step = ticket.steps.last()
    assert (step.action, step.actor, step.actor_name) == ("resolve", None, "platform")
    assert AuditEvent.objects.filter(action="correction.resolve", object_id=str(ticket.pk)).exists()


def test_re_aggregating_other_records_of_the_resource_does_not_resolve_it(correcting, producer):
    records_upsert(
        actor=producer, resource=correcting.resource, records=[{**RECORDS[1], "company_name": "改名"}]
    )
    scan_corrected_tickets()
    assert CorrectionTicket.objects.get(pk=correcting.pk).status == "correcting"
    assert tickets_resolve_corrected() == 0


def test_re_aggregating_the_same_data_again_does_not_resolve_it(correcting, producer):
    batch = records_upsert(actor=producer, resource=correcting.resource, records=[dict(RECORDS[0])])
    scan_corrected_tickets()
    assert batch.unchanged == 1
    assert CorrectionTicket.objects.get(pk=correcting.pk).status == "correcting"


def test_every_reported_record_must_be_corrected(applicant, companies, granted, evaluator, producer):
    ticket = report(applicant, companies, keys=[WRONG, OTHER], description="两家企业名称互换")
    ticket = act(act(ticket, "dispatch", evaluator), "correct", producer)
    records_upsert(actor=producer, resource=companies, records=corrected_rows())
    assert tickets_resolve_corrected() == 0
    records_upsert(actor=producer, resource=companies, records=[{**RECORDS[1], "company_name": "新名称"}])
    assert tickets_resolve_corrected() == 1
    assert CorrectionTicket.objects.get(pk=ticket.pk).status == "resolved"


def test_the_scan_resolves_a_ticket_after_its_records_are_re_aggregated_and_only_once(correcting, producer):
    records_upsert(actor=producer, resource=correcting.resource, records=corrected_rows())  # no scan yet
    assert CorrectionTicket.objects.get(pk=correcting.pk).status == "correcting"
    assert tickets_resolve_corrected() == 1
    assert tickets_resolve_corrected() == 0
    assert TicketStep.objects.filter(ticket=correcting, action="resolve").count() == 1


def test_records_corrected_before_the_decision_do_not_count(dispatched, producer):
    records_upsert(actor=producer, resource=dispatched.resource, records=corrected_rows())
    ticket = act(dispatched, "correct", producer)
    assert tickets_resolve_corrected() == 0 and ticket.status == "correcting"


# --- the reporter's confirmation, or reopening -----------------------------------------------------


@pytest.fixture
def resolved(correcting, producer):
    records_upsert(actor=producer, resource=correcting.resource, records=corrected_rows())
    tickets_resolve_corrected()
    return CorrectionTicket.objects.get(pk=correcting.pk)


def test_the_reporter_confirms(resolved, applicant):
    ticket = act(resolved, "confirm", applicant)
    assert ticket.status == "confirmed" and ticket.confirmed_at is not None


def test_another_data_administrator_of_the_reporting_unit_may_confirm(resolved, colleague):
    assert act(resolved, "confirm", colleague).status == "confirmed"


@pytest.mark.parametrize("action", ["confirm", "reopen"])
@pytest.mark.parametrize("who", ["producer", "evaluator", "reviewer", "outsider"])
def test_only_the_reporting_side_confirms_or_reopens(resolved, action, who, request):
    assert forbidden(resolved, action, request.getfixturevalue(who))


def test_the_reporter_reopens_and_it_goes_back_to_triage_for_a_new_round(
    resolved, applicant, evaluator, producer
):
    with pytest.raises(ApplicationError, match="reasons"):
        act(resolved, "reopen", applicant)
    ticket = act(resolved, "reopen", applicant, "更正后仍少一个字")
    assert (ticket.status, ticket.reopen_count, ticket.due) == ("triage", 1, None)
    assert titles(evaluator, "反馈被重新打开")
    ticket = act(ticket, "dispatch", evaluator)
    assert ticket.decided_at is None and ticket.corrected_at is None and ticket.correction_due is None
    ticket = act(ticket, "correct", producer)
    records_upsert(
        actor=producer, resource=ticket.resource, records=corrected_rows("泉州测试商贸有限责任公司")
    )
    assert tickets_resolve_corrected() == 1
    actions = list(TicketStep.objects.filter(ticket=ticket).values_list("action", flat=True))
    assert actions == ["report", "dispatch", "correct", "resolve", "reopen", "dispatch", "correct", "resolve"]


def test_a_confirmed_ticket_cannot_be_reopened(resolved, applicant):
    ticket = act(resolved, "confirm", applicant)
    with pytest.raises(ApplicationError, match="“Reopen: the data is still wrong” cannot be taken"):
        act(ticket, "reopen", applicant, "还是不对")


# --- records of every step -------------------------------------------------------------------------


def test_every_step_is_audited_with_the_data_items_it_concerns(resolved, applicant):
    act(resolved, "confirm", applicant)
    events = AuditEvent.objects.filter(object_type="correction.correctionticket", object_id=str(resolved.pk))
    assert sorted(events.values_list("action", flat=True)) == sorted(
        [
            "correction.report",
            "correction.dispatch",
            "correction.correct",
            "correction.resolve",
            "correction.confirm",
        ]
    )
    report_event = events.get(action="correction.report")
    assert report_event.data_items == [f"{resolved.resource.code}:company_name"]
    assert report_event.owner_unit == resolved.producer and report_event.record_count == 1


def test_an_unknown_action_is_refused(reported, evaluator):
    with pytest.raises(ApplicationError, match="Unknown action"):
        act(reported, "approve", evaluator)
