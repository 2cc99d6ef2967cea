"""Chinese working days (工作日), SPEC section 8.

Weekends and statutory holidays are off; adjusted working days (调休) are on. The arrangement of a
year is data (``CalendarYear`` and ``CalendarDay``), seeded from the chinesecalendar package and
updated by administrators when the State Council publishes a new year. For a year with no data the
weekly rule (Monday to Friday) answers, and the answer is marked unofficial.

Counting follows the Civil Code (民法典 art. 201): the day on which a clock starts is not counted.
"Within N business days" of a start day means by the end of the N-th business day after it.
"""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from .models import CalendarDay, CalendarYear

MAX_BUSINESS_DAYS = 1000  # about four years: more is a mistake, not a deadline


@dataclass(frozen=True)
class BusinessDate:
    date: dt.date
    official: bool  # False when a year on the way had no published arrangement


@dataclass(frozen=True)
class BusinessDayCount:
    days: int
    official: bool


class WorkingCalendar:
    """Answers "is this a working day?" reading each year from the database once."""

    def __init__(self) -> None:
        self._exceptions: dict[dt.date, bool] = {}
        self._loaded: set[int] = set()
        self._known: set[int] = set()
        self.unofficial_years: set[int] = set()

    def _load(self, year: int) -> None:
        self._loaded.add(year)
        if CalendarYear.objects.filter(year=year).exists():
            self._known.add(year)
        rows = CalendarDay.objects.filter(date__year=year).values_list("date", "is_workday")
        self._exceptions.update(rows)

    def is_workday(self, day: dt.date) -> bool:
        if day.year not in self._loaded:
            self._load(day.year)
        if day.year not in self._known:
            self.unofficial_years.add(day.year)
        if day in self._exceptions:
            return self._exceptions[day]
        return day.weekday() < 5


def add_business_days(start: dt.date, days: int) -> BusinessDate:
    """The end of the ``days``-th business day after ``start`` (``start`` itself is not counted)."""
    if days < 0:
        raise ValueError("days must not be negative")
    calendar = WorkingCalendar()
    day = start
    remaining = days
    while remaining:
        day += dt.timedelta(days=1)
        if calendar.is_workday(day):
            remaining -= 1
    return BusinessDate(date=day, official=not calendar.unofficial_years)


def business_days_between(start: dt.date, end: dt.date) -> BusinessDayCount:
    """Business days after ``start`` up to and including ``end`` (negative when end is earlier)."""
    sign = 1
    if end < start:
        start, end, sign = end, start, -1
    calendar = WorkingCalendar()
    count = sum(
        1
        for offset in range(1, (end - start).days + 1)
        if calendar.is_workday(start + dt.timedelta(days=offset))
    )
    return BusinessDayCount(days=sign * count, official=not calendar.unofficial_years)


def local_date(moment: dt.datetime) -> dt.date:
    """The date in China Standard Time: 23:30 Beijing time on a Thursday is that Thursday."""
    return timezone.localtime(moment).date()


def due_after(moment: dt.datetime, days: int) -> BusinessDate:
    """The due date of something received at ``moment`` and due within ``days`` business days."""
    return add_business_days(local_date(moment), days)


def is_workday(day: dt.date) -> bool:
    return WorkingCalendar().is_workday(day)
