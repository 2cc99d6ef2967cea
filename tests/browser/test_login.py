"""Logging in and out in a real browser, as the demo reviewer."""

import re

import pytest
from django.utils import translation
from playwright.sync_api import Page, expect

from dataplatform.core.demo.core import DEMO_PASSWORD
from dataplatform.core.models import Role

from .conftest import login

pytestmark = pytest.mark.browser

LOGIN_PATH = re.compile(r"/accounts/login/")


def chinese(text) -> str:
    with translation.override("zh-hans"):
        return str(text)


def test_the_reviewer_logs_in_and_sees_the_home_page(page: Page, live_server, demo):
    page.goto(live_server.url + "/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")

    page.locator("#id_username").fill("reviewer")
    page.locator("#id_password").fill(DEMO_PASSWORD)
    page.locator("form:has(#id_password) button[type=submit]").click()

    expect(page).to_have_url(live_server.url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    user_menu = page.get_by_test_id("user-menu")
    expect(user_menu).to_contain_text("陈审核")
    user_menu.click()  # the unit is named in the menu, so the bar keeps its room for the menus
    expect(page.get_by_test_id("user-unit")).to_have_text("泉州市大数据管理局")
    user_menu.click()
    expect(page.get_by_test_id("roles")).to_contain_text(chinese(Role.REVIEWER.label))
    pending = page.get_by_test_id("pending-work").or_(page.get_by_test_id("no-pending-work"))
    expect(pending).to_be_visible()
    page.screenshot(path="/tmp/home.png", full_page=True)


def test_a_wrong_password_stays_on_the_login_page(page: Page, live_server, demo):
    page.goto(live_server.url + "/accounts/login/")
    page.locator("#id_username").fill("reviewer")
    page.locator("#id_password").fill("not-the-password")
    page.locator("form:has(#id_password) button[type=submit]").click()

    expect(page).to_have_url(LOGIN_PATH)
    expect(page.locator(".alert-danger")).to_be_visible()
    expect(page.get_by_test_id("user-menu")).to_have_count(0)


def test_logging_out_from_the_user_menu_returns_to_the_login_page(page: Page, live_server, demo):
    login(page, live_server, "reviewer", DEMO_PASSWORD)

    page.get_by_test_id("user-menu").click()
    logout = page.locator("form[action$='/accounts/logout/'] button")
    expect(logout).to_be_visible()
    logout.click()

    expect(page).to_have_url(LOGIN_PATH)
    expect(page.locator("#id_password")).to_be_visible()
    page.goto(live_server.url + "/")
    expect(page).to_have_url(LOGIN_PATH)
