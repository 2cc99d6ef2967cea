"""The sharing story: an applicant asks for two items of conditional data, the technical service unit
finds it reasonable, the producer agrees, the authority approves, and the applicant holds the grant."""

import pytest
from playwright.sync_api import expect

from catalog.demo import seed_catalog
from operations.management.commands.seed_demo import load_records
from sharing.models import Application


@pytest.fixture
def catalog(demo):
    seed_catalog(load_records=load_records)


def take_step(page, live_server, login_as, username: str, application: Application, action: str, status: str):
    page.context.clear_cookies()
    login_as(username)
    page.goto(live_server.url + "/sharing/queue/")
    page.get_by_test_id(f"queue-link-{application.pk}").click()
    page.get_by_test_id(f"act-{action}").click()
    expect(page.get_by_test_id("status")).to_have_attribute("data-status", status)


def test_an_applicant_asks_for_conditional_data_and_holds_the_grant_after_the_three_steps(
    page, live_server, login_as, catalog
):
    login_as("market_admin")
    page.goto(live_server.url + "/sharing/apply/")
    page.fill("input[name=q]", "社会保险")
    page.get_by_test_id("choose-search").click()
    page.get_by_test_id("choose-QZ-RS-SB-0001").click()
    page.get_by_test_id("item-id_number").check()
    page.get_by_test_id("item-paid").check()
    page.check("input[name=service_method][value=interface]")
    page.fill("#id_business_matter", "个体工商户社保补贴资格审核")
    page.fill("#id_information_system", "惠企政策兑现系统")
    page.fill("#id_scenario", "审核申请补贴的个体工商户经营者是否足额缴纳社会保险")
    page.fill("#id_scope", "全市，每月约 500 次")
    page.fill("#id_end_date", "2030-12-31")
    page.get_by_test_id("save-draft").click()
    expect(page.get_by_test_id("status")).to_have_attribute("data-status", "draft")
    expect(page.get_by_test_id("line-item")).to_have_count(2)
    page.get_by_test_id("act-submit").click()
    expect(page.get_by_test_id("status")).to_have_attribute("data-status", "evaluating")
    application = Application.objects.get(business_matter="个体工商户社保补贴资格审核")
    assert [line.items for line in application.lines.all()] == [["id_number", "paid"]]

    take_step(page, live_server, login_as, "evaluator", application, "reasonable", "consulting")
    take_step(page, live_server, login_as, "hrss_admin", application, "agree", "reviewing")
    take_step(page, live_server, login_as, "reviewer", application, "approve", "granted")

    page.context.clear_cookies()
    login_as("market_admin")
    page.goto(live_server.url + "/sharing/grants/")
    grant = page.get_by_test_id("grant").filter(has_text="社会保险缴费记录")
    expect(grant.get_by_test_id("grant-status")).to_have_attribute("data-status", "active")
    page.goto(f"{live_server.url}/sharing/applications/{application.pk}/")
    expect(page.get_by_test_id("timeline").locator("li")).to_have_count(5)
    page.screenshot(path="/tmp/sharing-app.png", full_page=True)


def test_the_wizard_selects_all_items_or_none_from_the_keyboard_and_moves_its_steps(
    page, live_server, login_as, catalog
):
    login_as("market_admin")
    page.goto(live_server.url + "/sharing/apply/")
    page.get_by_test_id("choose-QZ-RS-SB-0001").click()
    steps = page.get_by_test_id("wizard-steps-step")
    expect(steps).to_have_count(4)

    def states() -> list[str | None]:
        return [steps.nth(n).get_attribute("data-state") for n in range(4)]

    assert states() == ["done", "current", "todo", "todo"]

    line = page.get_by_test_id("line-QZ-RS-SB-0001")
    items = line.locator("tbody input[type=checkbox]")
    toggle = line.get_by_test_id("select-all")
    expect(toggle).to_be_visible()  # the script shows it; without the script it stays hidden
    toggle.focus()
    page.keyboard.press("Space")
    assert all(items.nth(n).is_checked() for n in range(items.count()))
    assert states() == ["done", "done", "current", "todo"]
    expect(steps.nth(2)).to_have_attribute("aria-current", "step")

    page.keyboard.press("Space")
    assert not any(items.nth(n).is_checked() for n in range(items.count()))
    assert states() == ["done", "current", "todo", "todo"]

    page.get_by_test_id("item-id_number").check()
    assert toggle.evaluate("box => box.indeterminate") and not toggle.is_checked()
    page.check("input[name=service_method][value=interface]")
    assert states() == ["done", "done", "done", "current"]
    page.fill("#id_business_matter", "个体工商户社保补贴资格审核")
    page.fill("#id_information_system", "惠企政策兑现系统")
    page.fill("#id_scenario", "审核申请补贴的个体工商户经营者是否足额缴纳社会保险")
    page.fill("#id_end_date", "2030-12-31")
    assert states() == ["done", "done", "done", "done"]
    page.get_by_test_id("save-draft").click()
    expect(page.get_by_test_id("status")).to_have_attribute("data-status", "draft")
    expect(page.get_by_test_id("line-item")).to_have_count(1)
    expect(page.get_by_test_id("stages-step").first).to_have_attribute("data-state", "current")
    expect(page.get_by_test_id("back")).to_have_attribute("href", "/sharing/applications/")
