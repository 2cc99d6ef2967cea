"""Reading CSV, XLSX and JSON files into tables of numbered rows, in chunks."""

import codecs
import csv
import io
import json
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice
from pathlib import PurePath
from typing import IO, TYPE_CHECKING, cast

from django.core.files import File
from django.utils.translation import gettext as _

from .schema import IngestError

if TYPE_CHECKING:
    from .rows import Chunk, RowChecker

FORMATS = (".csv", ".xlsx", ".json")
# Chinese government files are often GBK; GB18030 is its superset and decodes every GBK file.
FALLBACK_ENCODING = "gb18030"
_CHUNK = 1 << 20

CHUNK_ROWS = 5000

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
class Table:
    """An opened file: either a header and positional rows, or records (objects)."""

    chunks: Iterator[RowChunk]
    estimated_rows: int
    header: list | None = None  # None: the rows are mappings (JSON)
    text: bool = False  # every cell is a str (CSV), which the fast converters take
    closers: list[Callable[[], object]] = field(default_factory=list)

    def check(self, checker: "RowChecker") -> "Iterator[Chunk | None]":
        if self.header is None:
            return checker.check_mappings(self.chunks)
        return checker.check_table(self.header, self.chunks, text=self.text)

    def close(self) -> None:
        for close in self.closers:
            close()


def check_file_name(name: str) -> str:
    suffix = PurePath(name).suffix.lower()
    if suffix not in FORMATS:
        raise IngestError(_("Upload a CSV, XLSX or JSON file (.csv, .xlsx or .json)."))
    return suffix


def read_table(file: IO[bytes], name: str) -> Table:
    """Open an uploaded file by its name's extension. The caller closes the table."""
    suffix = check_file_name(name)
    while isinstance(file, File):  # the stored file itself: Django's wrapper costs a call per line read
        file = cast(IO[bytes], file.file)  # an uploaded or stored file is open
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
        raise IngestError(_("The file is empty: the first row must name the columns."))

    def chunks() -> Iterator[RowChunk]:
        start = 2
        numbers: Sequence[int]
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
        return IngestError(_("The file is neither UTF-8 nor GBK/GB18030 text; save it as UTF-8 CSV."))
    return IngestError(_("The file is not valid CSV: %(exc)s.") % {"exc": exc})


def _xlsx_table(file: IO[bytes]) -> Table:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError) as exc:
        raise IngestError(_("The file is not a readable XLSX workbook.")) from exc
    sheet = workbook.worksheets[0]
    cells = sheet.iter_rows(values_only=True)
    header = next(cells, None)
    if not header or not any(cell not in (None, "") for cell in header):
        workbook.close()
        raise IngestError(_("The file is empty: the first row of the first sheet must name the columns."))

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
            raise IngestError(_("The file is neither UTF-8 nor GBK/GB18030 text.")) from exc
    try:
        records = json.loads(text, parse_float=Decimal)  # exact decimals, as written
    except json.JSONDecodeError as exc:
        raise IngestError(
            _("The file is not valid JSON: %(exc)s (line %(lineno)s, column %(colno)s).")
            % {"exc": exc.msg, "lineno": exc.lineno, "colno": exc.colno}
        ) from exc
    if isinstance(records, dict) and isinstance(records.get("records"), list):
        records = records["records"]
    if not isinstance(records, list):
        raise IngestError(_('A JSON file holds a list of records: [{"item": value, …}, …].'))
    return Table(chunks=chunked(records), estimated_rows=len(records))
