"""The deadline timers under frozen time: a reminder one business day before, escalation the day after."""

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command

from dataplatform.core.models import Notification
from sharing.models import Application, DeadlineMiss
from sharing.services import applications_mark_overdue, applications_remind
from sharing.workflow import application_act
from tests.factories.sharing import apply

pytestmark = pytest.mark.django_db


def beijing(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour - 8, tzinfo=dt.UTC)


@pytest.fixture
def evaluating(applicant, conditional):
    # Submitted Thursday 24 September 2026: the evaluation is due Friday 9 October.
    with time_machine.travel(beijing(dt.date(2026, 9, 24)), tick=False):
        return application_act(application=apply(applicant, conditional), action="submit", actor=applicant)


def reminders(user) -> int:
    return Notification.objects.filter(recipient=user, title__contains="到期").count()


def test_no_reminder_before_the_last_business_day(evaluating, evaluator):
    with time_machine.travel(beijing(dt.date(2026, 9, 30)), tick=False):  # next business day is 8 Oct
        assert applications_remind() == 0
    assert reminders(evaluator) == 0


def test_the_reminder_goes_one_business_day_before_and_only_once(evaluating, evaluator):
    with time_machine.travel(beijing(dt.date(2026, 10, 8)), tick=False):  # 9 Oct is the next business day
        assert applications_remind() == 1
        assert applications_remind() == 0
    assert reminders(evaluator) == 1


def test_on_the_due_day_nothing_is_overdue_yet(evaluating):
    with time_machine.travel(beijing(dt.date(2026, 10, 9), hour=23), tick=False):
        assert applications_mark_overdue() == 0


def test_the_day_after_it_is_marked_overdue_and_escalated_to_the_authority_once(
    evaluating, reviewer, evaluator
):
    with time_machine.travel(beijing(dt.date(2026, 10, 10)), tick=False):
        assert applications_mark_overdue() == 1
        assert applications_mark_overdue() == 0
    application = Application.objects.get(pk=evaluating.pk)
    assert application.is_overdue
    assert Notification.objects.filter(recipient=reviewer, title__startswith="逾期未办").count() == 1
    miss = DeadlineMiss.objects.get()
    assert (miss.status, miss.due, miss.owing_unit) == ("evaluating", dt.date(2026, 10, 9), evaluator.unit)


def test_taking_the_step_clears_the_overdue_mark_and_starts_a_new_clock(evaluating, evaluator):
    with time_machine.travel(beijing(dt.date(2026, 10, 12)), tick=False):
        applications_mark_overdue()
        application = application_act(application=evaluating, action="reasonable", actor=evaluator)
    assert application.overdue_since is None and application.reminded_at is None
    assert application.due == dt.date(2026, 10, 19)
    assert DeadlineMiss.objects.count() == 1  # the miss stays counted for supervision


def test_the_timers_run_through_the_beat_loop(evaluating, reviewer):
    with time_machine.travel(beijing(dt.date(2026, 10, 13)), tick=False):
        call_command("run_timers", "--once")
    assert Application.objects.get(pk=evaluating.pk).is_overdue


def test_missed_deadlines_are_counted_per_unit_for_supervision(evaluating, evaluator):
    from sharing.selectors import deadline_misses_by_unit

    with time_machine.travel(beijing(dt.date(2026, 10, 12)), tick=False):
        applications_mark_overdue()
    assert deadline_misses_by_unit() == [
        {"owing_unit": evaluator.unit.pk, "owing_unit__name": evaluator.unit.name, "misses": 1}
    ]
