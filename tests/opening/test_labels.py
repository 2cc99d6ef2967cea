"""The open catalog's management page reads codes by their labels in the reader's language: the
de-identification rules ("Mask a name", not mask_name) and the history's steps and statuses ("Proposed,
awaiting the authority → Open", not proposed → open)."""

import pytest

pytestmark = pytest.mark.django_db


def history(page) -> str:
    text = page.content.decode()
    return text[text.index('id="history"') :]


def test_the_chinese_page_shows_the_rules_and_the_history_in_chinese(client, open_entry, reviewer):
    client.force_login(reviewer)

    page = client.get(f"/open/manage/{open_entry.pk}/")

    assert '<span data-rule="mask_name">姓名脱敏</span>' in page.content.decode()
    assert "开放 · 已提出，待数据管理机构审核 → 已开放" in history(page)
    assert "提出 · — → 已提出，待数据管理机构审核" in history(page)
    assert "proposed" not in history(page)


def test_the_english_page_shows_the_rules_and_the_history_in_english(client, open_entry, reviewer):
    client.force_login(reviewer)

    page = client.get(f"/open/manage/{open_entry.pk}/", HTTP_ACCEPT_LANGUAGE="en")

    assert '<span data-rule="mask_name">Mask a name</span>' in page.content.decode()
    assert "Open · Proposed, awaiting the authority → Open" in history(page)
    assert "Proposed · — → Proposed, awaiting the authority" in history(page)
