"""Chinese working days (工作日), SPEC section 8.

Weekends and statutory holidays are off; adjusted working days (调休) are on. The arrangement of a
year is data (``CalendarYear`` and ``CalendarDay``), seeded from the chinesecalendar package and
updated by administrators when the State Council publishes a new year. For a year with no data the
weekly rule (Monday to Friday) answers, and the answer is marked unofficial.

Counting follows the Civil Code (民法典 art. 201): the day on which a clock starts is not counted.
"Within N business days" of a start day means by the end of the N-th business day after it.
"""

import datetime as dt
import logging
import uuid
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from .models import CalendarDay, CalendarYear

logger = logging.getLogger(__name__)

MAX_BUSINESS_DAYS = 1000  # about four years: more is a mistake, not a deadline


@dataclass(frozen=True)
class BusinessDate:
    date: dt.date
    official: bool  # False when a year on the way had no published arrangement


@dataclass(frozen=True)
class BusinessDayCount:
    days: int
    official: bool


# A year's arrangement as read from the database: (published, the days that are not what the weekly rule
# says). Kept per process, because every submission and every timer asks for the same year again.
YearDays = tuple[bool, dict[dt.date, bool]]

# The calendar's version, shared by every process through the cache (Redis). A change of the calendar's rows
# (``calendar_changed``, on their save and delete signals) replaces it; a process holding years read under
# another version reads them again. A lost key (a flushed or restarted cache) counts as a change too.
VERSION_KEY = "business-days:calendar-version"
_years: dict[int, YearDays] = {}
_years_version: str | None = None


def _calendar_version() -> str | None:
    """The shared version, or None when the cache cannot be asked: then nothing is kept."""
    try:
        version = cache.get(VERSION_KEY)
        if version is None:
            cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)  # (add: the first process's token wins)
            version = cache.get(VERSION_KEY)
    except Exception:  # the cache is an optimisation here: without it, the database answers every time
        logger.warning("calendar version unavailable; reading the calendar from the database", exc_info=True)
        return None
    return version


def _years_for(version: str | None) -> dict[int, YearDays]:
    """The years this process read under ``version`` (a fresh, unshared dict when there is none)."""
    global _years, _years_version
    if version is None:
        return {}
    if version != _years_version:
        _years, _years_version = {}, version
    return _years


def _forget_years() -> None:
    global _years, _years_version
    _years, _years_version = {}, None


def _bump_version() -> None:
    try:
        cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
    except Exception:
        logger.warning("calendar version not replaced: other processes keep their years", exc_info=True)


def calendar_changed(**_signal_kwargs) -> None:
    """The calendar's rows changed: this process forgets its years now (the change may be read back in the
    same transaction), and every process once the change is committed (read before then, a year would be
    kept without it)."""
    _forget_years()
    _bump_version()
    transaction.on_commit(_forget_everywhere)


def _forget_everywhere() -> None:
    _forget_years()
    _bump_version()


class WorkingCalendar:
    """Answers "is this a working day?" reading each year from the database once per calendar version."""

    def __init__(self) -> None:
        self._years = _years_for(_calendar_version())
        self.unofficial_years: set[int] = set()

    def _load(self, year: int) -> YearDays:
        known = CalendarYear.objects.filter(year=year).exists()
        rows = CalendarDay.objects.filter(date__year=year).values_list("date", "is_workday")
        self._years[year] = arrangement = (known, dict(rows))
        return arrangement

    def is_workday(self, day: dt.date) -> bool:
        known, exceptions = self._years.get(day.year) or self._load(day.year)
        if not known:
            self.unofficial_years.add(day.year)
        if day in exceptions:
            return exceptions[day]
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
