"""The supervision dashboard (Q9.1, G48) and its spreadsheet export."""

import datetime as dt
from collections import Counter

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from audit.services import audit_record
from dataplatform.core.administrators import units_without_data_admin
from dataplatform.core.audit_actions import AuditAction
from dataplatform.core.request_types import AuthenticatedHttpRequest

from .export import COLUMNS, figures_workbook
from .selectors import Period, overdue_items, pending_work, quarter_of, unit_figures, units_supervised_by

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _period(request: HttpRequest) -> Period:
    """from/to in the query; the current quarter where missing or not a date."""
    default = quarter_of(timezone.localdate())
    start = _date(request.GET.get("from")) or default.start
    end = _date(request.GET.get("to")) or default.end
    return Period(start=min(start, end), end=max(start, end))


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@login_required
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    units = units_supervised_by(user=request.user)
    period = _period(request)
    rows = unit_figures(units=units, period=period)
    overdue = overdue_items(units=units)
    late_per_unit = Counter(item.unit_name for item in overdue)
    chart = {
        "units": [row["unit_name"] for row in rows],
        "overdue": [late_per_unit.get(row["unit_name"], 0) for row in rows],
        "applications_on_time": [row["applications_on_time"] for row in rows],
        "corrections_on_time": [row["corrections_on_time"] for row in rows],
    }
    context = {
        "period": period,
        "pending": pending_work(units=units),
        "overdue": overdue,
        "columns": COLUMNS,
        "rows": [{**row, "cells": [row[key] for key, _label in COLUMNS]} for row in rows],
        "chart": chart,
        # Q9.2: a unit must have a data administrator registered on the platform.
        "without_data_admin": units_without_data_admin(units),
    }
    return render(request, "supervision/dashboard.html", context)


@login_required
def export_xlsx(request: AuthenticatedHttpRequest) -> HttpResponse:
    units = units_supervised_by(user=request.user)
    period = _period(request)
    content = figures_workbook(rows=unit_figures(units=units, period=period), period=period)
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
