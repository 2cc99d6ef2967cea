"""The dashboard's two charts as data for ECharts (static/supervision/dashboard.js draws them).

A rate of 0% and a unit with nothing to rate must not look alike: every point carries the text its
bar is labelled with, "0%" on a bar drawn at its minimum width, "No data" with no bar at all."""

from collections import Counter

from django.utils.translation import gettext as _

from .selectors import OverdueItem


def rate_text(rate: float | None) -> str:
    return _("No data") if rate is None else f"{rate:g}%"


def _rate_points(rows: list[dict], key: str) -> list[dict]:
    return [{"value": row[key], "text": rate_text(row[key])} for row in rows]


def dashboard_charts(*, rows: list[dict], overdue: list[OverdueItem]) -> dict:
    """Overdue items per unit named on the overdue list, most first (as the list names them: an
    application by its applicant), and the on-time rates of every unit in the table's order."""
    late = Counter((item.unit, item.unit_name) for item in overdue)
    most_first = sorted(late.items(), key=lambda unit_count: -unit_count[1])  # ties: the list's order
    return {
        "overdue": {
            "units": [name for (_unit, name), _count in most_first],
            "values": [count for _unit, count in most_first],
            "name": _("Overdue items"),
        },
        "on_time": {
            "units": [row["unit_name"] for row in rows],
            "series": [
                {"name": _("Sharing applications"), "data": _rate_points(rows, "applications_on_time")},
                {"name": _("Correction tickets"), "data": _rate_points(rows, "corrections_on_time")},
            ],
        },
    }
