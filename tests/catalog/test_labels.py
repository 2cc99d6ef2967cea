"""The catalog speaks the reader's language: an entry's service methods by their names, an aggregation's
outcome and each refused value in words, numbers grouped by three (issue 15: "interface, bulk_exchange",
"3000 row(s): 3000 inserted…", "'2020-02-30' is not a date…")."""

import pytest

from catalog.models import AggregationBatch, BatchSource, BatchStatus
from tests.factories.catalog import entry_fields
from tests.factories.sharing import publish

pytestmark = pytest.mark.django_db

FIELDS = entry_fields()
KEY = next(item["name"] for item in FIELDS["items"] if item.get("is_key"))
DATE = next(item["name"] for item in FIELDS["items"] if item["item_type"] == "date")


@pytest.fixture
def entry(producer, reviewer):
    return publish(producer, reviewer)


@pytest.fixture
def big_batch(entry, producer):
    return AggregationBatch.objects.create(
        resource=entry,
        source=BatchSource.API,
        status=BatchStatus.DONE,
        total_rows=3000,
        processed_rows=3000,
        inserted=2500,
        updated=400,
        unchanged=100,
        created_by=producer,
    )


def test_the_entry_page_names_its_service_methods_in_each_language(client, entry, producer):
    client.force_login(producer)

    chinese = client.get(f"/catalog/{entry.pk}/").content.decode()
    english = client.get(f"/catalog/{entry.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "数据服务接口, 批量数据交换" in chinese and "interface, bulk_exchange" not in chinese
    assert "Data service interface, Bulk exchange" in english


def test_an_aggregations_outcome_reads_in_each_language_with_grouped_numbers(client, big_batch, producer):
    client.force_login(producer)

    chinese = client.get(f"/catalog/uploads/{big_batch.pk}/").content.decode()
    english = client.get(f"/catalog/uploads/{big_batch.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "共 3,000 行：新增 2,500 行，更新 400 行，未变 100 行。" in chinese
    assert "3,000 row(s): 2,500 inserted, 400 updated, 100 unchanged." in english
    assert 'data-field="inserted">2,500<' in chinese


def test_a_refused_value_is_explained_in_the_language_of_the_request(api_as, entry, producer):
    url = f"/api/v1/catalog/resources/{entry.pk}/records/"
    body = {"records": [{KEY: "91350500MA0000001X", "company_name": "泉州某公司", DATE: "2020-02-30"}]}

    chinese = api_as(producer).post(url, body, format="json").json()
    english = api_as(producer).post(url, body, format="json", HTTP_ACCEPT_LANGUAGE="en").json()

    assert chinese["errors"][0]["message"] == "'2020-02-30' 不是日期（请写成 YYYY-MM-DD）。"
    assert chinese["detail"].startswith("未保存任何数据：1 行中有 1 处错误")
    assert english["errors"][0]["message"] == "'2020-02-30' is not a date (write it as YYYY-MM-DD)."
    assert english["detail"].startswith("Nothing was stored: 1 error(s) in 1 row(s).")
