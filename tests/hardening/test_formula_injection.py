"""Formula injection (issue 9, item 3): text that a spreadsheet would run never reaches a CSV or XLSX
download as a formula."""

import csv
import io
import re
from pathlib import Path

import openpyxl
import pytest
from django.urls import reverse

from audit.services import audit_record
from dataplatform.core.spreadsheets import spreadsheet_row, spreadsheet_safe
from tests import factories

REPO = Path(__file__).resolve().parent.parent.parent
PAYLOADS = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1+1", "\r=1+1", '=HYPERLINK("http://x")']


@pytest.mark.parametrize("payload", PAYLOADS)
def test_formula_text_is_written_as_text(payload):
    assert spreadsheet_safe(payload) == "'" + payload


def test_plain_text_and_numbers_are_left_alone():
    assert spreadsheet_row(["泉州市公安局", "a=b", -5, 3.5, None, ""]) == [
        "泉州市公安局",
        "a=b",
        -5,
        3.5,
        None,
        "",
    ]


def starts_as_formula(cell) -> bool:
    return isinstance(cell, str) and cell.startswith(("=", "+", "-", "@", "\t", "\r"))


@pytest.mark.django_db
def test_the_audit_csv_export_carries_no_formula(client, platform_admin, producer_unit):
    attacker = factories.person(producer_unit, username="attacker")
    attacker.real_name = PAYLOADS[0]
    attacker.save()
    for payload in PAYLOADS:
        audit_record(action="login", actor=attacker, detail={"username": payload})
    client.force_login(platform_admin)
    response = client.get(reverse("audit-search-csv"))
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert "'" + PAYLOADS[0] in cells
    assert not [cell for cell in cells if starts_as_formula(cell)]


@pytest.mark.django_db
def test_the_supervision_workbook_carries_no_formula(client, platform_admin, city):
    for n, payload in enumerate(PAYLOADS):
        factories.unit(f"{payload}{n}", region_=city)
    client.force_login(platform_admin)
    response = client.get(reverse("supervision-export"))
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    cells = [cell for row in book.active.iter_rows() for cell in row]
    assert not [cell.value for cell in cells if cell.data_type == "f" or starts_as_formula(cell.value)]
    assert "'" + PAYLOADS[0] + "0" in {cell.value for cell in cells}


# Modules that write CSV or XLSX; a new one must pass its cells through dataplatform.core.spreadsheets.
WRITERS = re.compile(r"csv\.writer\(|csv\.DictWriter\(|\bWorkbook\(|xlsxwriter")
PROJECT = [
    "dataplatform",
    "catalog",
    "sharing",
    "opening",
    "correction",
    "audit",
    "supervision",
    "governance",
]


def writer_modules() -> list[Path]:
    paths = (
        path for name in PROJECT for path in (REPO / name).rglob("*.py") if "migrations" not in path.parts
    )
    return sorted(path for path in paths if WRITERS.search(path.read_text()))


def test_every_csv_and_xlsx_writer_uses_the_shared_safe_cells():
    modules = writer_modules()
    assert any(path.name == "usage.py" for path in modules)  # the scan finds the known writers
    unsafe = [
        str(p.relative_to(REPO))
        for p in modules
        if "spreadsheet_safe" not in p.read_text() and "spreadsheet_row" not in p.read_text()
    ]
    assert unsafe == []
