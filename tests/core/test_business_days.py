import datetime as dt

import pytest

from dataplatform.core.business_days import add_business_days, business_days_between, due_after, is_workday
from dataplatform.core.calendar_import import YearArrangement, calendar_year_save
from dataplatform.core.models import CalendarYear

pytestmark = pytest.mark.django_db

D = dt.date


def test_calendar_is_seeded_from_the_package_through_2026():
    assert CalendarYear.objects.filter(year=2026).exists()
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_mid_autumn_and_national_day_push_a_five_day_deadline_to_9_october():
    # SPEC 8: received Thursday 24 September 2026, due within 5 business days.
    due = add_business_days(D(2026, 9, 24), 5)
    assert due.date == D(2026, 10, 9)
    assert due.official


def test_the_adjusted_working_saturday_counts():
    assert is_workday(D(2026, 10, 10))  # Saturday, worked for National Day
    assert add_business_days(D(2026, 10, 9), 1).date == D(2026, 10, 10)


def test_holidays_are_off_and_ordinary_weekends_too():
    assert not is_workday(D(2026, 9, 25))  # Mid-Autumn, a Friday
    assert not is_workday(D(2026, 10, 5))  # National Day, a Monday
    assert not is_workday(D(2026, 11, 21))  # an ordinary Saturday
    assert is_workday(D(2026, 11, 23))


def test_the_start_day_is_not_counted():
    assert add_business_days(D(2026, 11, 23), 1).date == D(2026, 11, 24)
    assert add_business_days(D(2026, 11, 23), 0).date == D(2026, 11, 23)


def test_a_span_into_a_year_without_data_falls_back_to_weekdays_and_says_so():
    due = add_business_days(D(2026, 12, 28), 5)
    # 29, 30, 31 December 2026, then 1 and 4 January 2027 on the Monday-to-Friday rule.
    assert due.date == D(2027, 1, 4)
    assert not due.official


def test_a_span_inside_a_known_year_is_official_even_when_later_years_are_unknown():
    assert add_business_days(D(2026, 12, 1), 5).official


def test_back_to_back_deadlines_chain_from_the_previous_due_date():
    # Q7.2: the producer decides within 5 business days, then corrects within 10 of its decision.
    decision_due = add_business_days(D(2026, 9, 24), 5).date
    correction_due = add_business_days(decision_due, 10).date
    assert decision_due == D(2026, 10, 9)
    # 10 Oct (worked Saturday), 12-16 Oct, 19-22 Oct.
    assert correction_due == D(2026, 10, 22)
    assert business_days_between(D(2026, 9, 24), correction_due).days == 15


def test_counting_between_dates_skips_the_holidays():
    count = business_days_between(D(2026, 9, 24), D(2026, 10, 9))
    assert count.days == 5 and count.official
    assert business_days_between(D(2026, 10, 9), D(2026, 9, 24)).days == -5


def test_a_request_at_23_30_beijing_time_was_received_that_day():
    received = dt.datetime(2026, 9, 24, 15, 30, tzinfo=dt.UTC)  # 23:30 in Beijing
    assert due_after(received, 5).date == D(2026, 10, 9)
    next_day = dt.datetime(2026, 9, 24, 16, 30, tzinfo=dt.UTC)  # 00:30 on Friday the 25th
    assert due_after(next_day, 1).date == D(2026, 9, 28)


def test_an_imported_year_becomes_official():
    calendar_year_save(
        YearArrangement(year=2027, holidays={D(2027, 1, 1): "元旦"}, workdays={D(2027, 1, 2): "元旦调休"}),
        source="file",
    )
    due = add_business_days(D(2026, 12, 31), 2)
    assert due.date == D(2027, 1, 4)  # 1 Jan off, Saturday 2 Jan worked, then Monday
    assert due.official


def test_negative_days_are_refused():
    with pytest.raises(ValueError):
        add_business_days(D(2026, 1, 1), -1)
