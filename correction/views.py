from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.services import audit_record
from catalog.models import ItemType
from dataplatform.core.audit_actions import AuditAction
from dataplatform.core.errors import ApplicationError
from dataplatform.core.models import Role
from dataplatform.core.pages import page_action
from dataplatform.core.people import is_government_staff
from dataplatform.core.request_types import AuthenticatedHttpRequest
from dataplatform.core.templatetags.readable import grouped

from .access import (
    can_read_records,
    report_kind,
    reportable_items,
    reportable_resources,
    resource_for_report,
    supervised_units,
    ticket_for_user,
)
from .forms import ActForm, ReportForm
from .models import TicketKind
from .selectors import (
    correction_statistics,
    producer_history,
    producer_queue,
    record_values,
    tickets_reported_by,
    triage_queue,
)
from .services import ticket_report
from .workflow import allowed_actions, step_title, ticket_act


def _is_producer_person(user) -> bool:
    return is_government_staff(user, Role.DATA_ADMIN, Role.LEADER)


@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    context = {
        "tickets": tickets_reported_by(user)[:100],
        "can_report": report_kind(user) is not None,
        "is_evaluator": user.has_role(Role.EVALUATOR),
        "is_producer": _is_producer_person(user),
        "is_supervisor": user.has_role(Role.REVIEWER, Role.PLATFORM_ADMIN),
    }
    return render(request, "correction/home.html", context)


def _current_values(request: HttpRequest, resource, items: list[dict]) -> list[tuple[dict, object]] | None:
    """Prefill: a reporting unit sees the record's current values of the items its grant covers."""
    key = request.GET.get("key", "").strip()
    if request.method != "GET" or not key or not items or report_kind(request.user) != TicketKind.REPORT:
        return None
    names = [item["name"] for item in items]
    values = record_values(actor=request.user, resource=resource, keys=[key], items=names, request=request)
    record = values[key]
    if record is None:
        return None
    return [(item, record[item["name"]]) for item in items]


@login_required
def report(request: AuthenticatedHttpRequest) -> HttpResponse:
    """``/correction/report/?resource=<id>&key=<key>[&item=<name>]``, prefilled from a record; without a
    resource, a first step to choose it."""
    kind = report_kind(request.user)
    if kind is None:
        raise PermissionDenied
    resource_id = request.POST.get("resource") or request.GET.get("resource")
    if not resource_id:
        return render(
            request,
            "correction/report_choose.html",
            {"resources": reportable_resources(request.user), "kind": kind},
        )
    resource = resource_for_report(request.user, resource_id)
    items = reportable_items(request.user, resource)
    initial = {"keys": request.GET.get("key", ""), "items": request.GET.getlist("item")}
    form = ReportForm(request.POST or None, request.FILES or None, items=items, initial=initial)
    if request.method == "POST" and form.is_valid():
        ticket = page_action(
            request,
            lambda: ticket_report(
                actor=request.user, resource=resource, request=request, **form.cleaned_data
            ),
            success=_("Reported. The technical service unit will analyse it."),
            form=form,
        )
        if ticket is not None:
            return redirect("correction-ticket", pk=ticket.pk)
    context = {
        "form": form,
        "resource": resource,
        "kind": kind,
        "current": _current_values(request, resource, items),
        "key": request.GET.get("key", ""),
    }
    return render(request, "correction/report.html", context)


@login_required
def triage(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not request.user.has_role(Role.EVALUATOR):
        raise PermissionDenied
    return render(request, "correction/triage.html", {"tickets": triage_queue()})


@login_required
def queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    unit = request.user.unit
    if unit is None or not _is_producer_person(request.user):
        raise PermissionDenied
    context = {"tickets": producer_queue(unit), "history": producer_history(unit)}
    return render(request, "correction/queue.html", context)


def _grouped(values: dict | None, decimals: set[str]) -> dict | None:
    if values is None:
        return None
    return {item: grouped(value) if item in decimals else value for item, value in values.items()}


@login_required
def ticket_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    ticket = ticket_for_user(request.user, pk)
    current = None
    if can_read_records(request.user, ticket):
        current = record_values(
            actor=request.user,
            resource=ticket.resource,
            keys=ticket.keys,
            items=ticket.items,
            target=ticket,
            request=request,
        )
    items = ticket.resource.items.values_list("name", "label", "item_type")
    labels = {name: label for name, label, _type in items}
    if current is not None:  # amounts read as 108,010, not 108010
        decimals = {name for name, _label, item_type in items if item_type == ItemType.DECIMAL}
        current = {key: _grouped(values, decimals) for key, values in current.items()}
    context = {
        "ticket": ticket,
        "items": [(name, labels.get(name, name)) for name in ticket.items],  # a person reads the labels
        "steps": [(step, step_title(step.action)) for step in ticket.steps.all()],
        "actions": allowed_actions(request.user, ticket),
        "current": current,
    }
    return render(request, "correction/ticket.html", context)


@login_required
@require_POST
def ticket_act_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    ticket = ticket_for_user(request.user, pk)
    form = ActForm(request.POST)
    form.is_valid()
    try:
        ticket = ticket_act(
            ticket=ticket,
            action=form.cleaned_data.get("action", ""),
            actor=request.user,
            opinion=form.cleaned_data.get("opinion", ""),
            request=request,
        )
        messages.success(
            request, _("Done: the ticket is now %(status)s.") % {"status": ticket.get_status_display()}
        )
    except ApplicationError as exc:
        # Every refusal, "not you" included, is said on the ticket's page: the person saw the ticket.
        messages.error(request, exc.message)
    return redirect("correction-ticket", pk=pk)


@login_required
def statistics(request: AuthenticatedHttpRequest) -> HttpResponse:
    rows = correction_statistics(units=supervised_units(request.user))
    return render(request, "correction/statistics.html", {"rows": rows})


@login_required
def ticket_attachment(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    ticket = ticket_for_user(request.user, pk)
    if not ticket.attachment:
        raise Http404
    # Recorded before the file is opened: a download whose audit event cannot be written returns nothing.
    audit_record(
        action=AuditAction.CORRECTION_ATTACHMENT_DOWNLOAD, actor=request.user, request=request, target=ticket
    )
    return FileResponse(ticket.attachment.open("rb"), as_attachment=True)
