"""Open dataset files: CSV, XLSX and JSON, de-identified, streamed, with their provenance (Q6.7, F17)
inside the file and in the response headers.

Rows come from a server-side cursor a chunk at a time: a million-row dataset never sits in memory.
CSV and JSON stream to the client as they are made; XLSX is written row by row (openpyxl's write-only
mode) to a temporary file, because a zip archive cannot be streamed before it is finished.
"""

import csv
import datetime as dt
import decimal
import io
import json
import tempfile
from collections.abc import Iterable, Iterator
from urllib.parse import quote

from django.http import FileResponse, HttpResponseBase, StreamingHttpResponse
from openpyxl import Workbook

from catalog.records import iter_columns, iter_records
from dataplatform.core.spreadsheets import spreadsheet_safe  # OWASP CSV injection, shared by every writer

from .deidentify import OpenView
from .models import OpenEntry
from .selectors import Provenance

CHUNK = 2000
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json; charset=utf-8",
}


def rows(entry: OpenEntry, view: OpenView, *, limit: int | None = None) -> Iterator[dict]:
    batch = CHUNK if limit is None else min(CHUNK, limit)
    for n, record in enumerate(iter_records(resource_id=entry.resource_id, batch=batch)):
        if limit is not None and n >= limit:
            return
        yield view.row(record.data)


def header_value(value: str) -> str:
    """An HTTP header carries ASCII only: UTF-8, percent-encoded, marked as RFC 8187 (ex-5987) does."""
    return f"UTF-8''{quote(value, safe='')}"


def provenance_headers(response: HttpResponseBase, prov: Provenance, *, filename: str) -> None:
    response["X-Data-Source-Unit"] = header_value(prov.source_unit)
    response["X-Data-Source-Dataset"] = header_value(prov.dataset)
    response["X-Data-Source-Code"] = prov.dataset_code
    response["X-Data-Acquired-On"] = prov.acquired_on
    response["Content-Disposition"] = (
        f'attachment; filename="{prov.dataset_code}.{filename.rsplit(".", 1)[-1]}"; '
        f"filename*=UTF-8''{quote(filename)}"
    )


def provenance_lines(prov: Provenance) -> list[list[str]]:
    return [
        ["# 数据来源单位 source unit", prov.source_unit],
        ["# 数据集 dataset", f"{prov.dataset} ({prov.dataset_code})"],
        ["# 数据获取日期 acquired on", prov.acquired_on],
        ["# 下载时间 downloaded at", prov.downloaded_at],
        ["# 地址 url", prov.url],
    ]


def _csv_lines(entry: OpenEntry, view: OpenView, prov: Provenance) -> Iterator[str]:
    """The file a batch of records at a time: one chunk of the response per batch, not per row (each
    chunk is a write to the client's socket)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")  # Excel reads UTF-8 only with the byte-order mark
    writer.writerows(provenance_lines(prov))
    writer.writerow([spreadsheet_safe(c.label) for c in view.columns])
    writer.writerow(view.names)
    yield _drained(buffer)
    names = [column.name for column in view.columns]
    for count, stored in iter_columns(resource_id=entry.resource_id, names=names, batch=CHUNK):
        columns = [list(map(_csv_text, values)) for values in view.table_of_columns(stored)]
        writer.writerows(zip(*columns, strict=True) if columns else [()] * count)
        yield _drained(buffer)


def _drained(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def _csv_text(value) -> str:
    """``spreadsheet_safe(_text(value))``, with text, the most common cell, checked first."""
    if type(value) is str:
        return spreadsheet_safe(value)
    return spreadsheet_safe(_text(value))


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _json_chunks(entry: OpenEntry, view: OpenView, prov: Provenance) -> Iterator[str]:
    head = {
        "provenance": prov.as_dict(),
        "columns": [{"name": c.name, "label": c.label} for c in view.columns],
    }
    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "records": ['
    for n, row in enumerate(rows(entry, view)):
        yield ("," if n else "") + json.dumps(row, ensure_ascii=False, default=str)
    yield "]}"


def _xlsx_value(value):
    if isinstance(value, bool | int | float | decimal.Decimal | dt.date):
        return value
    return spreadsheet_safe(_text(value))


def _xlsx_file(entry: OpenEntry, view: OpenView, prov: Provenance) -> Iterable[bytes]:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("data")
    sheet.append([spreadsheet_safe(c.label) for c in view.columns])
    sheet.append(view.names)
    for row in rows(entry, view):
        sheet.append([_xlsx_value(v) for v in row.values()])
    about = workbook.create_sheet("provenance")
    for line in provenance_lines(prov):
        about.append([spreadsheet_safe(cell) for cell in line])
    spool = tempfile.TemporaryFile()  # noqa: SIM115 (the response closes it, which deletes it)
    workbook.save(spool)
    spool.seek(0)
    return spool


def download_response(entry: OpenEntry, view: OpenView, prov: Provenance, fmt: str) -> HttpResponseBase:
    filename = f"{prov.dataset}.{fmt}"
    if fmt == "csv":
        response = StreamingHttpResponse(_csv_lines(entry, view, prov), content_type=FORMATS[fmt])
    elif fmt == "json":
        response = StreamingHttpResponse(_json_chunks(entry, view, prov), content_type=FORMATS[fmt])
    else:
        response = FileResponse(_xlsx_file(entry, view, prov), content_type=FORMATS[fmt])
    provenance_headers(response, prov, filename=filename)
    return response
