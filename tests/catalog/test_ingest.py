"""Reading files and checking rows: canonical values, headers, row errors. No database needed."""

import datetime as dt
import io
import json
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation
from openpyxl import Workbook

from catalog.ingest import (
    MAX_LISTED_ERRORS,
    IngestError,
    Item,
    RowChecker,
    Schema,
    read_table,
    schema_from_items,
    to_boolean,
    to_date,
    to_datetime,
    to_decimal,
    to_integer,
    to_string,
)
from catalog.ingest import readers as ingest


@pytest.fixture(autouse=True)
def in_english():
    """The services' messages are asserted in English here; tests/*/test_labels.py has them in Chinese."""
    with translation.override("en"):
        yield


SCHEMA = Schema(
    [
        Item("credit_code", "统一社会信用代码", "string", required=True, is_key=True),
        Item("company_name", "企业名称", "string", required=True),
        Item("founded_on", "成立日期", "date"),
        Item("staff", "职工人数", "integer"),
        Item("capital", "注册资本", "decimal"),
    ]
)


def check(content: bytes, name: str = "data.csv", schema: Schema = SCHEMA) -> tuple[list, RowChecker]:
    table = read_table(io.BytesIO(content), name)
    checker = RowChecker(schema)
    try:
        rows = [list(row) for chunk in table.check(checker) if chunk is not None for row in chunk.rows()]
    finally:
        table.close()
    return rows, checker


# --- Canonical values -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("12", 12),
        (" 12 ", 12),
        ("1,234", 1234),
        ("12.0", 12),
        (12.0, 12),
        (Decimal("7"), 7),
        ("", None),
        (None, None),
    ],
)
def test_integers_have_one_form(raw, canonical):
    assert to_integer(raw) == canonical


@pytest.mark.parametrize("raw", ["12.5", "twelve", True, 1.5, "1,2"])
def test_what_is_not_a_whole_number_is_refused(raw):
    with pytest.raises(ValueError, match="not a whole number|yes/no"):
        to_integer(raw)


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("10.50", "10.5"),
        (10.5, "10.5"),
        (Decimal("10.500"), "10.5"),
        ("1,234.50", "1234.5"),
        ("100", "100"),
        ("0.000", "0"),
        ("-0", "0"),
        ("1E+3", "1000"),
        ("123456789012345678901234567890.123", "123456789012345678901234567890.123"),
    ],
)
def test_decimals_are_exact_text_without_trailing_zeros(raw, canonical):
    assert to_decimal(raw) == canonical


@pytest.mark.parametrize("raw", ["abc", "NaN", "Infinity", "1e999999"])
def test_what_is_not_a_finite_number_is_refused(raw):
    with pytest.raises(ValueError):
        to_decimal(raw)


@pytest.mark.parametrize(
    "raw",
    [
        "2024-01-05",
        "2024/1/5",
        "2024.01.05",
        "2024年1月5日",
        "20240105",
        "2024/1/5 0:00",
        dt.datetime(2024, 1, 5),
    ],
)
def test_dates_are_iso_whatever_the_spelling(raw):
    assert to_date(raw) == "2024-01-05"


@pytest.mark.parametrize(
    "raw", ["2024-02-30", "05/01/2024", "yesterday", dt.datetime(2024, 1, 5, 8, 0), 20240105]
)
def test_what_is_not_a_date_is_refused(raw):
    with pytest.raises(ValueError):
        to_date(raw)


@pytest.mark.parametrize(
    "raw",
    [
        "2024-01-05 08:30:00",
        "2024-01-05T08:30",
        "2024/1/5 8:30",
        "2024-01-05T00:30:00Z",
        "2024-01-05T08:30:00+08:00",
        dt.datetime(2024, 1, 5, 8, 30),
        dt.datetime(2024, 1, 5, 8, 30, tzinfo=ZoneInfo("Asia/Shanghai")),
    ],
)
def test_times_are_stored_in_utc_and_a_time_without_a_zone_is_china_standard_time(raw):
    assert to_datetime(raw) == "2024-01-05T00:30:00+00:00"


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("是", True),
        ("否", False),
        ("TRUE", True),
        ("false", False),
        ("1", True),
        ("0", False),
        (1, True),
        (False, False),
    ],
)
def test_yes_and_no_in_chinese_and_english(raw, canonical):
    assert to_boolean(raw) is canonical


def test_text_is_stripped_and_numbers_in_a_text_column_become_text():
    assert to_string("  张三 ") == "张三"
    assert to_string("   ") is None
    assert to_string(91350500) == "91350500"
    assert to_string(1.50) == "1.5"


def test_text_with_a_nul_character_or_a_lone_surrogate_is_refused():
    with pytest.raises(ValueError, match="NUL"):
        to_string("a\x00b")
    with pytest.raises(ValueError, match="not valid Unicode"):
        to_string(json.loads('"a\\ud800"'))


# --- Headers and rows -------------------------------------------------------------------------------

GOOD = "credit_code,company_name,founded_on,staff,capital\n91350500MA0001,泉州甲公司,2020-01-01,12,100.50\n"


def test_a_header_may_name_items_by_identifier_in_any_case_or_by_label():
    content = "统一社会信用代码,Company_Name,成立日期\n91350500MA0001,泉州甲公司,2020-01-01\n".encode()
    rows, checker = check(content)
    assert checker.error_count == 0
    assert rows == [["91350500MA0001", "91350500MA0001", "泉州甲公司", "2020-01-01", None, None]]


def test_row_numbers_are_those_a_spreadsheet_shows():
    content = (GOOD + "\n91350500MA0002,泉州乙公司,,many,\n").encode()
    _, checker = check(content)
    assert checker.errors == [{"row": 4, "column": "staff", "message": "'many' is not a whole number."}]


def test_an_unknown_column_and_a_missing_required_column_are_reported_once_on_the_header():
    content = ("credit_code,shoe_size\n" + "".join(f"K{i},42\n" for i in range(3))).encode()
    _, checker = check(content)
    assert [(e["row"], e["column"]) for e in checker.errors] == [(1, "shoe_size"), (1, "company_name")]
    assert "Unknown column" in checker.errors[0]["message"]


def test_without_its_key_column_no_row_is_checked():
    _, checker = check("company_name\n泉州甲公司\n".encode())
    assert checker.errors == [
        {
            "row": 1,
            "column": "credit_code",
            "message": "The key column credit_code (统一社会信用代码) is missing.",
        }
    ]


def test_a_duplicate_key_names_the_row_that_has_it_first():
    content = (GOOD + "91350500MA0001,泉州甲公司（重复）,,,\n").encode()
    rows, checker = check(content)
    assert checker.errors == [
        {"row": 3, "column": "credit_code", "message": "The key '91350500MA0001' appears in row 2 too."}
    ]


def test_a_row_with_more_values_than_the_header_is_refused():
    _, checker = check((GOOD + "91350500MA0002,泉州乙公司,,,,extra\n").encode())
    assert checker.errors[0]["row"] == 3 and "more values" in checker.errors[0]["message"]


def test_a_short_row_leaves_its_last_values_empty():
    rows, checker = check(b"credit_code,company_name,staff\n91350500MA0001,A\n")
    assert checker.error_count == 0 and rows[0][4] is None


def test_errors_are_listed_up_to_a_cap_and_counted_in_full():
    content = ("credit_code,company_name,staff\n" + "".join(f"K{i},A,x\n" for i in range(1500))).encode()
    _, checker = check(content)
    assert (len(checker.errors), checker.error_count) == (MAX_LISTED_ERRORS, 1500)
    assert "1,500 error(s) in 1,500 row(s); the first 1,000 are listed" in checker.summary()


def test_a_resource_needs_exactly_one_key_item():
    with pytest.raises(IngestError, match="exactly one key"):
        schema_from_items([{"name": "a", "label": "A", "item_type": "string"}])


# --- Encodings and formats --------------------------------------------------------------------------


def test_csv_is_read_as_utf8_with_or_without_a_bom_or_as_gbk():
    for content in (
        GOOD.encode(),
        b"\xef\xbb\xbf" + GOOD.encode(),
        GOOD.encode("gbk"),
        GOOD.encode("gb18030"),
    ):
        rows, checker = check(content)
        assert checker.error_count == 0 and rows[0][2] == "泉州甲公司"


def test_a_csv_that_is_no_text_at_all_is_refused():
    with pytest.raises(IngestError, match="neither UTF-8 nor GBK"):
        check(b"credit_code,company_name\n\xff\xff\xff,x\n")


def test_an_empty_file_is_refused():
    with pytest.raises(IngestError, match="empty"):
        check(b"\n")


def test_an_xlsx_sheet_is_read_with_its_typed_cells():
    book = Workbook()
    book.active.append(["统一社会信用代码", "企业名称", "成立日期", "职工人数", "注册资本"])
    book.active.append(["91350500MA0001", "泉州甲公司", dt.datetime(2020, 1, 1), 12, 100.5])
    book.active.append([None] * 5)
    out = io.BytesIO()
    book.save(out)
    rows, checker = check(out.getvalue(), "data.xlsx")
    assert checker.error_count == 0
    assert rows == [["91350500MA0001", "91350500MA0001", "泉州甲公司", "2020-01-01", 12, "100.5"]]


def test_a_file_named_xlsx_that_is_no_workbook_is_refused():
    with pytest.raises(IngestError, match="not a readable XLSX"):
        check(b"not a zip", "data.xlsx")


def test_json_is_a_list_of_objects_or_an_object_with_records():
    record = {"credit_code": "91350500MA0001", "企业名称": "泉州甲公司", "capital": 100.50}
    for content in ([record], {"records": [record]}):
        rows, checker = check(json.dumps(content, ensure_ascii=False).encode(), "data.json")
        assert checker.error_count == 0 and rows[0][2] == "泉州甲公司" and rows[0][5] == "100.5"


def test_an_unknown_key_in_json_is_reported_once_but_every_record_with_it_is_refused():
    content = json.dumps([{"credit_code": f"K{i}", "company_name": "A", "colour": "red"} for i in range(3)])
    rows, checker = check(content.encode(), "data.json")
    assert rows == [] and checker.errors == [
        {"row": 1, "column": "colour", "message": "Unknown data item: not a data item of this entry."}
    ]


def test_malformed_json_says_where():
    with pytest.raises(IngestError, match=r"not valid JSON: .* \(line 2, column 1\)"):
        check(b'[{"credit_code": "K1"}\n', "data.json")


def test_a_mistake_early_in_a_large_json_file_says_where_not_that_a_record_is_too_long():
    record = '{"credit_code": "K1", "company_name": "' + "x" * 100 + '"}'
    content = (
        "[" + record + ',\n{"credit_code": "K2" "company_name": "B"},\n' + ",\n".join([record] * 50_000) + "]"
    )
    assert len(content) > 5 * 2**20  # past the reads the decoder would otherwise make for one record
    with pytest.raises(IngestError, match=r"Expecting ',' delimiter \(line 2, column 22\)"):
        check(content.encode(), "data.json")


def test_a_json_file_cut_short_says_the_place_json_loads_says():
    content = '[{"credit_code": "K1"},\n {"credit_code": tru'
    with pytest.raises(json.JSONDecodeError) as expected:
        json.loads(content)
    where = rf"\(line {expected.value.lineno}, column {expected.value.colno}\)"
    assert where == r"\(line 2, column 18\)"
    with pytest.raises(IngestError, match=where):
        check(content.encode(), "data.json")


def test_json_that_is_not_a_list_is_refused():
    with pytest.raises(IngestError, match="list of records"):
        check(b'{"credit_code": "K1"}', "data.json")


def test_another_format_is_refused():
    with pytest.raises(IngestError, match="CSV, XLSX or JSON"):
        check(b"x", "data.txt")


def test_rows_are_checked_the_same_across_chunks(monkeypatch):
    monkeypatch.setattr(ingest, "CHUNK_ROWS", 2)
    content = (
        b"credit_code,company_name,staff\n"
        b"K1,A,1\n"  # row 2
        b"\n"  # row 3: blank, skipped
        b"K2,B,x\n"  # row 4
        b"K3,C,3\n"  # row 5
        b",,\n"  # row 6: empty cells, skipped
        b"K1,D,4\n"  # row 7: the key of row 2, two chunks later
        b",,\n\n"  # rows 8 and 9: a chunk of blank rows only
    )
    rows, checker = check(content)
    assert [(e["row"], e["column"]) for e in checker.errors] == [(4, "staff"), (7, "credit_code")]
    assert "appears in row 2 too" in checker.errors[1]["message"]
    assert checker.processed == 4


def test_records_are_numbered_from_one_across_chunks(monkeypatch):
    monkeypatch.setattr(ingest, "CHUNK_ROWS", 2)
    records = [{"credit_code": f"K{i}", "company_name": "A"} for i in range(5)] + [{"credit_code": "K0"}]
    rows, checker = check(json.dumps(records).encode(), "data.json")
    # record 6 lacks a required value and repeats the key of record 1: both are said at once
    assert [(e["row"], e["column"]) for e in checker.errors] == [(6, "company_name"), (6, "credit_code")]
    assert "appears in row 1 too" in checker.errors[1]["message"]


def test_a_key_with_a_tab_or_line_break_or_too_long_is_refused():
    records = [{"credit_code": "K\t1", "company_name": "A"}, {"credit_code": "K" * 201, "company_name": "B"}]
    rows, checker = check(json.dumps(records).encode(), "data.json")
    assert [e["message"] for e in checker.errors] == [
        "The key must not contain tabs or line breaks.",
        "The key is longer than 200 characters.",
    ]
