"""The per-unit figures as a spreadsheet, with the same columns as the dashboard's table."""

import io

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from openpyxl import Workbook

from dataplatform.core.spreadsheets import spreadsheet_row

from .selectors import Period

COLUMNS = [
    ("published", _lazy("Entries published")),
    ("update_overdue", _lazy("Legal-basis updates overdue")),
    ("stale", _lazy("Published entries stale")),
    ("steps_completed", _lazy("Application steps completed")),
    ("deadline_misses", _lazy("Application deadlines missed")),
    ("applications_on_time", _lazy("Applications answered on time (%)")),
    ("tickets_received", _lazy("Correction tickets received")),
    ("decided_on_time", _lazy("Decided on time")),
    ("corrected", _lazy("Corrected")),
    ("corrected_on_time", _lazy("Corrected on time")),
    ("corrections_on_time", _lazy("Corrections on time (%)")),
    ("tickets_overdue", _lazy("Correction steps overdue now")),
    ("active_grants", _lazy("Active grants")),
    ("grants_reported", _lazy("Grants with a usage report")),
    ("grants_suspended", _lazy("Grants suspended")),
]


def figures_workbook(*, rows: list[dict], period: Period) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has its one sheet
    sheet.title = _("Figures")
    sheet.append([_("Period"), period.start.isoformat(), period.end.isoformat()])
    sheet.append(spreadsheet_row([_("Unit"), *(str(label) for _key, label in COLUMNS)]))
    for row in rows:
        # A unit's name is typed by people: never a formula in the reviewer's spreadsheet.
        sheet.append(spreadsheet_row([row["unit_name"], *(row[key] for key, _label in COLUMNS)]))
    sheet.column_dimensions["A"].width = 36
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
