"""The open-data story: a visitor, without logging in, searches the portal in Chinese, opens a dataset,
previews it and downloads a CSV whose personal items are masked."""

from pathlib import Path

from playwright.sync_api import expect

from catalog.models import OpenType
from dataplatform.core.models import User
from opening.services import open_entry_propose
from opening.workflow import open_entry_transition
from tests.factories.opening import RULES, make_resource, raw_values


def test_a_visitor_searches_previews_and_downloads_masked_data(page, live_server, demo):
    producer, reviewer = User.objects.get(username="market_admin"), User.objects.get(username="reviewer")
    resource = make_resource(producer, reviewer)
    entry = open_entry_propose(actor=producer, resource=resource, open_type=OpenType.UNIVERSAL, rules=RULES)
    open_entry_transition(entry=entry, action="open", actor=reviewer, open_type=OpenType.UNIVERSAL)

    page.goto(live_server.url + "/open/")
    page.fill("#portal-q", "个体工商户 证照")
    page.click("#portal-search-button")
    expect(page.get_by_test_id("dataset-result")).to_have_count(1)
    page.get_by_role("link", name="个体工商户证照信息").click()
    expect(page.locator("#preview")).to_contain_text("350503********1234")
    expect(page.locator("#preview")).to_contain_text("陈**")
    expect(page.locator("#preview")).not_to_contain_text("陈伟明")

    with page.expect_download() as download_info:
        page.click("#download-csv")
    text = Path(download_info.value.path()).read_text(encoding="utf-8-sig")
    assert "泉州市市场监督管理局" in text  # provenance inside the file
    assert "138****5678" in text
    assert [value for value in raw_values() if value in text] == []
