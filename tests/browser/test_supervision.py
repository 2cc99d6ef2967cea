"""The supervision story: the authority opens the dashboard, follows an overdue item to its page, and
searches the audit log for it."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from catalog.demo import seed_catalog
from operations.management.commands.seed_demo import load_records
from sharing.demo import seed_sharing
from sharing.models import Application


@pytest.fixture
def world(demo):
    seed_catalog(load_records=load_records)
    seed_sharing()


def test_the_authority_follows_an_overdue_item_and_finds_it_in_the_audit_log(
    page, live_server, login_as, world
):
    overdue = Application.objects.filter(overdue_since__isnull=False).get()
    login_as("reviewer")
    page.goto(live_server.url + "/supervision/")
    item = page.get_by_test_id("overdue").locator(f"a[href='/sharing/applications/{overdue.pk}/']")
    expect(item).to_be_visible()
    item.click()
    expect(page).to_have_url(f"{live_server.url}/sharing/applications/{overdue.pk}/")
    expect(page.get_by_test_id("status")).to_have_attribute("data-status", overdue.status)

    page.goto(live_server.url + "/audit/search/")
    page.fill("#f-action", "application.overdue")
    page.locator("#f-action").press("Enter")
    expect(page.locator("main")).to_contain_text(overdue.business_matter)
    page.screenshot(path="/tmp/supervision-audit.png", full_page=True)


def test_the_dashboard_reads_at_a_glance(page, live_server, login_as, world):
    """At 1366 px the figures fit without scrolling sideways; a click on a header sorts, a preset
    changes the period and keeps the order; the chart draws a 0% rate as a sliver labelled 0% and no
    rate as no bar labelled "无数据"; the platform admin's overdue links open."""
    today = timezone.localdate()
    page.set_viewport_size({"width": 1366, "height": 768})
    login_as("admin")
    year_ago = (today - dt.timedelta(days=365)).isoformat()
    page.goto(f"{live_server.url}/supervision/?period=custom&from={year_ago}&to={today.isoformat()}")
    fits = "() => { const s = document.querySelector('.figures-scroll'); return s.scrollWidth <= s.clientWidth; }"
    assert page.evaluate(fits)

    page.locator("a[data-sort='steps_completed']").click()
    expect(page.locator("th[data-key='steps_completed']")).to_have_attribute("aria-sort", "descending")
    steps = [int(text) for text in page.locator("td[data-key='steps_completed']").all_inner_texts()]
    assert steps == sorted(steps, reverse=True) and steps[0] > 0

    option = page.evaluate(
        "() => echarts.getInstanceByDom(document.getElementById('chart-on-time')).getOption().series[0]"
    )
    zero = [point for point in option["data"] if point["value"] == 0 and not point.get("noData")]
    none = [point for point in option["data"] if point.get("noData")]
    assert zero and none, option["data"]
    assert option["barMinHeight"] > 0 and {point["text"] for point in zero} == {"0%"}
    assert {point["text"] for point in none} == {"无数据"}
    assert {point["itemStyle"]["color"] for point in none} == {"transparent"}

    page.locator("a[data-preset='this_year']").click()
    expect(page.get_by_test_id("period-shown")).to_have_text(f"{today.year}-01-01 – {today.year}-12-31")
    expect(page.locator("th[data-key='steps_completed']")).to_have_attribute("aria-sort", "descending")

    links = page.get_by_test_id("overdue").locator("a")
    expect(links.first).to_be_visible()
    for href in links.evaluate_all("(links) => links.map((a) => a.getAttribute('href'))"):
        assert page.request.get(live_server.url + href).status == 200, href
    page.screenshot(path="/tmp/supervision-dashboard.png", full_page=True)
