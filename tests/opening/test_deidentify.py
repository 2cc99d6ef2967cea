"""De-identification: the rules, and no raw value of a personal or sensitive item in any open output."""

import io
import json

import pytest
from openpyxl import load_workbook
from rdflib import Graph

from opening.deidentify import (
    generalise_address,
    generalise_date,
    mask_id_number,
    mask_name,
    mask_phone,
    open_view,
)
from opening.models import ItemRule
from tests.factories.opening import raw_values

pytestmark = pytest.mark.django_db


def test_the_rules():
    assert mask_id_number("350503199001011234") == "350503********1234"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_name("陈伟明") == "陈**"
    assert mask_name("林芳") == "林*"
    assert generalise_date("1990-01-01") == "1990"
    assert generalise_address("泉州市鲤城区刺桐路12号") == "泉州市鲤城区"
    assert generalise_address("福建省泉州市安溪县温陵路1号") == "福建省泉州市安溪县"
    assert generalise_address("刺桐路1号") == "***"


def test_the_view_drops_dropped_items_and_masks_the_rest(open_entry):
    view = open_view(open_entry)
    assert "note" not in view.names
    row = view.row(
        {"id_number": "350503199001011234", "full_name": "陈伟明", "note": "x", "district": "鲤城区"}
    )
    assert row["id_number"] == "350503********1234"
    assert row["full_name"] == "陈**"
    assert row["district"] == "鲤城区"
    assert view.plain == ["district", "licence_kind"]


def test_a_personal_item_that_loses_its_rule_is_dropped_not_shown(open_entry):
    ItemRule.objects.filter(entry=open_entry, item_name="phone").delete()
    assert "phone" not in open_view(open_entry).names


def _body(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8-sig")


def _xlsx_text(response) -> str:
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return "\n".join(
        str(cell) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for cell in row
    )


def assert_no_raw_value(text: str) -> None:
    leaked = [value for value in raw_values() if value in text]
    assert leaked == [], f"raw values in an open output: {leaked}"


def test_no_raw_value_in_the_preview(open_entry, client):
    page = client.get(f"/open/datasets/{open_entry.slug}/")
    assert b'id="preview"' in page.content
    assert "350503********1234" in page.content.decode()
    assert_no_raw_value(page.content.decode())


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_no_raw_value_in_text_downloads(open_entry, client, fmt):
    body = _body(client.get(f"/open/datasets/{open_entry.slug}/download.{fmt}"))
    assert "350503********1234" in body
    assert "138****5678" in body
    assert_no_raw_value(body)


def test_no_raw_value_in_the_xlsx_download(open_entry, client):
    text = _xlsx_text(client.get(f"/open/datasets/{open_entry.slug}/download.xlsx"))
    assert "350503********1234" in text
    assert_no_raw_value(text)


def test_no_raw_value_in_ckan_or_dcat(open_entry, on_application_entry, client):
    outputs = [
        client.get("/api/3/action/package_show", {"id": open_entry.slug}).content.decode(),
        client.get("/api/3/action/package_search", {"q": "个体"}).content.decode(),
        client.get("/open/catalog.jsonld").content.decode(),
        client.get("/open/catalog.ttl").content.decode(),
    ]
    assert json.loads(outputs[0])["success"] is True
    Graph().parse(data=outputs[3], format="turtle")
    for text in outputs:
        assert_no_raw_value(text)


def test_no_raw_value_in_the_authorised_api(granted, university, api):
    from dataplatform.core.apikeys import api_key_issue

    key = api_key_issue(actor=university, unit=university.unit, name="研究系统").key
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    answer = api.get(f"/api/v1/open/datasets/{granted.entry.slug}/records/", {"page_size": 200})
    assert answer.status_code == 200
    page = answer.json()
    assert len(page["results"]) == 15 and page["next"] is None
    assert_no_raw_value(answer.content.decode())
