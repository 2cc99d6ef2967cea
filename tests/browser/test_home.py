"""The home page as a workbench in a real browser: the reviewer's counts and overdue item, on a laptop and
on a phone; the newcomer awaiting Jinjiang's approval sees whose approval and no menus of the unit's work."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from catalog.models import Resource
from catalog.services import resource_create
from catalog.workflow import resource_transition
from dataplatform.core.demo.administrators import seed_administrators
from dataplatform.core.models import User
from tests.factories.catalog import entry_fields

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def fits_the_width(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_reviewer_sees_the_counts_and_the_overdue_entry_in_red(page: Page, login_as, demo):
    producer = User.objects.get(username="market_admin")
    resource = resource_create(actor=producer, producer=producer.unit, **entry_fields(name="企业登记信息"))
    resource_transition(resource=resource, to="submitted", actor=producer)
    Resource.objects.filter(pk=resource.pk).update(review_due=timezone.localdate() - dt.timedelta(days=2))

    login_as("reviewer")
    expect(page.get_by_test_id("count-todo")).to_have_text("1")
    expect(page.get_by_test_id("count-overdue")).to_have_text("1")
    expect(page.get_by_test_id("count-overdue")).to_have_css("color", "rgb(220, 53, 69)")
    row = page.get_by_test_id("todo")
    expect(row).to_contain_text("企业登记信息")
    expect(row.get_by_test_id("overdue")).to_have_text("逾期 2 天")
    expect(page.get_by_test_id("shortcuts").get_by_role("link")).to_have_count(6)
    assert fits_the_width(page)

    page.set_viewport_size(PHONE)
    expect(row.get_by_test_id("overdue")).to_be_visible()
    assert fits_the_width(page)


def test_the_newcomer_awaits_jinjiangs_approval_and_sees_no_menus_of_the_units_work(
    page: Page, login_as, demo
):
    seed_administrators()
    login_as("jj_hrss_clerk")
    card = page.get_by_test_id("role-awaited")
    expect(card).to_contain_text("等待晋江市数据管理局审批")
    expect(page.get_by_test_id("role-awaited-authority")).to_contain_text("黄审核")
    expect(page.locator("#nav .nav-link")).to_have_text(["首页", "数据开放"])
    expect(page.get_by_test_id("counts")).to_have_count(0)

    page.set_viewport_size(PHONE)
    expect(card).to_be_visible()
    assert fits_the_width(page)
