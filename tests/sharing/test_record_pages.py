"""The data interface's list pages by record key (keyset, issue 19): a client follows ``next`` until it
is null; page sizes and cursors are checked; filters are on query items only; no page counts the
matches or skips rows by offset."""

# ruff: noqa: F811  (the data interface's fixtures are imported from its tests and named as arguments)
import base64

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.aggregation.services import records_upsert
from catalog.records import table_name
from sharing.models import Grant
from sharing.workflow import application_act
from tests.factories.sharing import apply, company
from tests.sharing.test_data_api import call, client_key, url  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db

RECORDS = 23  # three pages of 8, the last one short


@pytest.fixture
def granted(applicant, unconditional, producer):
    """An interface grant of the key, the company name (a query item) and the capital (not one)."""
    records_upsert(actor=producer, resource=unconditional, records=[company(n) for n in range(RECORDS)])
    items = ("credit_code", "company_name", "capital")
    application = apply(applicant, unconditional, items=items)
    application_act(application=application, action="submit", actor=applicant)
    return Grant.objects.get(application=application)


def keys_of(body: dict) -> list[str]:
    return [record["key"] for record in body["results"]]


def keys(response) -> list[str]:
    return keys_of(response.json())


def test_following_next_returns_every_record_once_in_key_order(call, granted, unconditional):
    pages, following = [], url(unconditional)
    params = {"page_size": 8}
    while following:
        response = call(following, **params)
        assert response.status_code == 200 and set(response.json()) == {"next", "results"}
        pages.append(keys(response))
        following, params = response.json()["next"], {}  # the link carries the size and the cursor

    assert [len(page) for page in pages] == [8, 8, 7]
    assert sum(pages, []) == sorted(company(n)["credit_code"] for n in range(RECORDS))


def test_the_next_link_keeps_the_filters_and_the_size(call, granted, unconditional):
    first = call(url(unconditional), page_size=1, company_name="企业4").json()
    assert first["next"] is None and keys_of(first) == [company(4)["credit_code"]]
    walked = call(url(unconditional), page_size=2, fields="company_name").json()
    assert "page_size=2" in walked["next"] and "fields=company_name" in walked["next"]
    assert walked["results"][0]["data"] == {"company_name": "企业0"}


@pytest.mark.parametrize("size", ["0", "201", "x", "-1", "²"])
def test_a_page_size_out_of_bounds_is_a_400(call, granted, unconditional, size):
    response = call(url(unconditional), page_size=size)
    assert response.status_code == 400
    assert "page_size" in response.json()


@pytest.mark.parametrize("size", [1, 200])
def test_the_page_size_bounds_themselves_are_served(call, granted, unconditional, size):
    response = call(url(unconditional), page_size=size)
    assert response.status_code == 200 and len(keys(response)) == min(size, RECORDS)


@pytest.mark.parametrize(
    "cursor",
    [
        "!!not-base64!!",
        base64.urlsafe_b64encode(b"\xff\xfe\xfd").decode(),  # base64, but not the text of a key
    ],
)
def test_a_forged_cursor_is_a_400(call, granted, unconditional, cursor):
    response = call(url(unconditional), cursor=cursor)
    assert response.status_code == 400
    assert "cursor" in response.json()


def test_a_filter_on_a_granted_item_that_is_no_query_item_is_a_400_that_says_so(call, granted, unconditional):
    response = call(url(unconditional), capital="103")
    assert response.status_code == 400
    assert response.json()["capital"] == "capital 不是该资源的查询项，请按其查询项筛选。"


def test_a_filter_on_the_key_item_returns_that_record(call, granted, unconditional):
    wanted = company(11)["credit_code"]
    body = call(url(unconditional), credit_code=wanted).json()
    assert keys_of(body) == [wanted] and body["next"] is None
    assert body["results"][0]["data"]["company_name"] == "企业11"


def test_a_filter_on_a_query_item_returns_the_records_that_match(call, granted, unconditional, producer):
    renamed = [company(n, company_name="泉州同名企业") for n in (2, 15, 20)]
    records_upsert(actor=producer, resource=unconditional, records=renamed)

    body = call(url(unconditional), company_name="泉州同名企业", page_size=2).json()
    rest = call(body["next"]).json()

    assert keys_of(body) + keys_of(rest) == [company(n)["credit_code"] for n in (2, 15, 20)]
    assert rest["next"] is None
    assert call(url(unconditional), company_name="无此企业").json() == {"next": None, "results": []}


def test_a_page_is_read_by_key_and_nothing_counts_the_matches(call, granted, unconditional):
    first = call(url(unconditional), page_size=5).json()
    table = table_name(unconditional.pk)
    with CaptureQueriesContext(connection) as queries:
        response = call(first["next"])
    assert response.status_code == 200 and keys(response)[0] == company(5)["credit_code"]

    reads = [q["sql"] for q in queries.captured_queries if table in q["sql"]]
    assert len(reads) == 1  # one read of the entry's table per page
    assert "_key >" in reads[0] and "ORDER BY _key LIMIT" in reads[0]
    assert f"'{company(4)['credit_code']}'" in reads[0]  # after the last key of the page before
    assert not [q["sql"] for q in queries.captured_queries if "count(" in q["sql"].lower()]
    assert "OFFSET" not in reads[0].upper()
