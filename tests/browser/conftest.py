"""End-to-end tests in headless Chromium, driven by Playwright against pytest-django's live server.

Every test here is marked ``browser``; skip them with ``pytest -m "not browser"``.
The machine has no internet: Playwright's own browser download is never used, Debian's Chromium is.
"""

import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from dataplatform.core.demo.core import DEMO_PASSWORD, seed_core

# Playwright's sync API runs an asyncio event loop in the test thread. Django sees that running loop
# and refuses ORM calls from the same thread with SynchronousOnlyOperation (it assumes it is inside
# async code). The test thread never actually awaits anything while it touches the database - the
# loop only talks to the browser - so the check is a false alarm here and is switched off for
# the test process. The live server answers requests in its own thread and is unaffected.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = os.environ.get("BROWSER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BROWSER_DIR = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    """Mark every test in this folder ``browser``, whatever its module says."""
    for item in items:
        if BROWSER_DIR in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Browser:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (make chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser, live_server) -> Page:
    """A fresh browser context (no cookies) per test, in Chinese, as a person in Quanzhou sees it."""
    context = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1280, "height": 800}
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def demo(transactional_db):
    """The demo setting (regions, units, one person per role) in the test database.

    ``live_server`` needs ``transactional_db``: the server thread reads committed rows only.
    """
    return {person.username: person for person in seed_core()}


def login(page: Page, live_server, username: str, password: str) -> Page:
    """Log in through the login form and wait for the home page; later stories reuse this."""
    page.goto(live_server.url + "/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("form:has(#id_password) button[type=submit]").click()
    expect(page.get_by_test_id("user-menu")).to_be_visible()
    return page


@pytest.fixture
def login_as(page: Page, live_server, demo):
    """``login_as("reviewer")`` logs a demo person in with the demo password and returns the page."""

    def _login(username: str, password: str = DEMO_PASSWORD) -> Page:
        return login(page, live_server, username, password)

    return _login
