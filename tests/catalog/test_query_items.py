"""Query items (issue 19): the items consumers may filter records by, and the identifier rules that make
item names safe column names of an entry's records table."""

import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError

from catalog.demo import ENTRIES
from catalog.forms import DataItemFormSet
from catalog.ingest.schema import schema_from_items
from catalog.models import DataItem, Resource
from catalog.services import resource_create, resource_update
from catalog.snapshots import item_is_query, resource_snapshot, snapshot_diff
from catalog.spreadsheet import COLUMNS, catalog_export_xlsx, catalog_import
from catalog.workflow import resource_transition
from dataplatform.core.errors import ApplicationError
from tests.factories.catalog import ITEMS, entry_fields

from .test_national_metadata import sheet, workbook_rows
from .test_pages import entry_post

pytestmark = pytest.mark.django_db

RESERVED = "不得以“_”开头"  # the Chinese of "must not start with “_”"
CLASH = "不区分大小写"  # "whatever their case"


def items_with(**changes_by_name) -> list[dict]:
    return [{**item, **changes_by_name.get(item["name"], {})} for item in entry_fields()["items"]]


def flags(resource: Resource) -> dict[str, bool]:
    return dict(resource.items.values_list("name", "is_query"))


# --- the flag, through the form, the API and the services ----------------------------------------


def test_the_form_saves_the_query_flag_and_shows_it_again(client, producer):
    client.force_login(producer)
    client.post("/catalog/new/", entry_post(**{"items-1-is_query": "on"}))
    resource = Resource.objects.get(code="QZ-GA-0001")
    assert flags(resource) == {"id_number": True, "full_name": True}
    page = client.get(f"/catalog/{resource.pk}/edit/")
    assert page.context["formset"].initial[1]["is_query"] is True
    assert 'name="items-1-is_query"' in page.content.decode()
    assert "查询项" in page.content.decode()


def test_an_item_left_unmarked_is_no_query_item(client, producer):
    client.force_login(producer)
    client.post("/catalog/new/", entry_post())
    assert flags(Resource.objects.get(code="QZ-GA-0001"))["full_name"] is False


def test_the_entry_page_marks_the_query_items(client, producer, draft):
    resource_update(actor=producer, resource=draft, items=items_with(company_name={"is_query": True}))
    client.force_login(producer)
    page = client.get(f"/catalog/{draft.pk}/").content.decode()
    assert page.count("data-query-item") == 2  # the key and the company's name
    assert "查询项" in page


def test_the_api_takes_and_gives_the_query_flag(api_as, producer):
    body = entry_fields(items=items_with(company_name={"is_query": True}))
    response = api_as(producer).post("/api/v1/catalog/resources/", body, format="json")
    assert response.status_code == 201, response.json()
    got = {item["name"]: item["is_query"] for item in response.json()["items"]}
    assert got == {"credit_code": True, "company_name": True, "registered_on": False, "capital": False}
    again = api_as(producer).get(f"/api/v1/catalog/resources/{response.json()['id']}/").json()
    assert {item["name"]: item["is_query"] for item in again["items"]} == got


def test_the_key_is_a_query_item_however_it_is_written(api_as, client, producer):
    body = entry_fields(items=items_with(credit_code={"is_query": False}))
    created = api_as(producer).post("/api/v1/catalog/resources/", body, format="json").json()
    assert [item["is_query"] for item in created["items"] if item["is_key"]] == [True]

    client.force_login(producer)
    client.post("/catalog/new/", entry_post(code="QZ-GA-0002"))  # the key's box left unticked
    assert flags(Resource.objects.get(code="QZ-GA-0002"))["id_number"] is True

    direct = resource_create(
        actor=producer, producer=producer.unit, **entry_fields(code="QZ-SJ-0003", items=ITEMS)
    )
    assert flags(direct)["credit_code"] is True


def test_the_item_form_marks_its_key_a_query_item():
    formset = DataItemFormSet(
        {
            "items-TOTAL_FORMS": "1",
            "items-INITIAL_FORMS": "0",
            "items-0-name": "credit_code",
            "items-0-label": "统一社会信用代码",
            "items-0-item_type": "string",
            "items-0-is_key": "on",
        },
        prefix="items",
    )
    assert formset.is_valid(), formset.errors
    assert formset.forms[0].cleaned_data["is_query"] is True


def test_the_catalog_spreadsheet_carries_the_query_flag_both_ways(producer, draft):
    resource_update(actor=producer, resource=draft, items=items_with(capital={"is_query": True}))
    rows = workbook_rows(catalog_export_xlsx([draft]))
    query = COLUMNS.index("是否查询项")
    assert [row[query] for row in rows[1:]] == ["是", "否", "否", "是"]
    resource_update(actor=producer, resource=draft, items=items_with())  # flags cleared
    catalog_import(actor=producer, unit=producer.unit, content=sheet(rows[1:]), filename="c.xlsx")
    assert flags(draft) == {
        "credit_code": True,
        "company_name": False,
        "registered_on": False,
        "capital": True,
    }


def test_a_spreadsheet_identifier_starting_with_underscore_is_reported_on_its_column(producer, draft):
    rows = [list(row) for row in workbook_rows(catalog_export_xlsx([draft]))[1:]]
    rows[3][COLUMNS.index("信息项标识符")] = "_capital"
    with pytest.raises(ApplicationError) as caught:
        catalog_import(actor=producer, unit=producer.unit, content=sheet(rows), filename="c.xlsx")
    [error] = caught.value.extra["rows"]
    assert error["column"] == "信息项名称" and RESERVED in error["message"]


# --- versions ----------------------------------------------------------------------------------------


def test_a_published_version_carries_the_query_flag(producer, reviewer):
    resource = resource_create(
        actor=producer,
        producer=producer.unit,
        **entry_fields(items=items_with(company_name={"is_query": True})),
    )
    resource_transition(resource=resource, to="submitted", actor=producer)
    resource_transition(resource=resource, to="published", actor=reviewer)
    snapshot = resource.versions.get().snapshot
    assert {item["name"]: item["is_query"] for item in snapshot["items"]} == {
        "credit_code": True,
        "company_name": True,
        "registered_on": False,
        "capital": False,
    }


def test_an_old_snapshot_without_the_flag_has_its_key_as_only_query_item(draft):
    old = resource_snapshot(draft)
    for item in old["items"]:
        del item["is_query"]
    assert [item["name"] for item in old["items"] if item_is_query(item)] == ["credit_code"]
    schema = schema_from_items(old["items"])
    assert [item.name for item in schema.items if item.is_query] == ["credit_code"]
    # Nothing changed, though the old version never said so.
    assert snapshot_diff(old, resource_snapshot(draft))["items_changed"] == []


def test_the_diff_shows_an_item_becoming_a_query_item(producer, draft):
    before = resource_snapshot(draft)
    resource_update(actor=producer, resource=draft, items=items_with(capital={"is_query": True}))
    changed = snapshot_diff(before, resource_snapshot(draft))["items_changed"]
    assert changed == [{"name": "capital", "changes": {"is_query": {"before": False, "after": True}}}]


# --- identifier rules -----------------------------------------------------------------------------


def test_the_form_refuses_an_identifier_starting_with_underscore(client, producer):
    client.force_login(producer)
    response = client.post("/catalog/new/", entry_post(**{"items-1-name": "_loaded_at"}))
    assert response.status_code == 200
    errors = response.context["formset"].forms[1].errors["name"]
    assert any(RESERVED in error for error in errors)
    assert not Resource.objects.filter(code="QZ-GA-0001").exists()


def test_the_form_refuses_identifiers_equal_but_for_case(client, producer):
    client.force_login(producer)
    response = client.post("/catalog/new/", entry_post(**{"items-1-name": "ID_Number"}))
    assert response.status_code == 200
    errors = response.context["formset"].non_form_errors()
    assert any(CLASH in error and "ID_Number" in error for error in errors)


def test_a_deleted_row_clashes_with_nothing(client, producer):
    client.force_login(producer)
    client.post("/catalog/new/", entry_post(**{"items-1-name": "ID_NUMBER", "items-1-DELETE": "on"}))
    assert flags(Resource.objects.get(code="QZ-GA-0001")) == {"id_number": True}


def test_the_api_refuses_an_identifier_starting_with_underscore(api_as, producer):
    body = entry_fields(items=items_with(capital={"name": "_key"}))
    response = api_as(producer).post("/api/v1/catalog/resources/", body, format="json")
    assert response.status_code == 400
    assert RESERVED in response.content.decode()


def test_the_api_refuses_identifiers_equal_but_for_case(api_as, producer):
    body = entry_fields(items=items_with(capital={"name": "Company_Name"}))
    response = api_as(producer).post("/api/v1/catalog/resources/", body, format="json")
    assert response.status_code == 400
    assert CLASH in response.content.decode()
    assert not Resource.objects.exists()


def test_the_service_refuses_both_under_items(producer, draft):
    with pytest.raises(ValidationError) as caught:
        resource_update(actor=producer, resource=draft, items=items_with(capital={"name": "COMPANY_NAME"}))
    assert CLASH in caught.value.message_dict["items"][0]
    with pytest.raises(ValidationError) as caught:
        resource_update(actor=producer, resource=draft, items=items_with(capital={"name": "_capital"}))
    [message] = caught.value.message_dict["items"]
    assert message.startswith("_capital: ") and RESERVED in message


def test_submitting_refuses_identifiers_saved_before_the_rules(producer, draft):
    # Written before the rules existed, past the validators.
    DataItem.objects.filter(resource=draft, name="capital").update(name="_capital")
    DataItem.objects.filter(resource=draft, name="registered_on").update(name="Company_Name")
    with pytest.raises(ValidationError) as caught:
        resource_transition(resource=draft, to="submitted", actor=producer)
    messages = caught.value.message_dict["items"]
    assert any(RESERVED in message and "_capital" in message for message in messages)
    assert any(CLASH in message and "Company_Name, company_name" in message for message in messages)


# --- the migration ----------------------------------------------------------------------------------


def test_the_migration_makes_every_existing_key_a_query_item(draft):
    DataItem.objects.update(is_query=False)  # as the rows were before the column
    migration = importlib.import_module("catalog.migrations.0010_dataitem_is_query")
    migration.key_items_are_query_items(apps, None)
    assert flags(draft) == {
        "credit_code": True,
        "company_name": False,
        "registered_on": False,
        "capital": False,
    }


def test_the_demo_offers_names_and_codes_as_query_items():
    insurance = next(entry for entry in ENTRIES if entry["fields"]["code"] == "QZ-RS-SB-0001")
    items = insurance["fields"]["items"]
    assert {item["name"] for item in items if item.get("is_query")} == {"id_number", "full_name"}
