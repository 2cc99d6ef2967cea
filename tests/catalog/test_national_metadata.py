"""The national catalog metadata (政务信息资源目录编制指南, GB/T 21063.3): classification, resource code,
data length, related codes, the provider's credit code, the Q8.3 declaration, Q5.2 and the spreadsheet."""

import csv
import io
import re

import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook, load_workbook

from audit.models import AuditEvent
from catalog.models import Category, Classification, Resource, ShareType
from catalog.services import resource_create, resource_update
from catalog.spreadsheet import COLUMNS, CORE_COLUMNS, catalog_export_xlsx, catalog_import
from catalog.workflow import resource_transition
from dataplatform.core.errors import ApplicationError
from dataplatform.core.models import Role
from dataplatform.core.models.units import UnitKind
from tests import factories
from tests.factories.catalog import ITEMS, entry_fields

pytestmark = pytest.mark.django_db


def node(code: str) -> Classification:
    return Classification.objects.get(code=code)


def create(producer, **overrides) -> Resource:
    return resource_create(actor=producer, producer=producer.unit, **entry_fields(**overrides))


def submit(resource, producer):
    return resource_transition(resource=resource, to="submitted", actor=producer)


def refusal(call) -> dict:
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.message_dict


# --- classification ----------------------------------------------------------------------------------


def test_the_classification_tree_has_the_three_classes_and_the_five_basic_resources():
    assert [(c.code, c.name) for c in Classification.objects.filter(level=1)] == [
        ("1", "基础信息资源"),
        ("2", "主题信息资源"),
        ("3", "部门信息资源"),
    ]
    basic = Classification.objects.filter(parent__code="1")
    assert {c.category for c in basic} == {
        Category.POPULATION,
        Category.LEGAL_PERSON,
        Category.GEOSPATIAL,
        Category.E_LICENCE,
        Category.CREDIT,
    }
    assert node("102001").parent == node("102") and node("102001").level == 3


def test_the_category_follows_the_classification(producer):
    resource = create(producer, category=None, classification=node("203001"))
    assert resource.category == Category.THEMATIC


def test_a_category_alone_takes_its_default_classification(producer):
    assert create(producer).classification == node("102")


def test_a_classification_and_a_category_that_disagree_are_refused(producer):
    errors = refusal(lambda: create(producer, category=Category.POPULATION, classification=node("102001")))
    assert set(errors) == {"category"}


def test_the_basic_class_alone_is_not_a_classification(producer):
    errors = refusal(lambda: create(producer, category=None, classification=node("1")))
    assert set(errors) == {"classification"}


def test_a_changed_category_reclassifies_a_draft(producer):
    resource = create(producer, classification=node("102001"))
    resource = resource_update(actor=producer, resource=resource, category=Category.DEPARTMENTAL)
    assert resource.classification == node("3")


# --- resource code --------------------------------------------------------------------------------


def test_a_new_entry_without_a_code_gets_the_national_code(producer):
    first = create(producer, code="", category=None, classification=node("102001"))
    second = create(producer, code="", category=None, classification=node("102001"))
    credit = producer.unit.credit_code
    assert first.code == f"102001/{credit}-000001"
    assert second.code == f"102001/{credit}-000002"


def test_the_sequence_is_per_provider(producer, applicant):
    create(producer, code="", category=None, classification=node("102001"))
    theirs = create(applicant, code="", category=None, classification=node("102001"))
    assert theirs.code == f"102001/{applicant.unit.credit_code}-000001"


def test_a_national_code_must_name_the_entry_classification(producer):
    credit = producer.unit.credit_code
    errors = refusal(lambda: create(producer, code=f"101/{credit}-000001", category=Category.LEGAL_PERSON))
    assert "102" in errors["code"][0]


def test_a_code_with_spaces_or_other_signs_is_refused(producer):
    assert set(refusal(lambda: create(producer, code="QZ 0001"))) == {"code"}


def test_a_duplicate_code_is_refused(producer):
    create(producer)
    assert "code" in refusal(lambda: create(producer))


def test_an_existing_plain_code_is_kept_when_the_draft_is_edited(producer):
    resource = create(producer, code="QZ-SJ-0001")
    resource = resource_update(actor=producer, resource=resource, name="企业登记信息（全量）")
    assert resource.code == "QZ-SJ-0001"


# --- data length, related codes, the declaration, Q5.2 -----------------------------------------------


def test_a_text_item_without_a_length_is_refused_at_submission(producer):
    items = [{**ITEMS[0], "length": None}, *ITEMS[1:]]
    errors = refusal(lambda: submit(create(producer, items=items), producer))
    assert set(errors) == {"items"} and "credit_code" in errors["items"][0]


def test_a_length_is_a_positive_number(producer):
    assert "length" in refusal(lambda: create(producer, items=[{**ITEMS[0], "length": 0}, *ITEMS[1:]]))


def test_related_codes_must_name_existing_entries(producer):
    create(producer, code="QZ-SJ-0001")
    errors = refusal(lambda: create(producer, code="QZ-SJ-0002", related_codes=["QZ-SJ-0001", "NOPE-1"]))
    assert errors == {"related_codes": ["没有目录使用以下代码：NOPE-1。"]}
    related = create(producer, code="QZ-SJ-0003", related_codes=["QZ-SJ-0001"])
    assert related.related_codes == ["QZ-SJ-0001"]


def test_an_entry_without_the_classified_data_declaration_is_refused_at_submission(producer):
    errors = refusal(lambda: submit(create(producer, holds_no_classified_data=False), producer))
    assert set(errors) == {"holds_no_classified_data"}


def test_a_declared_entry_is_submitted(producer):
    assert submit(create(producer), producer).status == "submitted"


@pytest.mark.parametrize("share_type", [ShareType.CONDITIONAL, ShareType.NOT_SHARED])
def test_the_basic_items_of_a_basic_resource_are_never_conditional_or_not_shared(producer, share_type):
    resource = create(
        producer,
        classification=node("102001"),
        share_type=share_type,
        share_conditions="仅限市场监管",
        share_basis="某法",
        service_methods=["verification"],
    )
    errors = refusal(lambda: submit(resource, producer))
    assert set(errors) == {"share_type"} and "Q5.2" in errors["share_type"][0]


def test_a_thematic_entry_may_be_conditional(producer):
    resource = create(
        producer,
        category=Category.THEMATIC,
        share_type=ShareType.CONDITIONAL,
        share_conditions="仅限市场监管",
        share_basis="《企业信息公示暂行条例》",
    )
    assert submit(resource, producer).status == "submitted"


# --- outputs ---------------------------------------------------------------------------------------


def test_the_api_shows_the_classification_the_provider_and_its_credit_code(api_as, producer):
    resource = create(producer, category=None, classification=node("102001"))
    body = api_as(producer).get(f"/api/v1/catalog/resources/{resource.pk}/").json()
    assert body["classification"] == "102001" and body["category"] == "legal_person"
    assert [step["code"] for step in body["classification_path"]] == ["1", "102", "102001"]
    assert body["provider_credit_code"] == producer.unit.credit_code
    assert body["provider"]["credit_code"] == producer.unit.credit_code
    assert body["items"][0]["length"] == 18 and body["holds_no_classified_data"] is True


def test_the_api_registers_with_a_classification_code_and_draws_the_code(api_as, producer):
    fields = entry_fields(category=None, classification="102001")
    del fields["code"], fields["category"]
    response = api_as(producer).post("/api/v1/catalog/resources/", fields, format="json")
    assert response.status_code == 201, response.json()
    assert re.fullmatch(r"102001/[0-9A-Z]{18}-000001", response.json()["code"])


def test_the_api_refuses_to_submit_without_the_declaration(api_as, producer):
    resource = create(producer, holds_no_classified_data=False)
    response = api_as(producer).post(
        f"/api/v1/catalog/resources/{resource.pk}/transition/", {"to": "submitted"}, format="json"
    )
    assert response.status_code == 400 and "holds_no_classified_data" in response.json()


def test_the_entry_page_shows_the_classification_provider_code_and_lengths(client, producer):
    resource = create(producer, category=None, classification=node("102001"))
    client.force_login(producer)
    page = client.get(f"/catalog/{resource.pk}/").content.decode()
    assert "企业法人登记信息" in page and producer.unit.credit_code in page
    assert "<td>18</td>" in page


def test_the_classification_list_is_served(api_as, producer):
    codes = [c["code"] for c in api_as(producer).get("/api/v1/catalog/classifications/").json()]
    assert {"1", "101", "102001", "3"} <= set(codes)


# --- the spreadsheet ---------------------------------------------------------------------------------


def workbook_rows(content: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_the_export_has_one_row_per_data_item_in_the_guide_order(producer):
    resource = create(producer, category=None, classification=node("102001"))
    rows = workbook_rows(catalog_export_xlsx([resource]))
    assert rows[0][: len(CORE_COLUMNS)] == CORE_COLUMNS
    assert CORE_COLUMNS[:3] == ["信息资源分类", "信息资源名称", "信息资源代码"]
    assert len(rows) == 1 + len(ITEMS)
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["信息资源分类"] == "102001 企业法人登记信息"
    assert first["信息资源提供方代码"] == producer.unit.credit_code
    assert first["信息项名称"] == "统一社会信用代码" and first["数据类型"] == "字符型C"
    assert first["数据长度"] == 18 and first["共享类型"] == "无条件共享"


def test_the_catalog_page_has_a_download_button_and_serves_xlsx_and_csv(client, producer):
    create(producer)
    client.force_login(producer)
    assert 'data-testid="catalog-export"' in client.get("/catalog/").content.decode()
    xlsx = client.get("/catalog/export/")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert workbook_rows(xlsx.content)[0] == COLUMNS
    text = client.get("/catalog/export/", {"kind": "csv"}).content.decode("utf-8-sig")
    assert next(csv.reader(io.StringIO(text))) == COLUMNS


def sheet(rows: list[list]) -> bytes:
    book = Workbook()
    page = book.active
    assert page is not None
    page.append(COLUMNS)
    for row in rows:
        page.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def exported(producer, **overrides) -> list[list]:
    return workbook_rows(catalog_export_xlsx([create(producer, **overrides)]))


def test_an_import_with_errors_imports_nothing_and_reports_each_row(producer):
    rows = exported(producer)
    column = {name: i for i, name in enumerate(COLUMNS)}
    bad = [list(row) for row in rows[1:]]
    for row in bad:
        row[column["信息资源代码"]] = ""
    bad[0][column["数据类型"]] = "字符串"
    bad[1][column["数据长度"]] = None
    bad[2][column["共享类型"]] = "随便共享"
    before = Resource.objects.count()
    with pytest.raises(ApplicationError) as caught:
        catalog_import(actor=producer, unit=producer.unit, content=sheet(bad), filename="c.xlsx")
    reported = {(e["row"], e["column"]) for e in caught.value.extra["rows"]}
    assert {(2, "数据类型"), (3, "数据长度"), (4, "共享类型")} <= reported
    assert Resource.objects.count() == before


def test_an_import_refuses_a_code_of_another_unit(producer, applicant):
    rows = exported(producer)
    with pytest.raises(ApplicationError) as caught:
        catalog_import(actor=applicant, unit=applicant.unit, content=sheet(rows[1:]), filename="c.xlsx")
    assert caught.value.extra["rows"][0]["column"] == "信息资源代码"


def test_an_import_updates_the_unit_draft_with_the_same_code(producer):
    rows = exported(producer)
    column = COLUMNS.index("信息资源名称")
    changed = [[*row[:column], "企业登记信息（全量）", *row[column + 1 :]] for row in rows[1:]]
    result = catalog_import(actor=producer, unit=producer.unit, content=sheet(changed), filename="c.xlsx")
    assert [r.code for r in result.updated] == ["QZ-SJ-0001"] and not result.created
    assert Resource.objects.get(code="QZ-SJ-0001").name == "企业登记信息（全量）"


def test_the_import_page_shows_the_row_errors(client, producer):
    client.force_login(producer)
    upload = io.BytesIO(sheet([["999 不存在", "某资源"]]))
    upload.name = "c.xlsx"
    page = client.post("/catalog/import/", {"file": upload}).content.decode()
    assert 'data-testid="row-errors"' in page and "信息资源分类" in page


def test_the_import_api_creates_drafts_and_is_audited(api_as, producer):
    rows = exported(producer)
    code = COLUMNS.index("信息资源代码")
    for row in rows[1:]:
        row[code] = ""
    upload = io.BytesIO(sheet(rows[1:]))
    upload.name = "catalog.xlsx"
    response = api_as(producer).post("/api/v1/catalog/import/", {"file": upload}, format="multipart")
    assert response.status_code == 201, response.json()
    (new_code,) = response.json()["created"]
    assert Resource.objects.get(code=new_code).status == "draft"
    assert AuditEvent.objects.filter(
        action="resource.create", object_id=str(Resource.objects.get(code=new_code).pk)
    ).exists()


def test_the_export_api_serves_the_unit_catalog(api_as, producer):
    create(producer)
    response = api_as(producer).get("/api/v1/catalog/export/", {"kind": "csv"})
    assert response.status_code == 200
    assert "QZ-SJ-0001" in response.content.decode("utf-8-sig")


# --- the round trip of the demo catalog --------------------------------------------------------------

METADATA_COLUMNS = [c for c in COLUMNS if c not in ("信息资源代码", "发布日期")]


def test_the_demo_catalog_exported_imports_into_another_unit_with_identical_metadata(city, settings):
    from catalog.demo import ENTRIES, seed_catalog
    from dataplatform.core.demo.core import seed_core

    seed_core()
    seed_catalog(load_records=lambda *args: None)
    originals = Resource.objects.filter(code__in=[spec["fields"]["code"] for spec in ENTRIES])
    rows = workbook_rows(catalog_export_xlsx(originals.order_by("code")))
    assert len({row[COLUMNS.index("信息资源代码")] for row in rows[1:]}) == len(ENTRIES)

    importer_unit = factories.unit("泉州市某新设局", UnitKind.GOVERNMENT, city)
    importer = factories.person(importer_unit, Role.DATA_ADMIN, username="importer")
    code = COLUMNS.index("信息资源代码")
    blank_codes = [[*row[:code], "", *row[code + 1 :]] for row in rows[1:]]
    result = catalog_import(actor=importer, unit=importer_unit, content=sheet(blank_codes), filename="c.xlsx")
    assert len(result.created) == len(ENTRIES) and all(r.status == "draft" for r in result.created)

    again = workbook_rows(catalog_export_xlsx(Resource.objects.filter(producer=importer_unit)))

    def metadata(table):
        keep = [COLUMNS.index(c) for c in METADATA_COLUMNS]
        return sorted(tuple(row[i] for i in keep) for row in table[1:])

    assert metadata(again) == metadata(rows)
