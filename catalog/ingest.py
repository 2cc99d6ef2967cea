"""Reading aggregation files and checking their rows against a resource's data items.

Nothing here touches the database: ``aggregation.py`` stages and applies the rows this module accepts.
Every value is turned into one canonical, JSON-serializable form (int; str for decimals; ISO text for
dates and times; bool), so that the same data always stores the same way and a re-upload is "unchanged".
"""

import codecs
import csv
import datetime as dt
import io
import json
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from itertools import islice
from pathlib import PurePath
from typing import IO, Any

from django.core.files import File
from django.utils import timezone

from .models import ItemType

MAX_LISTED_ERRORS = 1000  # a file of bad rows lists this many; the count says how many more there were
KEY_MAX_LENGTH = 200  # Record.key
FORMATS = (".csv", ".xlsx", ".json")
# Chinese government files are often GBK; GB18030 is its superset and decodes every GBK file.
FALLBACK_ENCODING = "gb18030"
_CHUNK = 1 << 20


class IngestError(Exception):
    """The file as a whole cannot be read: its format, its encoding, its header."""


@dataclass(frozen=True)
class Item:
    name: str
    label: str
    item_type: str
    required: bool = False
    is_key: bool = False

    @property
    def type_label(self) -> str:
        return ItemType(self.item_type).label


class Schema:
    """A resource's data items as aggregation sees them: order, types, key, names and labels."""

    def __init__(self, items: Iterable[Item]) -> None:
        self.items = tuple(items)
        keys = [i for i, item in enumerate(self.items) if item.is_key]
        if len(keys) != 1:
            raise IngestError("The entry must have exactly one key data item to aggregate records.")
        self.key_index = keys[0]
        self.names = [item.name for item in self.items]
        self._columns = {item.name.lower(): i for i, item in enumerate(self.items)}
        for i, item in enumerate(self.items):
            self._columns.setdefault(item.label.strip(), i)

    @property
    def key_item(self) -> Item:
        return self.items[self.key_index]

    def index_of(self, column: str) -> int | None:
        """A column names an item by its identifier (any case) or by its label."""
        column = column.strip()
        found = self._columns.get(column.lower())
        return found if found is not None else self._columns.get(column)

    def expected_columns(self) -> str:
        return ", ".join(f"{item.name} ({item.label})" for item in self.items)


def schema_from_items(items: Iterable[dict]) -> Schema:
    """From item dicts as a published version's snapshot holds them."""
    return Schema(
        Item(
            name=item["name"],
            label=item.get("label") or item["name"],
            item_type=item.get("item_type") or ItemType.STRING,
            required=bool(item.get("required")) or bool(item.get("is_key")),
            is_key=bool(item.get("is_key")),
        )
        for item in items
    )


# --- Canonical values ------------------------------------------------------------------------------
# A converter takes what a file holds (text from CSV; numbers, dates, bools from XLSX and JSON) and
# returns the canonical value, None for an empty one, or raises ValueError with a message for people.


def _show(value: Any) -> str:
    text = str(value)
    return f"'{text[:40]}…'" if len(text) > 40 else f"'{text}'"


def _text_of_number(value: float | Decimal) -> str:
    return _decimal_text(Decimal(repr(value)) if isinstance(value, float) else value)


def to_string(raw: Any) -> str | None:
    if type(raw) is str:
        value = raw.strip()
    elif raw is None:
        return None
    elif isinstance(raw, bool):
        raise ValueError(f"{_show(raw)} is a yes/no value, not text.")
    elif isinstance(raw, int):
        value = str(raw)
    elif isinstance(raw, float | Decimal):
        value = _text_of_number(raw)
    elif isinstance(raw, dt.date):  # a spreadsheet cell formatted as a date, in a text column
        value = raw.isoformat()
    else:
        raise ValueError(f"{_show(raw)} is not text.")
    if "\x00" in value:
        raise ValueError("Text must not contain NUL characters.")
    if not value.isascii():
        try:
            value.encode()
        except UnicodeEncodeError:  # a lone surrogate from a JSON escape: no database stores it
            raise ValueError("Text holds a character that is not valid Unicode (a lone surrogate).") from None
    return value or None


_THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")


def _parse_decimal(text: str) -> Decimal:
    if _THOUSANDS.fullmatch(text):
        text = text.replace(",", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{_show(text)} is not a number.") from None
    if not number.is_finite() or abs(number.as_tuple().exponent) > 100:
        raise ValueError(f"{_show(text)} is not a number in range.")
    return number


def to_integer(raw: Any) -> int | None:
    if type(raw) is str:
        value = raw.strip()
        if not value:
            return None
        try:
            return int(value)
        except ValueError:
            pass
        try:
            number = _parse_decimal(value)  # 1,234 or 12.0
        except ValueError:
            raise ValueError(f"{_show(value)} is not a whole number.") from None
    elif raw is None:
        return None
    elif isinstance(raw, bool):
        raise ValueError(f"{_show(raw)} is a yes/no value, not a whole number.")
    elif isinstance(raw, int):
        return raw
    elif isinstance(raw, float | Decimal):
        number = Decimal(repr(raw)) if isinstance(raw, float) else raw
        if not number.is_finite():
            raise ValueError(f"{_show(raw)} is not a whole number.")
    else:
        raise ValueError(f"{_show(raw)} is not a whole number.")
    if number != number.to_integral_value():
        raise ValueError(f"{_show(raw)} is not a whole number.")
    return int(number)


def _decimal_text(number: Decimal) -> str:
    """Exact and without trailing zeros, so that 10.50, 10.5 and a spreadsheet's 10.5 agree."""
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def to_decimal(raw: Any) -> str | None:
    if type(raw) is str:
        value = raw.strip()
        return _decimal_text(_parse_decimal(value)) if value else None
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise ValueError(f"{_show(raw)} is a yes/no value, not a number.")
    if isinstance(raw, int):
        return str(raw)
    if isinstance(raw, float | Decimal):
        number = Decimal(repr(raw)) if isinstance(raw, float) else raw
        if not number.is_finite():
            raise ValueError(f"{_show(raw)} is not a number in range.")
        return _decimal_text(number)
    raise ValueError(f"{_show(raw)} is not a number.")


# 2024/1/5, 2024.01.05, 2024年1月5日, optionally with a midnight time as spreadsheets export dates.
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+0?0:00(?::00)?)?")
_DATETIME = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s*|T)"
    r"(\d{1,2})\s*[:时]\s*(\d{1,2})(?:\s*[:分]\s*(\d{1,2})(?:\.(\d{1,6}))?)?\s*秒?"
)


def to_date(raw: Any) -> str | None:
    if type(raw) is str:
        value = raw.strip()
        if not value:
            return None
        try:
            return dt.date.fromisoformat(value).isoformat()
        except ValueError:
            pass
        match = _DATE.fullmatch(value)
        try:
            if match:
                return dt.date(*map(int, match.groups())).isoformat()
        except ValueError:
            pass
        raise ValueError(f"{_show(value)} is not a date (write it as YYYY-MM-DD).")
    if raw is None:
        return None
    if isinstance(raw, dt.datetime):
        if raw.time() != dt.time(0):
            raise ValueError(f"{_show(raw)} has a time of day; a date is expected.")
        return raw.date().isoformat()
    if isinstance(raw, dt.date):
        return raw.isoformat()
    raise ValueError(f"{_show(raw)} is not a date (write it as YYYY-MM-DD).")


def _utc_text(moment: dt.datetime) -> str:
    # SPEC 8: times are stored in UTC; a time without a zone is China Standard Time.
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return moment.astimezone(dt.UTC).isoformat()


def to_datetime(raw: Any) -> str | None:
    if type(raw) is str:
        value = raw.strip()
        if not value:
            return None
        try:
            return _utc_text(dt.datetime.fromisoformat(value))
        except ValueError:
            pass
        match = _DATETIME.fullmatch(value)
        try:
            if match:
                *parts, fraction = match.groups()
                micro = int((fraction or "0").ljust(6, "0"))
                return _utc_text(dt.datetime(*(int(p or 0) for p in parts), micro))
        except ValueError:
            pass
        raise ValueError(f"{_show(value)} is not a date and time (write it as YYYY-MM-DD HH:MM:SS).")
    if raw is None:
        return None
    if isinstance(raw, dt.datetime):
        return _utc_text(raw)
    if isinstance(raw, dt.date):
        return _utc_text(dt.datetime.combine(raw, dt.time(0)))
    raise ValueError(f"{_show(raw)} is not a date and time (write it as YYYY-MM-DD HH:MM:SS).")


_TRUE = {"true", "t", "yes", "y", "1", "是", "对", "真", "√"}
_FALSE = {"false", "f", "no", "n", "0", "否", "错", "假", "×"}


def to_boolean(raw: Any) -> bool | None:
    if type(raw) is str:
        value = raw.strip().lower()
        if not value:
            return None
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
    elif raw is None:
        return None
    elif isinstance(raw, bool):
        return raw
    elif isinstance(raw, int | float | Decimal) and raw in (0, 1):
        return raw == 1
    raise ValueError(f"{_show(raw)} is not a yes/no value (write true or false, 是 or 否).")


CONVERTERS: dict[str, Callable[[Any], Any]] = {
    ItemType.STRING: to_string,
    ItemType.INTEGER: to_integer,
    ItemType.DECIMAL: to_decimal,
    ItemType.DATE: to_date,
    ItemType.DATETIME: to_datetime,
    ItemType.BOOLEAN: to_boolean,
}


# --- Checking rows ---------------------------------------------------------------------------------
# Rows are checked a chunk at a time, column by column: the common case (every value of a column is
# good) then runs in C (map, zip, set) rather than in a Python loop per value, which keeps a million
# rows to seconds. Only a column with a bad value is gone through value by value, for the messages.

CHUNK_ROWS = 5000
_BAD_CELL = (ValueError, TypeError, ArithmeticError)


def _fast_strings(column: Sequence[str]) -> list[str | None]:
    stripped = list(map(str.strip, column))
    if "\x00" in "".join(stripped):
        raise ValueError
    return [value or None for value in stripped] if "" in stripped else stripped


def _fast_integers(column: Sequence[str]) -> list[int | None]:
    stripped = list(map(str.strip, column))
    if "" in stripped:
        return [int(value) if value else None for value in stripped]
    return list(map(int, stripped))


def _fast_dates(column: Sequence[str]) -> list[str | None]:
    stripped, parse = list(map(str.strip, column)), dt.date.fromisoformat
    if "" in stripped:
        return [parse(value).isoformat() if value else None for value in stripped]
    return list(map(dt.date.isoformat, map(parse, stripped)))


# For text cells (CSV): the same results as CONVERTERS for good values; any bad value raises.
FAST_TEXT_CONVERTERS: dict[str, Callable[[Sequence[str]], list]] = {
    ItemType.STRING: _fast_strings,
    ItemType.INTEGER: _fast_integers,
    ItemType.DATE: _fast_dates,
}


# Rows as they are read: their row numbers (as a spreadsheet shows them) and their cells or objects.
RowChunk = tuple[Sequence[int], list]


def chunked(rows: list, *, first: int = 1) -> Iterator[RowChunk]:
    """A list of records (JSON, an API batch) in chunks, numbered from ``first``."""
    for start in range(0, len(rows), CHUNK_ROWS):
        batch = rows[start : start + CHUNK_ROWS]
        yield range(first + start, first + start + len(batch)), batch


def _without_blank_rows(numbers: range, cells: list, filled: Callable[[Sequence], bool]) -> RowChunk:
    kept = [(number, row) for number, row in zip(numbers, cells, strict=True) if filled(row)]
    return [number for number, _ in kept], [row for _, row in kept]


@dataclass
class Chunk:
    """Checked rows: their keys, and one list of canonical values per data item, in the schema's order."""

    keys: list[str]
    columns: list[list]

    def rows(self) -> Iterator[tuple]:
        return zip(self.keys, *self.columns, strict=True)


@dataclass
class RowChecker:
    """Checks the rows of one file or API batch against a schema and collects every error.

    The checks yield a ``Chunk`` of canonical values per CHUNK_ROWS rows, or None once any error has
    been found: a batch is applied only when ``error_count`` is still 0 at the end.
    """

    schema: Schema
    errors: list[dict] = field(default_factory=list)
    error_count: int = 0
    bad_rows: int = 0
    processed: int = 0
    _seen: dict[str, int] = field(default_factory=dict)

    def error(self, row: int, column: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_LISTED_ERRORS:
            self.errors.append({"row": row, "column": column, "message": message})

    def summary(self) -> str:
        listed = f"; the first {len(self.errors)} are listed" if self.error_count > len(self.errors) else ""
        return (
            f"Nothing was stored: {self.error_count} error(s) in {max(self.bad_rows, 1)} row(s){listed}. "
            "Correct the data and send it again."
        )

    # Tables: CSV and XLSX

    def check_table(
        self, header: Sequence[Any], chunks: Iterable[RowChunk], *, text: bool
    ) -> Iterator[Chunk | None]:
        """Rows of a sheet, positional under ``header`` (row 1). ``text``: every cell is a str (CSV)."""
        plan, blank = self._plan(header)
        if plan is None:
            return
        width, filler = len(header), "" if text else None
        for numbers, cells in chunks:
            if cells:  # not a run of blank lines only
                self.processed += len(cells)
                yield _ChunkCheck(self, numbers).table(cells, plan, blank, width, filler, text)

    def _plan(self, header: Sequence[Any]) -> tuple[list | None, list[int]]:
        """Which file column feeds which data item (None: no column); header errors are on row 1."""
        plan: list[list] = [[None, item.name] for item in self.schema.items]
        blank = []
        for pos, cell in enumerate(header):
            column = "" if cell is None else str(cell).strip().lstrip("\ufeff")
            if not column:
                blank.append(pos)
                continue
            index = self.schema.index_of(column)
            if index is None:
                expected = self.schema.expected_columns()
                self.error(1, column, f"Unknown column: not a data item of this entry ({expected}).")
            elif plan[index][0] is not None:
                self.error(1, column, f"Data item {self.schema.names[index]} has two columns.")
            else:
                plan[index] = [pos, column]
        for (pos, _column), item in zip(plan, self.schema.items, strict=True):
            if pos is None and item.required:
                what = "key" if item.is_key else "required"
                self.error(1, item.name, f"The {what} column {item.name} ({item.label}) is missing.")
        if self.error_count:
            self.bad_rows = 1
        if plan[self.schema.key_index][0] is None:
            return None, blank  # without its key no row can be stored: say so once, not on every row
        return [tuple(entry) for entry in plan], blank

    # Records: JSON files and API batches

    def check_mappings(self, chunks: Iterable[RowChunk]) -> Iterator[Chunk | None]:
        """Objects, one per record, whose keys are data item names or labels."""
        lookup, reported = {}, set()
        for numbers, records in chunks:
            self.processed += len(records)
            check = _ChunkCheck(self, numbers)
            cells = [check.record_cells(i, record, lookup, reported) for i, record in enumerate(records)]
            yield check.columns(
                [(index, item.name) for index, item in enumerate(self.schema.items)], cells, False
            )


class _ChunkCheck:
    """One chunk's checks; errors are collected by row, then handed to the checker in row order."""

    def __init__(self, checker: RowChecker, numbers: Sequence[int]) -> None:
        self.checker, self.schema, self.numbers = checker, checker.schema, numbers
        self.bad: set[int] = set()  # positions in the chunk of rows with an error
        self.found: list[tuple[int, int, str, str]] = []

    def fail(self, i: int, column: str, message: str) -> None:
        self.bad.add(i)
        self.found.append((i, len(self.found), column, message))

    def table(
        self, cells: list, plan: list, blank: list[int], width: int, filler, text: bool
    ) -> Chunk | None:
        if set(map(len, cells)) != {width}:
            cells = [self.fit(i, row, width, filler) for i, row in enumerate(cells)]
        by_position = list(zip(*cells, strict=True))
        for pos in blank:
            for i in [i for i, value in enumerate(by_position[pos]) if value not in (None, "")]:
                self.fail(i, f"#{pos + 1}", "A value in a column without a header.")
        columns = [by_position[pos] if pos is not None else None for pos, _ in plan]
        return self.columns(
            [(i, column) for i, (_, column) in enumerate(plan)], columns, text, by_column=True
        )

    def fit(self, i: int, row: Sequence, width: int, filler) -> Sequence:
        if len(row) < width:  # spreadsheets drop trailing empty cells
            return [*row, *[filler] * (width - len(row))]
        if any(value not in (None, "") for value in row[width:]):
            self.fail(i, "", f"This row has more values than the header's {width} columns.")
        return row[:width]

    def record_cells(self, i: int, record: Any, lookup: dict, reported: set) -> list:
        items, cells = self.schema.items, [None] * len(self.schema.items)
        if not isinstance(record, dict):
            self.fail(i, "", "A record must be a JSON object of data item values.")
            return cells
        given = set()
        for column, raw in record.items():
            if column not in lookup:
                lookup[column] = self.schema.index_of(str(column))
            index = lookup[column]
            if index is None:
                self.bad.add(i)
                if column not in reported:  # once per file, not once per record
                    reported.add(column)
                    self.fail(i, str(column), "Unknown data item: not a data item of this entry.")
            elif index in given:
                self.fail(i, str(column), f"Data item {items[index].name} is given twice.")
            else:
                given.add(index)
                cells[index] = raw
        return cells

    def columns(self, sources: list, cells: list, text: bool, *, by_column: bool = False) -> Chunk | None:
        """Convert each item's column, then check required values and keys."""
        size = len(self.numbers)
        by_item = cells if by_column else (list(zip(*cells, strict=True)) if cells else [()] * len(sources))
        values: list[list] = []
        for (index, column), raw in zip(sources, by_item, strict=True):
            item = self.schema.items[index]
            values.append([None] * size if raw is None else self.convert(item, column, raw, text))
        converted_bad = set(self.bad)
        for (index, column), column_values in zip(sources, values, strict=True):
            if self.schema.items[index].required and by_item[index] is not None and None in column_values:
                for i, value in enumerate(column_values):
                    if value is None and i not in converted_bad:
                        self.fail(i, column, "A value is required.")
        keys = self.keys(values[self.schema.key_index], sources[self.schema.key_index][1])
        self.report()
        return Chunk(keys=keys, columns=values) if not self.checker.error_count else None

    def convert(self, item: Item, column: str, raw: Sequence, text: bool) -> list:
        fast = FAST_TEXT_CONVERTERS.get(item.item_type) if text else None
        convert = CONVERTERS[item.item_type]
        try:
            return fast(raw) if fast is not None else list(map(convert, raw))
        except _BAD_CELL:
            pass
        values = []
        for i, value in enumerate(raw):
            try:
                values.append(convert(value))
            except ValueError as exc:
                values.append(None)
                self.fail(i, column, str(exc))
        return values

    def keys(self, values: list, column: str) -> list[str]:
        keys = (
            values
            if self.schema.key_item.item_type == ItemType.STRING
            else [None if value is None else str(value) for value in values]
        )
        seen, numbers = self.checker._seen, self.numbers
        joined = "".join(keys) if None not in keys else ""
        if (
            not self.bad
            and None not in keys
            and max(map(len, keys), default=0) <= KEY_MAX_LENGTH
            and not any(character in joined for character in "\t\n\r")
            and len(set(keys)) == len(keys)
            and seen.keys().isdisjoint(keys)
        ):
            seen.update(zip(keys, numbers, strict=True))
            return keys
        for i, key in enumerate(keys):
            if key is None:  # a row wrong in other columns still claims its key: duplicates show at once
                continue
            if len(key) > KEY_MAX_LENGTH:
                self.fail(i, column, f"The key is longer than {KEY_MAX_LENGTH} characters.")
            elif any(character in key for character in "\t\n\r"):
                self.fail(i, column, "The key must not contain tabs or line breaks.")
            elif (first := seen.setdefault(key, numbers[i])) != numbers[i]:
                self.fail(i, column, f"The key {_show(key)} appears in row {first} too.")
        return keys

    def report(self) -> None:
        checker = self.checker
        checker.bad_rows += len(self.bad)
        for i, _order, column, message in sorted(self.found):
            checker.error(self.numbers[i], column, message)


# --- Reading files ---------------------------------------------------------------------------------


@dataclass
class Table:
    """An opened file: either a header and positional rows, or records (objects)."""

    chunks: Iterator[RowChunk]
    estimated_rows: int
    header: list | None = None  # None: the rows are mappings (JSON)
    text: bool = False  # every cell is a str (CSV), which the fast converters take
    closers: list[Callable[[], None]] = field(default_factory=list)

    def check(self, checker: RowChecker) -> Iterator[Chunk | None]:
        if self.header is None:
            return checker.check_mappings(self.chunks)
        return checker.check_table(self.header, self.chunks, text=self.text)

    def close(self) -> None:
        for close in self.closers:
            close()


def check_file_name(name: str) -> str:
    suffix = PurePath(name).suffix.lower()
    if suffix not in FORMATS:
        raise IngestError("Upload a CSV, XLSX or JSON file (.csv, .xlsx or .json).")
    return suffix


def read_table(file: IO[bytes], name: str) -> Table:
    """Open an uploaded file by its name's extension. The caller closes the table."""
    suffix = check_file_name(name)
    while isinstance(file, File):  # the stored file itself: Django's wrapper costs a call per line read
        file = file.file
    if suffix == ".csv":
        return _csv_table(file)
    if suffix == ".xlsx":
        return _xlsx_table(file)
    return _json_table(file)


def _sniff_csv(file: IO[bytes]) -> tuple[str, int]:
    """The encoding (UTF-8 with or without BOM, else GB18030) and the number of lines, in one pass."""
    decoder, lines, last = codecs.getincrementaldecoder("utf-8")(), 0, b""
    encoding = "utf-8-sig"
    while chunk := file.read(_CHUNK):
        lines += chunk.count(b"\n")
        last = chunk[-1:]
        if encoding != FALLBACK_ENCODING:
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                encoding = FALLBACK_ENCODING
    if encoding != FALLBACK_ENCODING:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            encoding = FALLBACK_ENCODING
    file.seek(0)
    return encoding, lines + (1 if last not in (b"", b"\n") else 0)


def _csv_table(file: IO[bytes]) -> Table:
    encoding, lines = _sniff_csv(file)
    text = io.TextIOWrapper(file, encoding=encoding, newline="")
    reader = csv.reader(text)
    try:
        header = next(reader, None)
    except (UnicodeDecodeError, csv.Error) as exc:
        text.detach()
        raise _csv_failure(exc) from exc
    if not header or not any(cell.strip() for cell in header):
        text.detach()
        raise IngestError("The file is empty: the first row must name the columns.")

    def chunks() -> Iterator[RowChunk]:
        start = 2
        try:
            while cells := list(islice(reader, CHUNK_ROWS)):
                numbers, start = range(start, start + len(cells)), start + len(cells)
                if not all(map(any, cells)):  # blank lines, or rows of empty cells
                    numbers, cells = _without_blank_rows(numbers, cells, any)
                yield numbers, cells
        except (UnicodeDecodeError, csv.Error) as exc:
            raise _csv_failure(exc) from exc

    estimate = max(lines - 1, 0)
    return Table(chunks=chunks(), estimated_rows=estimate, header=header, text=True, closers=[text.detach])


def _csv_failure(exc: Exception) -> IngestError:
    if isinstance(exc, UnicodeDecodeError):
        return IngestError("The file is neither UTF-8 nor GBK/GB18030 text; save it as UTF-8 CSV.")
    return IngestError(f"The file is not valid CSV: {exc}.")


def _xlsx_table(file: IO[bytes]) -> Table:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError) as exc:
        raise IngestError("The file is not a readable XLSX workbook.") from exc
    sheet = workbook.worksheets[0]
    cells = sheet.iter_rows(values_only=True)
    header = next(cells, None)
    if not header or not any(cell not in (None, "") for cell in header):
        workbook.close()
        raise IngestError("The file is empty: the first row of the first sheet must name the columns.")

    def filled(values: Sequence) -> bool:
        return any(value not in (None, "") for value in values)

    def chunks() -> Iterator[RowChunk]:
        start = 2
        while batch := list(islice(cells, CHUNK_ROWS)):
            numbers, start = range(start, start + len(batch)), start + len(batch)
            yield _without_blank_rows(numbers, batch, filled)

    estimated = (sheet.max_row or 1) - 1 if isinstance(sheet.max_row, int) else 0
    return Table(
        chunks=chunks(), estimated_rows=max(estimated, 0), header=list(header), closers=[workbook.close]
    )


def _json_table(file: IO[bytes]) -> Table:
    data = file.read()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode(FALLBACK_ENCODING)
        except UnicodeDecodeError as exc:
            raise IngestError("The file is neither UTF-8 nor GBK/GB18030 text.") from exc
    try:
        records = json.loads(text, parse_float=Decimal)  # exact decimals, as written
    except json.JSONDecodeError as exc:
        raise IngestError(
            f"The file is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})."
        ) from exc
    if isinstance(records, dict) and isinstance(records.get("records"), list):
        records = records["records"]
    if not isinstance(records, list):
        raise IngestError('A JSON file holds a list of records: [{"item": value, …}, …].')
    return Table(chunks=chunked(records), estimated_rows=len(records))
