"""The per-unit figures table and its spreadsheet: every header in the reader's language, and the rows
in the order the reader clicks (today: Monday 16 November 2026; the period: Q4 2026)."""

import io
import re

import openpyxl
import pytest
from django.conf import settings
from django.utils import translation

from supervision.columns import COLUMNS
from supervision.selectors import figures_sorted

pytestmark = pytest.mark.django_db

Q4 = {"from": "2026-10-01", "to": "2026-12-31"}


def in_language(client, language: str):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def header_cells(page: str) -> list[str]:
    """The text of the figures table's header cells, tags and blanks stripped."""
    head = page[page.index('data-testid="figures"') :]
    head = head[: head.index("</thead>")]
    return [re.sub(r"<[^>]+>|\s+", "", cell) for cell in re.findall(r"<th\b.*?</th>", head, re.S)]


def test_the_table_speaks_chinese_by_default(client, reviewer):
    client.force_login(reviewer)
    page = client.get("/supervision/", Q4).content.decode()
    headers = header_cells(page)
    assert headers[:5] == ["单位", "目录管理", "共享申请", "纠错工单", "授权"]
    assert headers[5:] == [
        "已发布", "逾期未更新", "数据陈旧", "办理环节", "超期", "按时率", "收到", "按时研判",
        "已纠正", "按时纠正", "按时率", "当前逾期", "有效", "已报使用", "被暂停",
    ]  # fmt: skip
    # Each short header carries its full label, as the spreadsheet's header says it.
    assert 'title="已发布目录数"' in page and 'title="共享申请按时办理率（%）"' in page
    assert not re.search(r'title="[A-Za-z]', page[page.index('data-testid="figures"') :])


def test_every_full_label_is_translated():
    with translation.override("zh-hans"):
        untranslated = [
            str(column.label) for column in COLUMNS if re.search("[A-Za-z]{2}", str(column.label))
        ]
        short_untranslated = [
            str(column.short) for column in COLUMNS if re.search("[A-Za-z]", str(column.short))
        ]
    assert (untranslated, short_untranslated) == ([], [])


def test_the_table_speaks_english_when_asked(client, reviewer):
    client.force_login(reviewer)
    page = in_language(client, "en").get("/supervision/", Q4).content.decode()
    headers = header_cells(page)
    assert headers[:5] == ["Unit", "Catalog", "Sharingapplications", "Correctiontickets", "Grants"]
    assert headers[5:8] == ["Published", "Updateoverdue", "Staledata"]
    assert 'title="Applications answered on time (%)"' in page


def export_header(client) -> list[str]:
    sheet = openpyxl.load_workbook(io.BytesIO(client.get("/supervision/export.xlsx", Q4).content)).active
    return list(next(sheet.iter_rows(min_row=2, max_row=2, values_only=True)))


def test_the_spreadsheet_headers_follow_the_language(client, reviewer):
    client.force_login(reviewer)
    chinese = export_header(client)
    assert chinese[:4] == ["单位", "已发布目录数", "依据变更逾期未更新目录数", "数据未按时更新的目录数"]
    assert chinese[-1] == "被暂停的授权数"
    assert not [label for label in chinese if re.search("[A-Za-z]{2}", label)]
    english = export_header(in_language(client, "en"))
    assert english[:2] == ["Unit", "Entries published"] and english[-1] == "Grants suspended"


# --- sorting ----------------------------------------------------------------------------------------


def units_in_order(client, **params) -> list[str]:
    return [row["unit_name"] for row in client.get("/supervision/", {**Q4, **params}).context["rows"]]


def test_a_figure_sorts_the_units_most_first_then_least_first(
    client, reviewer, producer, evaluator, applicant, world, today
):
    client.force_login(reviewer)
    most_first = units_in_order(client, sort="-published")
    assert most_first[0] == producer.unit.name  # the only unit with published entries
    least_first = units_in_order(client, sort="published")
    assert least_first[-1] == producer.unit.name
    assert units_in_order(client, sort="-grants_suspended")[0] == applicant.unit.name


def test_units_with_nothing_to_rate_come_last_either_way(client, reviewer, evaluator, world, today):
    """Only the evaluator's unit has a rate (0%, one step, one deadline missed)."""
    client.force_login(reviewer)
    assert units_in_order(client, sort="applications_on_time")[0] == evaluator.unit.name
    assert units_in_order(client, sort="-applications_on_time")[0] == evaluator.unit.name


def test_the_header_links_reverse_the_order_they_show(client, reviewer, world, today):
    client.force_login(reviewer)
    response = client.get("/supervision/", {**Q4, "sort": "-published"})
    page = response.content.decode()
    assert re.search(
        r'data-key="published" aria-sort="descending">\s*<a href="\?period=custom[^"]*sort=published"', page
    )
    assert 'href="?period=custom&amp;from=2026-10-01&amp;to=2026-12-31&amp;sort=-stale"' in page
    assert response.context["sort"] == "-published"


def test_an_unknown_order_is_the_units_own(client, reviewer, world, today):
    client.force_login(reviewer)
    default = units_in_order(client)
    assert units_in_order(client, sort="password") == default
    assert units_in_order(client, sort="-unit") == default[::-1]


def test_the_spreadsheet_follows_the_order(client, reviewer, producer, world, today):
    client.force_login(reviewer)
    response = client.get("/supervision/export.xlsx", {**Q4, "sort": "published"})
    names = [
        line[0]
        for line in openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(
            min_row=3, values_only=True
        )
    ]
    assert names == units_in_order(client, sort="published") and names[-1] == producer.unit.name


def test_ties_keep_the_units_order():
    rows = [{"unit_name": name, "published": count} for name, count in [("甲", 1), ("乙", 2), ("丙", 1)]]
    rows, applied = figures_sorted(rows, sort="-published")
    assert ([row["unit_name"] for row in rows], applied) == (["乙", "甲", "丙"], "-published")
