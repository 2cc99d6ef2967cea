"""The Content Security Policy (issue 9) breaks none of the pages' scripts: Swagger UI, the ECharts
dashboard, the entry form's "add item" button and the language switch all work in Chromium, and the
browser reports no violation."""

import pytest
from playwright.sync_api import Page, expect

from catalog.demo import seed_catalog
from operations.management.commands.seed_demo import load_records
from sharing.demo import seed_sharing

WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI);
});
"""


@pytest.fixture
def watched(page: Page) -> Page:
    page.add_init_script(WATCH)
    messages = []
    page.on("console", lambda message: messages.append(message.text))
    page.csp_console = messages
    return page


def violations(page: Page) -> list[str]:
    reported = page.evaluate("window.__cspViolations || []")
    return reported + [text for text in page.csp_console if "Content Security Policy" in text]


def test_swagger_ui_renders_under_the_policy(watched, live_server, login_as):
    login_as("police_admin")
    watched.goto(live_server.url + "/api/v1/docs/")
    expect(watched.locator(".swagger-ui .info .title")).to_be_visible()
    expect(watched.locator(".opblock").first).to_be_visible()
    assert violations(watched) == []


def test_the_dashboard_draws_its_charts_under_the_policy(watched, live_server, login_as, demo):
    seed_catalog(load_records=load_records)
    seed_sharing()
    login_as("reviewer")
    watched.goto(live_server.url + "/supervision/")
    expect(watched.locator("#chart-overdue canvas")).to_be_visible()
    expect(watched.locator("#chart-on-time canvas")).to_be_visible()
    assert violations(watched) == []


def test_the_entry_form_adds_an_item_row_and_the_language_switch_submits(watched, live_server, login_as):
    login_as("police_admin")
    watched.goto(live_server.url + "/catalog/new/")
    rows = watched.locator("#items tbody tr")
    before = rows.count()
    watched.locator("#add-item").click()
    expect(rows).to_have_count(before + 1)
    watched.locator("select[name=language]").select_option("en")
    expect(watched.locator("html")).to_have_attribute("lang", "en")
    assert violations(watched) == []


def test_the_policy_blocks_an_injected_inline_script_and_the_watch_sees_it(watched, live_server, login_as):
    login_as("police_admin")
    assert violations(watched) == []
    watched.evaluate(
        """() => { const s = document.createElement("script");
                   s.textContent = "window.__injected = true"; document.body.appendChild(s); }"""
    )
    watched.wait_for_function("window.__cspViolations.length > 0")
    assert watched.evaluate("window.__injected === undefined")
    assert any(v.startswith("script-src") for v in violations(watched))
