"""The overdue list's links lead where the viewer may go, and the charts tell a rate of 0% from no
rate at all (today: Monday 16 November 2026; the period: Q4 2026)."""

import datetime as dt
import json
import re

import pytest
from django.conf import settings

from dataplatform.core.models import Unit
from sharing.models import Application
from supervision.selectors import overdue_items

pytestmark = pytest.mark.django_db

Q4 = {"from": "2026-10-01", "to": "2026-12-31"}


def test_every_overdue_link_opens_for_the_platform_admin(client, platform_admin, world, today):
    client.force_login(platform_admin)
    overdue = client.get("/supervision/", Q4).context["overdue"]
    assert {item.kind for item in overdue} == {"catalog", "application", "correction"}
    for item in overdue:
        assert item.url is not None, item
        assert client.get(item.url).status_code == 200, item.url


def test_an_item_the_viewer_may_not_open_is_listed_without_a_link(outsider, world, today):
    """Whoever sees a unit's figures is not always one its pages open to: the item stays on the list,
    as text."""
    items = {item.kind: item for item in overdue_items(units=Unit.objects.all(), viewer=outsider)}
    assert items["catalog"].url == f"/catalog/{world['insurance'].pk}/"  # published: every unit reads it
    assert (items["application"].url, items["correction"].url) == (None, None)
    assert (items["catalog"].due, items["catalog"].days_late) == (dt.date(2026, 10, 1), 46)


def test_an_item_without_a_link_is_shown_as_text(client, platform_admin, world, today, monkeypatch):
    client.force_login(platform_admin)
    monkeypatch.setattr(
        "supervision.selectors.applications_visible_to", lambda user: Application.objects.none()
    )
    page = client.get("/supervision/", Q4).content.decode()
    overdue = page[
        page.index('data-testid="overdue"') : page.index("</table>", page.index('data-testid="overdue"'))
    ]
    assert f"/sharing/applications/{world['application'].pk}/" not in overdue
    assert f"#{world['application'].pk} " in overdue


def chart_data(page: str) -> dict:
    found = re.search(r'<script id="dashboard-data" type="application/json">(.*?)</script>', page, re.S)
    assert found is not None
    return json.loads(found.group(1))


def test_a_rate_of_zero_is_drawn_unlike_no_rate(client, reviewer, evaluator, producer, world, today):
    """The evaluator's unit answered late its one step (0%); the producer's unit took no step (no rate)."""
    client.force_login(reviewer)
    charts = chart_data(client.get("/supervision/", Q4).content.decode())
    units = charts["on_time"]["units"]
    applications = charts["on_time"]["series"][0]["data"]
    assert applications[units.index(evaluator.unit.name)] == {"value": 0.0, "text": "0%"}
    assert applications[units.index(producer.unit.name)] == {"value": None, "text": "无数据"}
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    charts = chart_data(client.get("/supervision/", Q4).content.decode())
    assert charts["on_time"]["series"][0]["data"][units.index(producer.unit.name)]["text"] == "No data"
    assert [series["name"] for series in charts["on_time"]["series"]] == [
        "Sharing applications",
        "Correction tickets",
    ]


def test_the_table_shows_zero_percent_and_a_dash_for_no_rate(
    client, reviewer, evaluator, producer, world, today
):
    client.force_login(reviewer)
    page = client.get("/supervision/", Q4).content.decode()

    def cell(unit, key) -> str:
        row = page[page.index(f'data-unit="{unit.pk}"', page.index('data-testid="figures"')) :]
        found = re.search(rf'data-key="{key}">(.*?)</td>', row, re.S)
        assert found is not None
        return re.sub(r"<[^>]+>", "", found.group(1))

    assert cell(evaluator.unit, "applications_on_time") == "0%"
    assert cell(producer.unit, "applications_on_time") == "—"


def test_the_overdue_chart_counts_per_unit_most_first(client, reviewer, producer, applicant, world, today):
    client.force_login(reviewer)
    charts = chart_data(client.get("/supervision/", Q4).content.decode())
    # The insurance entry's update and the ticket are the producer's; the application is the applicant's.
    assert charts["overdue"]["units"] == [producer.unit.name, applicant.unit.name]
    assert charts["overdue"]["values"] == [2, 1]


def test_the_overdue_chart_names_the_units_on_the_list(client, producer, applicant, world, today):
    """The producer sees the application for its data, late at the authority: the list names it by
    its applicant, and so does the chart, though the applicant's figures are not the producer's."""
    client.force_login(producer)
    response = client.get("/supervision/", Q4)
    charts = chart_data(response.content.decode())
    assert [row["unit"] for row in response.context["rows"]] == [producer.unit.pk]
    assert sum(charts["overdue"]["values"]) == len(response.context["overdue"]) == 3
    assert applicant.unit.name in charts["overdue"]["units"]


def test_counts_are_written_with_thousands_separators(client, reviewer, producer, world, today, monkeypatch):
    from supervision import views

    real = views.unit_figures

    def many(**kwargs):
        return [{**row, "published": 12345} for row in real(**kwargs)]

    monkeypatch.setattr(views, "unit_figures", many)
    client.force_login(reviewer)
    page = client.get("/supervision/", Q4).content.decode()
    assert 'data-key="published">12,345</td>' in page
