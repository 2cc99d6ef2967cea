"""Filters that show numbers the way people read them: ``{% load readable %}``.

``grouped``: 108010 → "108,010". Django's Simplified Chinese formats group by four digits with no
separator, so ``intcomma`` and ``localize`` print "108010" in the Chinese interface; a government form
writes "108,010", and so does this filter, in both languages.

``every_minutes``: an interval in minutes in words ("每天", "每 6 小时"; "daily", "every 6 hours").
"""

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.numberformat import format as number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

register = template.Library()

MINUTES_PER_HOUR = 60
MINUTES_PER_DAY = 24 * MINUTES_PER_HOUR
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY


@register.filter
def grouped(value):
    """The number with a comma every three digits; anything that is not a number, unchanged."""
    if value is None or value == "" or isinstance(value, bool):
        return value
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return value
    return number_format(number, ".", grouping=3, thousand_sep=",", force_grouping=True)


def interval_words(minutes: int) -> str:
    """An interval in words, in the active language: the largest whole unit that fits."""
    if minutes == MINUTES_PER_DAY:
        return _("daily")
    if minutes == MINUTES_PER_WEEK:
        return _("weekly")
    if minutes % MINUTES_PER_DAY == 0:
        days = minutes // MINUTES_PER_DAY
        return ngettext("every %(count)s day", "every %(count)s days", days) % {"count": days}
    if minutes == MINUTES_PER_HOUR:
        return _("hourly")
    if minutes % MINUTES_PER_HOUR == 0:
        hours = minutes // MINUTES_PER_HOUR
        return ngettext("every %(count)s hour", "every %(count)s hours", hours) % {"count": hours}
    return ngettext("every %(count)s minute", "every %(count)s minutes", minutes) % {"count": minutes}


@register.filter
def every_minutes(value):
    """``{{ task.interval_minutes|every_minutes }}``: 1440 → "每天" / "daily"."""
    try:
        minutes = int(value)
    except (TypeError, ValueError):
        return value
    return interval_words(minutes) if minutes > 0 else value
