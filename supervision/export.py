"""The per-unit figures as a spreadsheet, with the same columns as the dashboard's table."""

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from dataplatform.core.spreadsheets import spreadsheet_row

from .columns import COLUMNS
from .periods import Period


def figures_workbook(*, rows: list[dict], period: Period) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has its one sheet
    sheet.title = _("Figures")
    sheet.append([_("Period"), period.start.isoformat(), period.end.isoformat()])
    sheet.append(spreadsheet_row([_("Unit"), *(str(column.label) for column in COLUMNS)]))
    for row in rows:
        # A unit's name is typed by people: never a formula in the reviewer's spreadsheet.
        sheet.append(spreadsheet_row([row["unit_name"], *(row[column.key] for column in COLUMNS)]))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for index, column in enumerate(COLUMNS, start=2):
        for (cell,) in sheet.iter_rows(min_row=3, min_col=index, max_col=index):
            cell.number_format = "#,##0.0" if column.rate else "#,##0"  # 12,345 as on the page
        sheet.column_dimensions[get_column_letter(index)].width = 14
    sheet.column_dimensions["A"].width = 36
    sheet.freeze_panes = "B3"  # the header and the unit stay in view
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
