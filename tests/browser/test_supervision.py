"""The supervision story: the authority opens the dashboard, follows an overdue item to its page, and
searches the audit log for it."""

import pytest
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
