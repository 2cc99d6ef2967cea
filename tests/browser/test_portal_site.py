"""The portal and the platform's name in a real browser: a phone shows the portal without sideways
scrolling of the page (the preview scrolls in its own box), a visitor logs in from the portal and comes
back to it, and the platform's name stays in the header beside the most menus (1366 px, where the
internal header used to hide it, and wider), in both languages."""

import pytest
from playwright.sync_api import Browser, Page, expect

from catalog.models import OpenType
from dataplatform.core.demo.core import DEMO_PASSWORD
from dataplatform.core.models import User
from opening.models import OpenEntry
from opening.services import open_entry_propose
from opening.workflow import open_entry_transition
from tests.factories.opening import RULES, make_resource

from .conftest import login

LANGUAGES = ["zh-hans", "en"]
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def dataset(demo) -> OpenEntry:
    producer, reviewer = User.objects.get(username="market_admin"), User.objects.get(username="reviewer")
    resource = make_resource(producer, reviewer)
    entry = open_entry_propose(actor=producer, resource=resource, open_type=OpenType.UNIVERSAL, rules=RULES)
    return open_entry_transition(entry=entry, action="open", actor=reviewer, open_type=OpenType.UNIVERSAL)


@pytest.fixture
def open_page(browser: Browser, live_server):
    """``open_page(viewport, language)``: a fresh browser page of that size, in that language."""
    contexts = []

    def _open(viewport: dict, language: str) -> Page:
        context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport=viewport)
        context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield _open
    for context in contexts:
        context.close()


def page_overflow(page: Page) -> int:
    """How many pixels the page is wider than the screen (0 when nothing scrolls sideways)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_portal_fits_a_phone_and_its_preview_scrolls_in_its_own_box(
    open_page, live_server, dataset, language
):
    page = open_page(PHONE, language)
    page.goto(live_server.url + "/open/")
    expect(page.get_by_test_id("portal-name")).to_be_visible()
    expect(page.get_by_test_id("dataset-result")).to_have_count(1)
    assert page_overflow(page) <= 0

    page.goto(f"{live_server.url}/open/datasets/{dataset.slug}/")
    expect(page.locator("#preview")).to_be_visible()
    assert page_overflow(page) <= 0
    box = page.locator("#preview-box")
    assert box.evaluate("el => el.scrollWidth > el.clientWidth")  # the table scrolls sideways in its box
    # No column is squeezed to a character a line: every cell keeps a sane width and a row a sane height.
    font = page.evaluate("parseFloat(getComputedStyle(document.querySelector('#preview td')).fontSize)")
    widths = page.locator("#preview td").evaluate_all(
        "cells => cells.map(c => c.getBoundingClientRect().width)"
    )
    heights = page.locator("#preview tbody tr").evaluate_all(
        "rows => rows.map(r => r.getBoundingClientRect().height)"
    )
    assert min(widths) >= 6 * font
    assert max(heights) <= 4 * 1.5 * font  # three lines of text at most, with the cell's padding


def test_a_visitor_logs_in_from_the_portal_and_comes_back_to_it(page: Page, live_server, dataset):
    page.goto(f"{live_server.url}/open/datasets/{dataset.slug}/")
    expect(page.get_by_test_id("portal-user")).to_have_count(0)
    page.locator("#login-link").click()
    expect(page.get_by_test_id("login-platform-name")).to_have_text("泉州市政务数据汇聚共享平台")
    page.locator("#id_username").fill("citizen")
    page.locator("#id_password").fill(DEMO_PASSWORD)
    page.locator("form:has(#id_password) button[type=submit]").click()

    expect(page).to_have_url(f"{live_server.url}/open/datasets/{dataset.slug}/")
    expect(page.get_by_test_id("portal-user")).to_contain_text("苏市民")
    page.locator("#workbench-link").click()
    expect(page).to_have_url(live_server.url + "/")
    expect(page.get_by_test_id("user-menu")).to_be_visible()


@pytest.mark.parametrize(("width", "language"), [(1366, "zh-hans"), (1366, "en"), (1440, "en")])
def test_the_platform_name_stays_in_the_header_beside_the_most_menus(
    open_page, live_server, demo, width, language
):
    page = open_page({"width": width, "height": 768}, language)
    login(page, live_server, "admin", DEMO_PASSWORD)  # the platform administrator has the most menus
    brand = page.locator(".navbar-brand")
    expect(brand.locator(".platform-brand-short")).to_be_visible()
    assert brand.inner_text().strip()
    fit = page.evaluate(
        """() => ({
        bar: document.querySelector("nav.navbar").getBoundingClientRect().height,
        menus: document.querySelector("#nav ul.navbar-nav").getBoundingClientRect().right,
        language: document.querySelector("#nav form").getBoundingClientRect().left,
        brand: document.querySelector(".navbar-brand").getBoundingClientRect().right,
        first: document.querySelector("#nav ul.navbar-nav").getBoundingClientRect().left,
    })"""
    )
    assert fit["bar"] <= 60, "the header wrapped onto a second row"
    assert fit["menus"] <= fit["language"] and fit["brand"] <= fit["first"]
    assert page_overflow(page) <= 0


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_login_page_names_the_platform_on_a_phone(open_page, live_server, demo, language):
    page = open_page(PHONE, language)
    page.goto(live_server.url + "/accounts/login/")
    expect(page.get_by_test_id("login-platform-name")).to_be_visible()
    expect(page.get_by_test_id("platform-name")).to_be_visible()  # and in the header
    assert page_overflow(page) <= 0
