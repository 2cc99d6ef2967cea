"""The home page as a workbench (issue 15): counts of the to-do, overdue items in red with their days,
recent activity, shortcuts to the role's work, an empty state that says what to do next, and a person
awaiting approval as a unit's data administrator told whose approval he awaits (Q9.2)."""

import datetime as dt
import itertools
import re

import pytest
from django.utils import timezone

from audit.activity import recent_activity
from catalog.models import Resource
from catalog.services import resource_create
from catalog.workflow import resource_transition
from dataplatform.core.administrators import personnel_change_decide, personnel_change_file
from dataplatform.core.models import Role
from dataplatform.core.models.units import UnitKind
from dataplatform.core.pending import PendingItem
from dataplatform.core.workbench import todo_counts, todo_list
from tests import factories
from tests.factories.catalog import entry_fields

pytestmark = pytest.mark.django_db


def main(page) -> str:
    """The page below the navigation bar."""
    return page.content.decode().split("<main", 1)[1]


def nav_links(page) -> set[str]:
    """The addresses the navigation bar links to."""
    return set(re.findall(r'<a [^>]*href="(/[^"]*)"', page.content.decode().split("<main", 1)[0]))


def count(page, name: str) -> int:
    match = re.search(rf'data-testid="count-{name}">(\d+)<', page.content.decode())
    assert match, name
    return int(match.group(1))


def in_english(client) -> None:
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})


CODES = itertools.count(1)


def submitted(producer, name: str, review_due: dt.date) -> Resource:
    resource = resource_create(
        actor=producer, producer=producer.unit, **entry_fields(code=f"QZ-T-{next(CODES)}", name=name)
    )
    resource_transition(resource=resource, to="submitted", actor=producer)
    Resource.objects.filter(pk=resource.pk).update(review_due=review_due)
    return resource


# --- counts and the to-do --------------------------------------------------------------------------


@pytest.fixture
def three_to_review(producer):
    """One entry overdue by three days, one due tomorrow, one due in a month."""
    today = timezone.localdate()
    submitted(producer, "逾期的目录", today - dt.timedelta(days=3))
    submitted(producer, "明天到期的目录", today + dt.timedelta(days=1))
    submitted(producer, "下月到期的目录", today + dt.timedelta(days=30))


def test_the_counts_read_one_overdue_one_due_tomorrow_and_one_later(client, reviewer, three_to_review):
    client.force_login(reviewer)
    page = client.get("/")
    assert (count(page, "todo"), count(page, "due-soon"), count(page, "overdue")) == (3, 1, 1)


def test_the_overdue_item_comes_first_in_red_with_its_days_overdue(client, reviewer, three_to_review):
    client.force_login(reviewer)
    html = main(client.get("/"))
    rows = re.findall(
        r'<li class="([^"]*)" data-testid="todo" data-overdue-days="(\d+)">\s*<a[^>]*>([^<]*)', html
    )
    names = ["逾期的目录", "明天到期的目录", "下月到期的目录"]
    assert all(title.endswith(name) for (_, _, title), name in zip(rows, names, strict=True))
    assert [days for _class, days, _title in rows] == ["3", "0", "0"]
    assert "list-group-item-danger" in rows[0][0] and "list-group-item-danger" not in rows[1][0]
    assert "逾期 3 天" in html and 'data-testid="due-soon"' in html


def test_the_workbench_speaks_english_on_request(client, reviewer, three_to_review):
    client.force_login(reviewer)
    in_english(client)
    html = main(client.get("/"))
    assert "Due within one business day" in html and "overdue 3 days" in html
    assert "逾期 3 天" not in html and "一个工作日内到期" not in html


def test_the_counts_in_chinese(client, reviewer, three_to_review):
    client.force_login(reviewer)
    html = main(client.get("/"))
    assert "待办" in html and "一个工作日内到期" in html and "Due within" not in html


def test_due_soon_reaches_the_next_business_day_over_a_weekend_and_a_holiday():
    def items(*dues: dt.date) -> list[PendingItem]:
        return [PendingItem(title=str(due), url="/", due=due) for due in dues]

    friday = dt.date(2026, 12, 4)
    monday, tuesday = dt.date(2026, 12, 7), dt.date(2026, 12, 8)
    counts = todo_counts(todo_list(items(friday, monday, tuesday, dt.date(2026, 12, 1)), today=friday))
    assert (counts.total, counts.due_soon, counts.overdue) == (4, 2, 1)
    # National Day 2026: the day after 30 September that is worked is 8 October.
    eve = dt.date(2026, 9, 30)
    todos = todo_list(items(dt.date(2026, 10, 8), dt.date(2026, 10, 9)), today=eve)
    assert [todo.due_soon for todo in todos] == [True, False]


def test_an_item_without_a_due_date_is_neither_due_soon_nor_overdue():
    [todo] = todo_list([PendingItem(title="核实数源", url="/")], today=dt.date(2026, 12, 4))
    assert (todo.due_soon, todo.overdue, todo.overdue_days) == (False, False, 0)


# --- the empty state and the shortcuts ------------------------------------------------------------


def test_with_nothing_to_do_a_reviewer_is_told_what_comes_and_where_to_go(client, reviewer):
    client.force_login(reviewer)
    page = client.get("/")
    html = main(page)
    assert 'data-testid="no-pending-work"' in html and "本地区各单位提交的目录" in html
    assert (count(page, "todo"), count(page, "due-soon"), count(page, "overdue")) == (0, 0, 0)
    shortcuts = html.split('data-testid="shortcuts"', 1)[1]
    assert 'href="/catalog/review/"' in shortcuts and 'href="/supervision/"' in shortcuts
    assert 'href="/api-keys/"' not in shortcuts


def test_a_data_administrators_shortcuts_are_the_units_work(client, producer):
    client.force_login(producer)
    shortcuts = main(client.get("/")).split('data-testid="shortcuts"', 1)[1]
    for url in ("/catalog/", "/sharing/applications/", "/api-keys/"):
        assert f'href="{url}"' in shortcuts
    assert 'href="/catalog/review/"' not in shortcuts


def test_a_citizen_is_pointed_to_the_open_data_and_corrections(client):
    client.force_login(factories.person(None, username="citizen"))
    in_english(client)
    html = main(client.get("/"))
    assert "Browse and download the open data" in html
    shortcuts = html.split('data-testid="shortcuts"', 1)[1]
    assert 'href="/open/"' in shortcuts and 'href="/correction/"' in shortcuts


# --- recent activity -------------------------------------------------------------------------------


def test_recent_activity_shows_the_units_steps_and_not_logins_or_other_units(
    client, producer, applicant, reviewer
):
    submitted(producer, "企业登记信息", timezone.localdate())
    resource_create(
        actor=applicant, producer=applicant.unit, **entry_fields(code="QZ-other", name="别人的目录")
    )
    client.post("/accounts/login/", {"username": "producer", "password": "pw"})  # audited, not shown
    html = main(client.get("/"))
    activity = html.split('data-testid="recent-activity"', 1)[1].split("</ul>", 1)[0]
    assert "企业登记信息" in activity and "别人的目录" not in activity
    assert activity.count('data-testid="activity"') == 2  # created, submitted
    assert "login" not in activity


def test_recent_activity_shows_at_most_eight_events(client, producer):
    for n in range(10):
        resource_create(
            actor=producer, producer=producer.unit, **entry_fields(code=f"QZ-{n}", name=f"目录{n}")
        )
    client.force_login(producer)
    html = main(client.get("/"))
    assert html.count('data-testid="activity"') == 8
    assert "目录9" in html and "目录1<" not in html  # the newest first


def test_recent_activity_reads_one_query_per_way_an_event_concerns_the_person(
    producer, django_assert_num_queries
):
    for n in range(3):
        resource_create(
            actor=producer, producer=producer.unit, **entry_fields(code=f"QZ-Q{n}", name=f"目录{n}")
        )
    assert producer.roles  # read once per request by the navigation already
    with django_assert_num_queries(3):  # the person's own, the unit's people's, the unit's data's
        items = recent_activity(producer, limit=8)
    assert [item.subject for item in items] == [f"QZ-Q{n} 目录{n}" for n in (2, 1, 0)]
    assert {str(item.actor) for item in items} == {"您"}


# --- a person awaiting approval as a unit's data administrator (Q9.2) ------------------------------


@pytest.fixture
def jinjiang_bureau(jinjiang):
    return factories.unit("晋江市人力资源和社会保障局", UnitKind.GOVERNMENT, jinjiang)


@pytest.fixture
def clerk(jinjiang_bureau):
    return factories.person(jinjiang_bureau, username="clerk")


@pytest.fixture
def filed(clerk, jinjiang_bureau, county_reviewer):
    return personnel_change_file(
        actor=county_reviewer,
        unit=jinjiang_bureau,
        role=Role.DATA_ADMIN,
        incoming=clerk,
        real_name="吴晋人",
        phone="0595-85678901",
        reason="原数据管理员调离",
    )


def test_a_person_awaiting_approval_is_told_whose_approval_and_since_when(client, clerk, filed):
    client.force_login(clerk)
    html = main(client.get("/"))
    assert 'data-testid="role-awaited"' in html
    assert "等待晋江市数据管理局审批" in html
    assert (
        f"已于 {timezone.localtime(filed.filed_at):%Y-%m-%d} 被报备为晋江市人力资源和社会保障局的数据管理员"
        in html
    )
    authority = html.split('data-testid="role-awaited-authority">', 1)[1].split("</dd>", 1)[0]
    assert "晋江市数据管理局" in authority and filed.filed_by.real_name in authority
    assert 'data-testid="counts"' not in html and 'data-testid="pending-work"' not in html


def test_a_person_awaiting_approval_sees_no_menus_of_the_units_work(client, clerk, filed):
    client.force_login(clerk)
    page = client.get("/")
    links = nav_links(page)
    assert links <= {"/", "/open/", "/notifications/", "/accounts/password/"}
    assert "/open/" in links
    shortcuts = set(re.findall(r'href="(/[^"]*)"', main(page).split('data-testid="shortcuts"', 1)[1]))
    assert shortcuts == {"/open/", "/notifications/", "/accounts/password/"}


def test_the_awaiting_message_in_english(client, clerk, filed):
    client.force_login(clerk)
    in_english(client)
    html = main(client.get("/"))
    assert "Awaiting the approval of 晋江市数据管理局" in html
    assert "You were filed as Data administrator of 晋江市人力资源和社会保障局" in html


def test_once_approved_the_person_gets_the_workbench_and_the_units_menus(
    client, clerk, filed, county_reviewer
):
    personnel_change_decide(actor=county_reviewer, change=filed, approve=True)
    client.force_login(clerk)
    page = client.get("/")
    assert 'data-testid="role-awaited"' not in main(page) and 'data-testid="counts"' in main(page)
    assert {"/catalog/", "/sharing/applications/"} <= nav_links(page)


def test_a_rejected_filing_says_so_with_the_reason(client, clerk, filed, county_reviewer):
    personnel_change_decide(actor=county_reviewer, change=filed, approve=False, note="联系电话有误")
    client.force_login(clerk)
    html = main(client.get("/"))
    assert "的报备已于" in html and "被驳回" in html and "联系电话有误" in html


def test_a_person_never_filed_is_told_who_files_and_who_approves(client, clerk, county_authority):
    client.force_login(clerk)
    html = main(client.get("/"))
    assert "您在晋江市人力资源和社会保障局尚无角色" in html and "审批的数据管理机构：晋江市数据管理局" in html
