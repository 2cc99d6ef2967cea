"""The period picker: presets counted from today, a custom range, and the figures and the export that
follow it (today: Monday 16 November 2026, as in conftest's world)."""

import datetime as dt
import io

import openpyxl
import pytest

from supervision.columns import COLUMNS
from supervision.periods import Period, PeriodPreset, period_choose

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.mark.parametrize(
    ("preset", "start", "end"),
    [
        ("this_month", D(2026, 11, 1), D(2026, 11, 30)),
        ("last_month", D(2026, 10, 1), D(2026, 10, 31)),
        ("this_quarter", D(2026, 10, 1), D(2026, 12, 31)),
        ("this_year", D(2026, 1, 1), D(2026, 12, 31)),
    ],
)
def test_a_preset_names_its_period_from_today(preset, start, end):
    assert period_choose(preset=preset, start=None, end=None, today=D(2026, 11, 16)) == (
        preset,
        Period(start=start, end=end),
    )


def test_last_month_in_january_is_last_year_s_december():
    _preset, period = period_choose(preset="last_month", start=None, end=None, today=D(2027, 1, 5))
    assert period == Period(start=D(2026, 12, 1), end=D(2026, 12, 31))


def test_a_preset_ignores_the_dates_it_is_sent_with():
    _preset, period = period_choose(
        preset="this_month", start=D(2020, 1, 1), end=D(2020, 2, 1), today=D(2026, 11, 16)
    )
    assert period == Period(start=D(2026, 11, 1), end=D(2026, 11, 30))


def test_dates_alone_are_a_custom_range_put_in_order():
    assert period_choose(preset=None, start=D(2026, 9, 30), end=D(2026, 7, 1), today=D(2026, 11, 16)) == (
        PeriodPreset.CUSTOM,
        Period(start=D(2026, 7, 1), end=D(2026, 9, 30)),
    )


def test_a_custom_range_takes_a_missing_end_from_the_current_quarter():
    _preset, period = period_choose(preset="custom", start=D(2026, 8, 1), end=None, today=D(2026, 11, 16))
    assert period == Period(start=D(2026, 8, 1), end=D(2026, 12, 31))


def test_nothing_or_an_unknown_preset_is_the_current_quarter():
    quarter = Period(start=D(2026, 10, 1), end=D(2026, 12, 31))
    assert period_choose(preset=None, start=None, end=None, today=D(2026, 11, 16)) == (
        "this_quarter",
        quarter,
    )
    assert period_choose(preset="decade", start=None, end=None, today=D(2026, 11, 16)) == (
        "this_quarter",
        quarter,
    )


def figures(client, unit, **params) -> dict:
    response = client.get("/supervision/", params)
    return next(row for row in response.context["rows"] if row["unit"] == unit.pk)


def test_the_picker_changes_the_figures(client, reviewer, evaluator, applicant, world, today):
    """The evaluator missed a deadline due on 9 October; the applicant filed a usage report on
    2 November."""
    client.force_login(reviewer)
    october = figures(client, evaluator.unit, period="last_month")
    assert (october["deadline_misses"], october["applications_on_time"]) == (1, 0.0)
    november = figures(client, evaluator.unit, period="this_month")
    assert (november["deadline_misses"], november["applications_on_time"]) == (0, None)
    assert figures(client, applicant.unit, period="last_month")["grants_reported"] == 0
    assert figures(client, applicant.unit, period="this_month")["grants_reported"] == 1


def test_the_page_marks_the_chosen_preset_and_carries_it_to_the_export(client, reviewer, world, today):
    client.force_login(reviewer)
    response = client.get("/supervision/", {"period": "last_month", "sort": "-published"})
    assert response.context["period"] == Period(start=D(2026, 10, 1), end=D(2026, 10, 31))
    page = response.content.decode()
    assert 'data-preset="last_month" aria-current="true"' in page
    assert 'href="/supervision/export.xlsx?period=last_month&amp;sort=-published"' in page
    # The other presets keep the order; the custom range form shows the dates of the period.
    assert 'href="?period=this_year&amp;sort=-published"' in page
    assert 'name="from" value="2026-10-01"' in page and 'name="to" value="2026-10-31"' in page


def test_the_export_counts_the_period_it_is_asked_for(client, reviewer, evaluator, world, today):
    client.force_login(reviewer)
    for period, misses in [("last_month", 1), ("this_month", 0)]:
        response = client.get("/supervision/export.xlsx", {"period": period})
        lines = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
        column = 1 + [column.key for column in COLUMNS].index("deadline_misses")  # after the unit's
        row = next(line for line in lines[2:] if line[0] == evaluator.unit.name)
        assert row[column] == misses
    assert response["Content-Disposition"] == 'attachment; filename="supervision-2026-11-01-2026-11-30.xlsx"'


def test_a_custom_range_is_kept_in_the_links(client, reviewer, world, today):
    client.force_login(reviewer)
    response = client.get("/supervision/", {"period": "custom", "from": "2026-09-01", "to": "2026-09-30"})
    assert response.context["preset"] == "custom"
    assert "export.xlsx?period=custom&amp;from=2026-09-01&amp;to=2026-09-30" in response.content.decode()
