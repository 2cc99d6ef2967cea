"""The supervision dashboard (Q9.1, G48) and its spreadsheet export."""

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode

from audit.services import audit_record
from dataplatform.core.administrators import units_without_data_admin
from dataplatform.core.audit_actions import AuditAction
from dataplatform.core.models import Role
from dataplatform.core.request_types import AuthenticatedHttpRequest
from federation.selectors import federation_summary

from .charts import dashboard_charts
from .columns import COLUMNS, GROUP_STARTS, GROUPS
from .export import figures_workbook
from .periods import Period, PeriodPreset, period_choose
from .selectors import (
    UNIT,
    figures_overall,
    figures_sorted,
    overdue_items,
    pending_work,
    unit_figures,
    units_supervised_by,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _period(request: HttpRequest) -> tuple[str, Period]:
    """?period= a preset, or custom with from/to (dates alone mean custom); the current quarter else."""
    return period_choose(
        preset=request.GET.get("period"),
        start=_date(request.GET.get("from")),
        end=_date(request.GET.get("to")),
        today=timezone.localdate(),
    )


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _query(preset: str, period: Period, **more: str) -> str:
    """The query string that asks for this period again (a preset moves with today; a range does not)."""
    params = {"period": preset}
    if preset == PeriodPreset.CUSTOM:
        params |= {"from": period.start.isoformat(), "to": period.end.isoformat()}
    return urlencode(params | {name: value for name, value in more.items() if value})


def _sort_links(preset: str, period: Period, sort: str) -> dict[str, dict]:
    """Per column (and the unit's): the link that sorts by it, a figure descending first (the most of
    it on top), the unit's by region and name; the reverse when it is the order already; and its
    aria-sort."""
    links = {}
    for key in [UNIT, *(column.key for column in COLUMNS)]:
        if sort == f"-{key}":
            target, order = key, "descending"
        elif sort == key:
            target, order = f"-{key}", "ascending"
        else:
            target, order = (key if key == UNIT else f"-{key}"), None
        links[key] = {"url": "?" + _query(preset, period, sort=target), "order": order}
    return links


def _row(row: dict) -> dict:
    cells = [row[column.key] for column in COLUMNS]
    return {**row, "cells": cells, "shown": list(zip(COLUMNS, cells, strict=True))}


@login_required
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    units = units_supervised_by(user=request.user)
    preset, period = _period(request)
    rows, sort = figures_sorted(unit_figures(units=units, period=period), sort=request.GET.get("sort"))
    kept_sort = "" if sort == UNIT else sort  # the default order needs no parameter
    links = _sort_links(preset, period, sort)
    overdue = overdue_items(units=units, viewer=request.user)
    pending = pending_work(units=units)
    context = {
        "period": period,
        "preset": preset,
        "presets": [
            (value, label, "?" + _query(value, period, sort=kept_sort))
            for value, label in PeriodPreset.choices
            if value != PeriodPreset.CUSTOM
        ],
        "sort": sort,
        "unit_sort": links[UNIT],
        "headers": [(column, links[column.key]) for column in COLUMNS],
        "group_starts": GROUP_STARTS,
        "export_query": _query(preset, period, sort=kept_sort),
        "pending": pending,
        "open_count": sum(stage["count"] for stages in pending.values() for stage in stages),
        "overdue": overdue,
        "groups": GROUPS,
        "rows": [_row(row) for row in rows],
        "overall": figures_overall(rows),
        "charts": dashboard_charts(rows=rows, overdue=overdue),
        # Q9.2: a unit must have a data administrator registered on the platform.
        "without_data_admin": units_without_data_admin(units),
        "federation": federation_summary() if request.user.has_role(Role.PLATFORM_ADMIN) else None,
    }
    return render(request, "supervision/dashboard.html", context)


@login_required
def export_xlsx(request: AuthenticatedHttpRequest) -> HttpResponse:
    units = units_supervised_by(user=request.user)
    _preset, period = _period(request)
    rows, _sort = figures_sorted(unit_figures(units=units, period=period), sort=request.GET.get("sort"))
    content = figures_workbook(rows=rows, period=period)
    audit_record(
        action=AuditAction.SUPERVISION_EXPORT,
        actor=request.user,
        request=request,
        detail={"from": period.start.isoformat(), "to": period.end.isoformat()},
    )
    response = HttpResponse(content, content_type=XLSX)
    name = f"supervision-{period.start.isoformat()}-{period.end.isoformat()}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
