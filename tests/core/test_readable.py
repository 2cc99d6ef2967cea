"""The filters that show numbers as people read them (dataplatform/core/templatetags/readable.py)."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from dataplatform.core.templatetags.readable import every_minutes, grouped


def render(text: str, **context) -> str:
    return Template("{% load readable %}" + text).render(Context(context))


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_numbers_are_grouped_by_thousands_in_either_language(language):
    # Django's own zh_Hans formats group by four with no separator: "108010" would stay as it is.
    with translation.override(language):
        assert render("{{ n|grouped }} 元", n=108010) == "108,010 元"
        assert render("{{ n|grouped }}", n=1234567) == "1,234,567"
        assert render("{{ n|grouped }}", n=999) == "999"


def test_decimals_keep_their_places_and_what_is_not_a_number_passes_unchanged():
    assert grouped(Decimal("1234567.50")) == "1,234,567.50"
    assert grouped(-20000) == "-20,000"
    assert grouped("—") == "—"
    assert grouped(None) is None


@pytest.mark.parametrize(
    ("minutes", "chinese", "english"),
    [
        (1440, "每天", "daily"),
        (360, "每 6 小时", "every 6 hours"),
        (30, "每 30 分钟", "every 30 minutes"),
        (60, "每小时", "hourly"),
        (10080, "每周", "weekly"),
        (2880, "每 2 天", "every 2 days"),
        (90, "每 90 分钟", "every 90 minutes"),
        (1, "每 1 分钟", "every 1 minute"),
    ],
)
def test_an_interval_reads_in_the_largest_whole_unit(minutes, chinese, english):
    with translation.override("zh-hans"):
        assert render("{{ m|every_minutes }}", m=minutes) == chinese
    with translation.override("en"):
        assert every_minutes(minutes) == english


def test_an_interval_that_is_not_a_number_passes_unchanged():
    assert every_minutes("") == ""
    assert every_minutes(None) is None
