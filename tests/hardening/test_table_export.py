"""Issue 18, item 5: an interface grant was a whole-table export — 3,000 of 3,000 population records in
15 paged calls in 1.2 s, and no crawler alert (Q5.3 forbids crawlers and automatic query tools). The same
walk, on 300 records in pages of 20 under the platform's own thresholds, is stopped before the table
leaves, and the authority is told."""

# ruff: noqa: F811  (fixtures imported from the data interface's tests are named as arguments)
import pytest

from audit.models import AuditEvent
from dataplatform.core.models import Notification
from tests.factories.catalog import ITEMS
from tests.factories.sharing import publish
from tests.sharing.test_data_api import call, client_key, url  # noqa: F401  (fixtures)
from tests.sharing.test_row_quota import Pages, population  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def unconditional(producer, reviewer):
    """The shared entry with its company name a query item: only query items may be filtered by."""
    items = [{**item, "is_query": True} if item["name"] == "company_name" else item for item in ITEMS]
    return publish(producer, reviewer, code="U-1", items=items)


def test_paging_through_the_whole_table_is_refused_before_it_leaves(
    call, population, unconditional, reviewer, settings
):
    settings.DATA_API = {  # the shipped defaults, stated so that a change to them is seen here
        **settings.DATA_API,
        "DAILY_ROWS": 10000,
        "PAGE_WALK": 10,
        "PAGE_WALK_WINDOW": 600,
        "WHOLE_TABLE_SHARE": 0.5,
        "WHOLE_TABLE_MIN_ROWS": 100,
    }
    keys, answers, pages = set(), [], Pages(call, unconditional, size=20)
    for _ in range(15):  # 15 pages of 20, following each page's next link: the whole table
        answer = pages.next()
        answers.append(answer.status_code)
        if answer.status_code == 200:
            keys |= {record["key"] for record in answer.json()["results"]}
    # Refused at the 9th page: 160 of 300 records left, half the table and the page that crossed it.
    assert answers == [200] * 8 + [429] * 7
    assert len(keys) == 160
    assert Notification.objects.filter(recipient=reviewer, title__startswith="疑似爬虫").count() == 1
    assert AuditEvent.objects.filter(action="grant.crawler_alert").exists()


def test_a_crawler_that_varies_its_filters_is_still_counted_by_the_records(
    call, population, unconditional, settings
):
    settings.DATA_API = {**settings.DATA_API, "DAILY_ROWS": 50, "RATE_PER_MINUTE": 1000}
    answers = [call(url(unconditional), page_size=5, company_name=f"企业{n}").status_code for n in range(60)]
    assert answers.count(200) == 50 and answers[50:] == [429] * 10
