"""Both deadlines of Q7.2 across the 2026 Mid-Autumn and National Day holidays, and the timers under
frozen time: a reminder one business day before, escalation the day after, daily reminders while overdue,
none of them twice."""

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command

from catalog.aggregation.services import records_upsert
from correction.models import CorrectionTicket, TicketStep
from correction.services import (
    tickets_mark_overdue,
    tickets_remind,
    tickets_remind_overdue,
    tickets_resolve_corrected,
)
from dataplatform.core.models import Notification
from tests.factories.correction import RECORDS, act, beijing, corrected_rows, report
from tests.factories.sharing import publish

pytestmark = pytest.mark.django_db

THURSDAY = dt.date(2026, 9, 24)  # the 25th is Mid-Autumn, 1–7 October National Day
DECISION_DUE = dt.date(2026, 10, 9)  # the 5th business day after the Thursday
CORRECTION_DUE = dt.date(2026, 10, 22)  # the 10th after 9 October: Saturday 10 October is worked


def at(day: dt.date, hour: int = 10):
    return time_machine.travel(beijing(day, hour), tick=False)


@pytest.fixture
def companies(producer, reviewer):
    """The entry and its records exist before the story starts, in September 2026."""
    with at(dt.date(2026, 9, 1)):
        resource = publish(producer, reviewer, code="QZ-SJ-FR-T1")
        records_upsert(actor=producer, resource=resource, records=[dict(row) for row in RECORDS])
    return resource


@pytest.fixture
def dispatched(applicant, companies, granted, evaluator):
    with at(THURSDAY):
        return act(report(applicant, companies), "dispatch", evaluator)


@pytest.fixture
def correcting(dispatched, producer):
    with at(DECISION_DUE, hour=16):
        return act(dispatched, "correct", producer)


def notes(user, start: str) -> list[str]:
    return list(
        Notification.objects.filter(recipient=user, title__startswith=start).values_list("title", flat=True)
    )


# --- the due dates ---------------------------------------------------------------------------------


def test_the_decision_is_due_five_business_days_after_dispatch_across_the_holidays(dispatched):
    assert dispatched.decision_due == dispatched.due == DECISION_DUE


def test_the_correction_is_due_ten_business_days_after_the_decision_counting_the_worked_saturday(correcting):
    assert correcting.correction_due == correcting.due == CORRECTION_DUE
    assert correcting.decision_due == DECISION_DUE  # kept, for the statistics


def test_a_decision_at_half_past_eleven_at_night_beijing_time_counts_from_that_day(dispatched, producer):
    # 23:30 on Friday 9 October in Beijing is 15:30 UTC, the same day: the clock starts on the 9th.
    with time_machine.travel(dt.datetime(2026, 10, 9, 15, 30, tzinfo=dt.UTC), tick=False):
        ticket = act(dispatched, "correct", producer)
    assert ticket.correction_due == CORRECTION_DUE


# --- reminders before -----------------------------------------------------------------------------


def test_no_reminder_before_the_last_business_day(dispatched, producer):
    with at(dt.date(2026, 9, 30)):  # the next business day is 8 October
        assert tickets_remind() == 0
    assert notes(producer, "纠错将于") == []


def test_the_decision_reminder_goes_one_business_day_before_and_only_once(dispatched, producer):
    with at(dt.date(2026, 10, 8)):
        assert tickets_remind() == 1
        assert tickets_remind() == 0
    assert notes(producer, "纠错将于") == [
        f"纠错将于 2026-10-09 到期（决定是否更正）：#{dispatched.pk} 企业登记信息"
    ]


def test_the_correction_has_its_own_reminder(correcting, producer):
    with at(dt.date(2026, 10, 21)):
        assert tickets_remind() == 1
        assert tickets_remind() == 0
    assert len(notes(producer, "纠错将于 2026-10-22 到期（更正并重新汇聚）")) == 1


# --- overdue: escalation the day after, then a reminder every business day ------------------------


def test_on_the_due_day_nothing_is_overdue_yet(dispatched):
    with at(DECISION_DUE, hour=23):
        assert tickets_mark_overdue() == 0


def test_the_day_after_it_is_marked_overdue_and_escalated_to_the_authority_once(
    dispatched, reviewer, producer
):
    with at(dt.date(2026, 10, 10)):
        assert tickets_mark_overdue() == 1
        assert tickets_mark_overdue() == 0
    ticket = CorrectionTicket.objects.get(pk=dispatched.pk)
    assert ticket.is_overdue
    assert len(notes(reviewer, "纠错逾期")) == 1
    assert len(notes(producer, "纠错逾期")) == 1
    step = TicketStep.objects.get(ticket=ticket, action="overdue")
    assert (step.from_status, step.to_status, step.actor_name) == ("dispatched", "dispatched", "platform")


def test_a_county_producers_overdue_ticket_goes_to_the_county_and_the_city_authority(
    applicant, jinjiang, county_reviewer, reviewer, evaluator
):
    from dataplatform.core.models import Role
    from dataplatform.core.models.units import UnitKind
    from sharing.workflow import application_act
    from tests import factories
    from tests.factories.sharing import apply

    county_producer = factories.person(
        factories.unit("晋江某局", UnitKind.GOVERNMENT, jinjiang), Role.DATA_ADMIN
    )
    with at(dt.date(2026, 9, 1)):
        resource = publish(county_producer, county_reviewer, code="JJ-T-1")
        records_upsert(actor=county_producer, resource=resource, records=[dict(RECORDS[0])])
    application_act(application=apply(applicant, resource), action="submit", actor=applicant)
    with at(THURSDAY):
        act(report(applicant, resource), "dispatch", evaluator)
    with at(dt.date(2026, 10, 12)):
        assert tickets_mark_overdue() == 1
    assert len(notes(county_reviewer, "纠错逾期")) == 1 and len(notes(reviewer, "纠错逾期")) == 1


def test_while_overdue_the_producer_is_reminded_once_each_business_day(dispatched, producer, reviewer):
    with at(dt.date(2026, 10, 10)):  # the worked Saturday: marked, and that is the day's reminder
        tickets_mark_overdue()
        assert tickets_remind_overdue() == 0
    with at(dt.date(2026, 10, 11)):  # Sunday
        assert tickets_remind_overdue() == 0
    with at(dt.date(2026, 10, 12)):
        assert tickets_remind_overdue() == 1
        assert tickets_remind_overdue() == 0
    with at(dt.date(2026, 10, 13)):
        assert tickets_remind_overdue() == 1
    assert notes(producer, "纠错已逾期") == [
        f"纠错已逾期 3 个工作日（决定是否更正）：#{dispatched.pk} 企业登记信息",
        f"纠错已逾期 2 个工作日（决定是否更正）：#{dispatched.pk} 企业登记信息",
    ]
    assert len(notes(reviewer, "纠错逾期")) == 1  # the authority is told once, not every day


def test_a_late_decision_clears_the_overdue_mark_and_starts_the_correction_clock(dispatched, producer):
    with at(dt.date(2026, 10, 12)):
        tickets_mark_overdue()
        ticket = act(dispatched, "correct", producer)
    assert ticket.overdue_since is None and ticket.reminded_at is None and ticket.overdue_reminded_on is None
    assert ticket.due == dt.date(2026, 10, 26)
    with at(dt.date(2026, 10, 13)):
        assert tickets_remind_overdue() == 0 and tickets_mark_overdue() == 0


def test_the_correction_deadline_is_escalated_too(correcting, reviewer):
    with at(dt.date(2026, 10, 23)):
        assert tickets_mark_overdue() == 1
    assert notes(reviewer, "纠错逾期")[0].startswith(
        f"纠错逾期：{correcting.producer.name}未于 2026-10-22 前更正并重新汇聚"
    )


def test_a_resolved_ticket_is_no_longer_watched(correcting, producer):
    with at(dt.date(2026, 10, 20)):
        records_upsert(actor=producer, resource=correcting.resource, records=corrected_rows())
        assert tickets_resolve_corrected() == 1
    with at(dt.date(2026, 10, 21)):
        assert tickets_remind() == 0
    with at(dt.date(2026, 10, 26)):
        assert tickets_mark_overdue() == 0 and tickets_remind_overdue() == 0
    assert CorrectionTicket.objects.get(pk=correcting.pk).correction_business_days == 8


def test_the_timers_run_through_the_beat_loop_and_twice_send_nothing_twice(dispatched, producer, reviewer):
    with at(dt.date(2026, 10, 12)):
        call_command("run_timers", "--once")
        call_command("run_timers", "--once")
    assert CorrectionTicket.objects.get(pk=dispatched.pk).is_overdue
    assert len(notes(reviewer, "纠错逾期")) == 1
    assert len(notes(producer, "纠错逾期")) == 1
    assert notes(producer, "纠错已逾期") == []  # marking was the day's reminder
