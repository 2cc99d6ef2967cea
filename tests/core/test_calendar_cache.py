"""Each process keeps the working calendar it read, and reads it again once the calendar changes."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dataplatform.core.business_days import VERSION_KEY, add_business_days, is_workday
from dataplatform.core.calendar_import import YearArrangement, calendar_year_save
from dataplatform.core.models import CalendarDay

pytestmark = pytest.mark.django_db

D = dt.date


def test_a_year_is_read_from_the_database_once():
    add_business_days(D(2026, 9, 24), 5)
    with CaptureQueriesContext(connection) as statements:
        assert add_business_days(D(2026, 9, 24), 5).date == D(2026, 10, 9)  # National Day week off
    assert len(statements) == 0


def test_an_imported_year_is_seen_at_once():
    assert is_workday(D(2027, 1, 1))  # a Friday, no arrangement yet
    calendar_year_save(YearArrangement(year=2027, holidays={D(2027, 1, 1): "元旦"}), source="file")
    assert not is_workday(D(2027, 1, 1))


def test_a_day_changed_in_the_admin_is_seen_at_once():
    assert not is_workday(D(2026, 10, 1))
    day = CalendarDay.objects.get(date=D(2026, 10, 1))
    day.is_workday = True
    day.save()
    assert is_workday(D(2026, 10, 1))


def test_a_process_reads_the_calendar_again_when_another_one_changed_it():
    assert not is_workday(D(2026, 10, 1))
    CalendarDay.objects.filter(date=D(2026, 10, 1)).update(is_workday=True)  # (no signal: as if elsewhere)
    assert not is_workday(D(2026, 10, 1))  # kept
    cache.set(VERSION_KEY, "changed by another process")
    assert is_workday(D(2026, 10, 1))
