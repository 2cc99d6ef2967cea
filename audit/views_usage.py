"""The audit pages: the index, the search with its CSV, and a unit's daily usage log with its CSV."""

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render

from dataplatform.core.audit_actions import AuditAction
from dataplatform.core.models import Role
from dataplatform.core.request_types import AuthenticatedHttpRequest

from .event_views import event_views
from .pickers import action_choices, picker_find, search_input_read
from .search import audit_event_search
from .serializers import AuditFilterParams
from .services import audit_record
from .usage import rows_csv, usage_events, usage_yesterday

CSV_EXPORT_LIMIT = 100_000  # one download; narrower filters for more


@login_required
def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request,
        "audit/index.html",
        {
            "can_verify": request.user.has_role(Role.REVIEWER, Role.PLATFORM_ADMIN),
            "has_unit": request.user.unit_id is not None,
            "yesterday": usage_yesterday(),
        },
    )


@login_required
def search(request: AuthenticatedHttpRequest) -> HttpResponse:
    typed = search_input_read(user=request.user, data=request.GET)
    params = AuditFilterParams(data=typed.params)
    page, rows = None, []
    valid = params.is_valid() and not typed.errors
    if valid:
        events = audit_event_search(user=request.user, filters=params.filters())
        page = Paginator(events, 50).get_page(request.GET.get("page"))
        rows = event_views(page.object_list)
    errors = {**{key: " ".join(map(str, value)) for key, value in params.errors.items()}, **typed.errors}
    context: dict[str, Any] = {
        "picked": typed.picked,
        "dates": {key: request.GET.get(key, "") for key in ("date_from", "date_to")},
        "errors": errors,
        "page": page,
        "rows": rows,
        # The export and the other pages carry the filters as ids and codes, whatever was typed.
        "query": urlencode(typed.params),
        "action_choices": [{"id": c.id, "label": c.label} for c in action_choices()],
    }
    return render(request, "audit/search.html", context)


@login_required
def search_csv(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    typed = search_input_read(user=request.user, data=request.GET)
    params = AuditFilterParams(data=typed.params)
    if not params.is_valid() or typed.errors:
        errors = {**params.errors, **typed.errors}
        return HttpResponse(str(errors), status=400, content_type="text/plain; charset=utf-8")
    events = audit_event_search(user=request.user, filters=params.filters())[:CSV_EXPORT_LIMIT]
    # An export of the log is itself recorded: who took which part of it away.
    audit_record(
        action=AuditAction.AUDIT_EXPORT,
        actor=request.user,
        request=request,
        detail={"query": request.GET.dict()},
    )
    return _csv_response(event_views(events), "audit-events.csv")


@login_required
def lookup(request: AuthenticatedHttpRequest, kind: str) -> JsonResponse:
    """The pickers' search as one types: what the person's own search can find, by name."""
    text = request.GET.get("q", "").strip()[:100]
    found = picker_find(user=request.user, kind=kind, text=text) if text else []
    return JsonResponse({"results": [{"id": c.id, "label": c.label, "hint": c.hint} for c in found]})


def _usage_day(request: AuthenticatedHttpRequest, day: str) -> tuple[dt.date, list[dict]]:
    """The day's usage of the data of the person's own unit; a person of no unit has no usage log."""
    if request.user.unit_id is None:
        raise Http404
    try:
        date = dt.date.fromisoformat(day)
    except ValueError as exc:
        raise Http404 from exc
    return date, event_views(usage_events(unit=request.user.unit_id, day=date))


@login_required
def usage_day(request: AuthenticatedHttpRequest, day: str) -> HttpResponse:
    date, rows = _usage_day(request, day)
    return render(request, "audit/usage.html", {"day": date, "rows": rows})


@login_required
def usage_csv(request: AuthenticatedHttpRequest, day: str) -> HttpResponseBase:
    date, rows = _usage_day(request, day)
    audit_record(
        action=AuditAction.AUDIT_EXPORT,
        actor=request.user,
        request=request,
        detail={"usage_log": date.isoformat()},
    )
    return _csv_response(rows, f"usage-{date.isoformat()}.csv")


def _csv_response(rows: list[dict], filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(rows_csv(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
