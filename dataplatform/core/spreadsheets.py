"""Cells for CSV and XLSX downloads that a spreadsheet program will not run as formulas.

A cell starting with = + - @ (or a tab or carriage return, which some programs skip before them) is read
as a formula by Excel and WPS: ``=cmd|' /C calc'!A0`` from an uploaded record or a unit's name would run
on the reviewer's computer (CSV/formula injection, OWASP). Such text is written with a leading apostrophe,
which spreadsheet programs show as text. Numbers, dates and booleans are left as they are. Every CSV and
XLSX writer in the project passes its cells through here (tests/hardening checks that it does).
"""

from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def spreadsheet_row(values: Iterable[Any]) -> list[Any]:
    return [spreadsheet_safe(value) for value in values]
