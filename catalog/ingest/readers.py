"""Reading CSV, XLSX and JSON files into tables of numbered rows, in chunks."""

import codecs
import csv
import io
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import PurePath
from typing import IO, TYPE_CHECKING, cast

from django.core.files import File
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from .jsonstream import JsonRecords
from .schema import IngestError
from .sniff import (
    SAMPLE_BYTES,
    check_shared_strings,
    check_xlsx_container,
    chinese_encoding,
    text_encoding,
)

if TYPE_CHECKING:
    from .rows import Chunk, RowChecker

FORMATS = (".csv", ".xlsx", ".json")
MAX_XLSX_CELLS = 50_000_000  # a workbook beyond this is read as CSV, at a tenth of the time
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
    """The encoding (UTF-8 with or without BOM, else GB18030 if it reads as Chinese, else refused) and
    the number of lines, in one pass."""
    decoder, lines, last, first = codecs.getincrementaldecoder("utf-8")(), 0, b"", True
    not_utf8: bytes | None = None  # from the line where UTF-8 fails: where to judge the encoding
    while chunk := file.read(_CHUNK):
        lines += chunk.count(b"\n")
        last = chunk[-1:]
        if not_utf8 is None:
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                not_utf8 = _from_line_start(chunk, exc.start, first=first)
        first = False
    if not_utf8 is None:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            not_utf8 = last
    file.seek(0)
    encoding = "utf-8-sig" if not_utf8 is None else chinese_encoding(not_utf8)
    return encoding, lines + (1 if last not in (b"", b"\n") else 0)


def _from_line_start(chunk: bytes, position: int, *, first: bool) -> bytes:
    """The chunk from the start of the line at ``position``: a line break is where a GBK character
    cannot be cut in two. A chunk after the first may start inside a character: then from its next line."""
    start = chunk.rfind(b"\n", 0, max(position, 0)) + 1
    if start == 0 and not first:
        start = chunk.find(b"\n") + 1
    return chunk[start:]


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
        return IngestError(_("The file is neither UTF-8 nor GBK/GB18030 text; save the file as UTF-8."))
    return IngestError(_("The file is not valid CSV: %(exc)s.") % {"exc": exc})


def _xlsx_table(file: IO[bytes]) -> Table:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    check_xlsx_container(file)
    try:
        with zipfile.ZipFile(file) as archive:
            check_shared_strings(archive)  # before openpyxl holds them all in memory
        file.seek(0)
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
        start, read = 2, len(header)
        while batch := list(islice(cells, CHUNK_ROWS)):
            read += sum(map(len, batch))
            if read > MAX_XLSX_CELLS:  # a sheet padded to its last column, or a million of them
                raise IngestError(
                    _("The workbook has more than %(max)s cells; save the data as CSV.")
                    % {"max": number_format(MAX_XLSX_CELLS, force_grouping=True)}
                )
            numbers, start = range(start, start + len(batch)), start + len(batch)
            yield _without_blank_rows(numbers, batch, filled)

    estimated = (sheet.max_row or 1) - 1 if isinstance(sheet.max_row, int) else 0
    return Table(
        chunks=chunks(), estimated_rows=max(estimated, 0), header=list(header), closers=[workbook.close]
    )


def _json_table(file: IO[bytes]) -> Table:
    """Records read one at a time (jsonstream), in chunks; the estimate is the file's size in records
    of about 200 bytes, for the progress bar only."""
    head = file.read(SAMPLE_BYTES)
    file.seek(0)
    encoding = text_encoding(head, final=len(head) < SAMPLE_BYTES)
    text = io.TextIOWrapper(file, encoding=encoding)
    records = JsonRecords(text)

    def chunks() -> Iterator[RowChunk]:
        first, items = 1, iter(records)
        try:
            while batch := list(islice(items, CHUNK_ROWS)):
                yield range(first, first + len(batch)), batch
                first += len(batch)
        except UnicodeDecodeError as exc:
            raise IngestError(
                _("The file is neither UTF-8 nor GBK/GB18030 text; save the file as UTF-8.")
            ) from exc

    size = file.seek(0, io.SEEK_END)
    file.seek(0)
    return Table(chunks=chunks(), estimated_rows=max(size // 200, 1), closers=[text.detach])
