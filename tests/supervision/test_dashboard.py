"""The supervision dashboard (Q9.1, G48): figures counted by hand, who sees which units, the export."""

import datetime as dt
import io

import openpyxl
import pytest

from supervision.periods import Period, quarter_of

pytestmark = pytest.mark.django_db

Q4 = {"from": "2026-10-01", "to": "2026-12-31"}


def dashboard(client, user, **params):
    client.force_login(user)
    return client.get("/supervision/", params or Q4)


def figures_of(response, unit) -> dict:
    return next(row for row in response.context["rows"] if row["unit"] == unit.pk)


def test_the_period_defaults_to_the_current_quarter(client, reviewer, today):
    client.force_login(reviewer)
    response = client.get("/supervision/")
    assert response.context["period"] == Period(start=dt.date(2026, 10, 1), end=dt.date(2026, 12, 31))
    assert quarter_of(dt.date(2026, 2, 3)) == Period(start=dt.date(2026, 1, 1), end=dt.date(2026, 3, 31))


def test_the_producer_figures_match_the_hand_count(client, reviewer, producer, world, today):
    row = figures_of(dashboard(client, reviewer), producer.unit)
    assert (row["published"], row["update_overdue"], row["stale"]) == (2, 1, 1)
    assert (row["tickets_received"], row["tickets_overdue"], row["corrections_on_time"]) == (1, 1, None)


def test_application_steps_are_weighed_against_missed_deadlines(client, reviewer, evaluator, world, today):
    row = figures_of(dashboard(client, reviewer), evaluator.unit)
    assert (row["steps_completed"], row["deadline_misses"], row["applications_on_time"]) == (1, 1, 0.0)


def test_usage_reports_and_suspensions_count_per_holder(client, reviewer, applicant, world, today):
    row = figures_of(dashboard(client, reviewer), applicant.unit)
    assert (row["active_grants"], row["grants_reported"], row["grants_suspended"]) == (1, 1, 1)


def test_a_period_before_the_events_counts_none_of_them(client, reviewer, applicant, evaluator, world, today):
    response = dashboard(client, reviewer, **{"from": "2026-01-01", "to": "2026-03-31"})
    assert figures_of(response, applicant.unit)["grants_reported"] == 0
    assert figures_of(response, evaluator.unit)["deadline_misses"] == 0


def test_pending_work_is_counted_by_stage_with_overdue_items_linked(client, reviewer, world, today):
    response = dashboard(client, reviewer)
    pending = response.context["pending"]
    assert (pending["catalog"][0]["count"], pending["catalog"][0]["overdue"]) == (1, 0)
    applications = {row["stage"]: row for row in pending["applications"] if row["count"]}
    assert [(row["count"], row["overdue"]) for row in applications.values()] == [(1, 1)]
    tickets = {str(row["stage"]): row["count"] for row in pending["corrections"] if row["count"]}
    assert list(tickets.values()) == [1]
    urls = {item.url for item in response.context["overdue"]}
    assert urls == {
        f"/catalog/{world['insurance'].pk}/",
        f"/sharing/applications/{world['application'].pk}/",
        f"/correction/{world['ticket'].pk}/",
    }
    content = response.content.decode()
    assert "vendor/echarts/echarts.min.js" in content and 'id="dashboard-data"' in content


def test_a_county_reviewer_sees_only_the_county(client, county_reviewer, county_applicant, world, today):
    response = dashboard(client, county_reviewer)
    assert {row["unit_name"] for row in response.context["rows"]} == {
        county_reviewer.unit.name,
        county_applicant.unit.name,
    }
    assert response.context["overdue"] == []


def test_a_unit_sees_only_its_own_figures(client, applicant, world, today):
    response = dashboard(client, applicant)
    assert [row["unit"] for row in response.context["rows"]] == [applicant.unit.pk]


def test_platform_admins_see_every_unit(client, platform_admin, county_reviewer, world, today):
    names = {row["unit_name"] for row in dashboard(client, platform_admin).context["rows"]}
    assert county_reviewer.unit.name in names and platform_admin.unit.name in names


def test_the_export_carries_the_same_figures(client, reviewer, producer, world, today):
    row = figures_of(dashboard(client, reviewer), producer.unit)
    response = client.get("/supervision/export.xlsx", Q4)
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    lines = list(sheet.iter_rows(values_only=True))
    assert lines[0][1:3] == ("2026-10-01", "2026-12-31")  # after the label, in the page's language
    exported = next(line for line in lines[2:] if line[0] == producer.unit.name)
    assert list(exported[1:]) == row["cells"]


@pytest.mark.parametrize("url", ["/supervision/", "/supervision/export.xlsx"])
def test_citizens_are_forbidden(client, citizen, url):
    client.force_login(citizen)
    assert client.get(url).status_code == 403


def test_people_with_a_unit_find_the_link(client, applicant):
    client.force_login(applicant)
    assert 'href="/supervision/"' in client.get("/").content.decode()
