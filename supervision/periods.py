"""The assessment period the dashboard counts: a preset relative to today, or a custom range."""

import calendar
import datetime as dt
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date


class PeriodPreset(models.TextChoices):
    THIS_MONTH = "this_month", _("This month")
    LAST_MONTH = "last_month", _("Last month")
    THIS_QUARTER = "this_quarter", _("This quarter")
    THIS_YEAR = "this_year", _("This year")
    CUSTOM = "custom", _("Custom range")


# The assessment of SPEC 7 is quarterly: a quarter is what a reviewer opens the dashboard for.
DEFAULT_PRESET = PeriodPreset.THIS_QUARTER


def month_of(day: dt.date) -> Period:
    return Period(start=day.replace(day=1), end=day.replace(day=calendar.monthrange(day.year, day.month)[1]))


def quarter_of(day: dt.date) -> Period:
    first_month = 3 * ((day.month - 1) // 3) + 1
    last_month = first_month + 2
    return Period(
        start=dt.date(day.year, first_month, 1),
        end=dt.date(day.year, last_month, calendar.monthrange(day.year, last_month)[1]),
    )


def period_of(*, preset: str, today: dt.date) -> Period:
    """The period a preset names, seen from today (a custom range has none: the default's)."""
    if preset == PeriodPreset.THIS_MONTH:
        return month_of(today)
    if preset == PeriodPreset.LAST_MONTH:
        return month_of(today.replace(day=1) - dt.timedelta(days=1))
    if preset == PeriodPreset.THIS_YEAR:
        return Period(start=dt.date(today.year, 1, 1), end=dt.date(today.year, 12, 31))
    return quarter_of(today)


def period_choose(
    *, preset: str | None, start: dt.date | None, end: dt.date | None, today: dt.date
) -> tuple[str, Period]:
    """The preset and period a request asks for. Dates alone mean a custom range (links made before
    the presets); a custom range takes what is missing from the default; an unknown preset is the default."""
    if preset is None or preset not in PeriodPreset.values:
        preset = PeriodPreset.CUSTOM if start or end else DEFAULT_PRESET
    if preset != PeriodPreset.CUSTOM:
        return preset, period_of(preset=preset, today=today)
    default = period_of(preset=DEFAULT_PRESET, today=today)
    start, end = start or default.start, end or default.end
    return preset, Period(start=min(start, end), end=max(start, end))
