"""The audit search for people: a unit's data administrator finds who used the unit's data by typing a
name into the person picker, on a wide screen and on a phone."""

import re

import pytest
from playwright.sync_api import expect

from audit.services import audit_record
from dataplatform.core.models import User


@pytest.fixture
def people(demo):
    return {user.username: user for user in User.objects.filter(username__in=demo).select_related("unit")}


@pytest.fixture
def events(people):
    police, market = people["police_admin"], people["market_admin"]
    used = audit_record(
        action="data.query", actor=market, owner_unit=police.unit, data_items=["id_number"], record_count=1
    )
    audit_record(action="resource.update", actor=police, owner_unit=police.unit)
    audit_record(action="resource.update", actor=people["hrss_admin"])  # another unit's own: never shown
    return {"used": used}


def test_a_data_administrator_picks_a_person_by_name_and_the_search_filters(
    page, live_server, login_as, people, events
):
    market = people["market_admin"]
    login_as("police_admin")
    page.goto(live_server.url + "/audit/search/")
    rows = page.get_by_test_id("events").locator("tbody tr")
    expect(rows.filter(has_text="查询数据")).to_have_count(1)

    page.locator("#f-person").press_sequentially("张市")
    choice = page.get_by_role("option", name=re.compile("张市场"))
    expect(choice).to_be_visible()
    choice.click()
    expect(page.locator("#f-person")).to_have_value(f"张市场（{market.unit.name}）")
    page.get_by_test_id("search").click()

    expect(page).to_have_url(re.compile(rf"[?&]person={market.pk}(&|$)"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("查询数据")
    expect(rows.first).to_contain_text(market.unit.name)
    expect(page.get_by_test_id("export-csv")).to_have_attribute("href", re.compile(rf"person={market.pk}"))

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(rows).to_have_count(1)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # the table does not widen the page


def test_the_action_picker_takes_the_keyboard(page, live_server, login_as, events):
    login_as("police_admin")
    page.goto(live_server.url + "/audit/search/")
    box = page.locator("#f-action")
    box.press_sequentially("查询数据")
    expect(page.get_by_role("option", name="查询数据")).to_be_visible()
    box.press("ArrowDown")
    box.press("Enter")  # picks the highlighted choice, and does not send the form yet
    expect(box).to_have_value("查询数据")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"[?&]action=data\.query(&|$)"))
    expect(page.get_by_test_id("events").locator("tbody tr")).to_have_count(1)
