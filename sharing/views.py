"""Web pages under /sharing/: the application wizard, my applications, the queue, an application's
page with its timeline and action buttons, and the grants page. Interfaces only: the rules are in
services.py and workflow.py."""

from pathlib import PurePath

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Prefetch, prefetch_related_objects
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from audit.services import audit_record
from catalog.access import resources_visible_to
from catalog.models import Resource, ResourceStatus, ServiceMethod
from catalog.search.selectors import resource_search
from catalog.search.text import CappedPaginator
from dataplatform.core.actors import acts_for
from dataplatform.core.audit_actions import AuditAction
from dataplatform.core.models import Role
from dataplatform.core.pages import page_action
from dataplatform.core.people import is_government_staff
from dataplatform.core.request_types import AuthenticatedHttpRequest
from dataplatform.core.site import absolute_url

from .access import application_for_user, applications_visible_to, grant_for_user, grants_visible_to
from .forms import ApplicationForm, LineForm, ResourceSearchForm, UsageReportForm, offered_methods
from .misuse import grant_usage
from .models import OPEN_STATUSES, Application, ApplicationLine, ApplicationStatus, Grant
from .services import (
    APPLICATION_FIELDS,
    EDITABLE,
    application_create,
    application_update,
    attachment_add,
    grant_change,
    usage_report_file,
)
from .steppers import application_stages, wizard_steps
from .workflow import ACTIONS, allowed_actions, application_act, grant_moves, is_applicant, needs_basis

CHOOSER_PAGE_SIZE = 20


def can_apply(user) -> bool:
    return is_government_staff(user)  # as application_create requires


# --- the wizard ------------------------------------------------------------------------------------


def _picked_resource(request: HttpRequest) -> Resource | None:
    """Step 1's answer, ``?resource=<id>``: an available entry the person may see, or 404."""
    raw = request.GET.get("resource")
    if not raw:
        return None
    available = resources_visible_to(request.user).filter(published_version__isnull=False)
    resource = (
        available.exclude(status=ResourceStatus.RETIRED).filter(pk=raw).first() if raw.isdigit() else None
    )
    if resource is None:
        raise Http404
    return resource


def _chooser(
    request: AuthenticatedHttpRequest, *, pick_url: str, application: Application | None = None
) -> HttpResponse:
    """Step 1: find a resource by words, or pick one from the list of published entries."""
    form = ResourceSearchForm(request.GET)
    q = form.cleaned_data["q"] if form.is_valid() else ""
    resources = resource_search(user=request.user, q=q).exclude(producer=request.user.unit_id)
    if application is not None:
        resources = resources.exclude(pk__in=application.lines.values("resource"))
    page = CappedPaginator(resources, CHOOSER_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "sharing/apply_choose.html",
        {
            "form": form,
            "page": page,
            "pick_url": pick_url,
            "application": application,
            "steps": wizard_steps(),
        },
    )


@login_required
def apply(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not can_apply(request.user):
        raise PermissionDenied
    resource = _picked_resource(request)
    if resource is None:
        return _chooser(request, pick_url=reverse("sharing-apply") + "?resource=")
    return _application_form(request, application=None, resources=[resource])


@login_required
def application_add_resource(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    application = _editable(request, pk)
    if isinstance(application, HttpResponse):
        return application
    pick_url = reverse("sharing-application-edit", args=[pk]) + "?resource="
    return _chooser(request, pick_url=pick_url, application=application)


@login_required
def application_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    application = _editable(request, pk)
    if isinstance(application, HttpResponse):
        return application
    lines = list(application.lines.select_related("resource__producer"))
    resources = [line.resource for line in lines]
    added = _picked_resource(request)
    if added is not None and added not in resources:
        resources.append(added)
    chosen = {line.resource_id: line.items for line in lines}
    return _application_form(request, application=application, resources=resources, chosen=chosen)


def _editable(request: AuthenticatedHttpRequest, pk: int) -> Application | HttpResponse:
    application = application_for_user(request.user, pk)
    if not is_applicant(request.user, application):
        raise PermissionDenied
    if application.status not in EDITABLE:
        messages.error(request, _("Only a draft or a returned application can be changed."))
        return redirect("sharing-application", pk=pk)
    return application


def _application_form(
    request: AuthenticatedHttpRequest,
    *,
    application: Application | None,
    resources: list[Resource],
    chosen: dict[int, list[str]] | None = None,
) -> HttpResponse:
    """Steps 2 to 4 on one page: the items of each resource, the method, the details and papers."""
    chosen = chosen or {}
    data, files = (request.POST, request.FILES) if request.method == "POST" else (None, None)
    lines = [
        LineForm(
            data,
            resource=resource,
            removable=application is not None and len(resources) > 1,
            initial={"items": chosen.get(resource.pk, [])},
        )
        for resource in resources
    ]
    methods = offered_methods(resources)
    form = ApplicationForm(
        data,
        files,
        methods=methods,
        has_papers=application is not None and application.attachments.exists(),
        initial={name: getattr(application, name) for name in APPLICATION_FIELDS} if application else None,
    )
    if request.method == "POST":
        lines_valid = all([line.is_valid() for line in lines])  # a list: show every line's errors
        if form.is_valid() and lines_valid:
            saved = _save(request, form, lines, application)
            if saved is not None:
                return redirect("sharing-application", pk=saved.pk)
    return render(
        request,
        "sharing/application_form.html",
        {
            "form": form,
            "lines": lines,
            "application": application,
            "attachments": application.attachments.all() if application else [],
            "not_shared": any(r.share_type == "not_shared" for r in resources),
            "failed": request.method == "POST",  # a saved form redirects
            "no_common_method": not methods,
            "steps": wizard_steps(lines=lines, form=form),
        },
    )


def _save(
    request: AuthenticatedHttpRequest,
    form: ApplicationForm,
    lines: list[LineForm],
    application: Application | None,
) -> Application | None:
    kept = [{"resource": line.resource, "items": line.cleaned_data["items"]} for line in lines if line.kept]
    if not kept:
        form.add_error(None, _("Keep at least one resource."))
        return None
    fields = {name: form.cleaned_data[name] for name in APPLICATION_FIELDS}

    def save() -> Application:
        # All or nothing: a refused attachment leaves no half-saved draft behind.
        with transaction.atomic():
            if application is None:
                saved = application_create(actor=request.user, lines=kept, request=request, **fields)
            else:
                saved = application_update(
                    actor=request.user, application=application, lines=kept, request=request, **fields
                )
            for title, file in form.papers():
                attachment_add(actor=request.user, application=saved, title=title, file=file, request=request)
        return saved

    return page_action(request, save, success=_("The draft is saved. Check it, then submit it."), form=form)


# --- lists -------------------------------------------------------------------------------------------


def _is_late(application: Application, today) -> bool:
    return application.is_overdue or (
        application.status in OPEN_STATUSES and application.due is not None and application.due < today
    )


@login_required
def application_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """My unit's applications, newest first."""
    applications = (
        applications_visible_to(request.user)
        .filter(applicant_unit=request.user.unit_id)
        .prefetch_related("lines__resource")
        .order_by("-created_at", "-id")
    )
    today = timezone.localdate()
    rows = [(application, _is_late(application, today)) for application in applications]
    return render(
        request,
        "sharing/application_list.html",
        {"rows": rows, "can_apply": can_apply(request.user)},
    )


@login_required
def queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The applications whose step this person owes, whatever their role, earliest due first."""
    candidates = (
        applications_visible_to(request.user)
        .filter(status__in=[*OPEN_STATUSES, ApplicationStatus.RETURNED])
        .select_related("applicant_unit__region")
        .prefetch_related("lines__resource__producer")
    )
    today = timezone.localdate()
    rows = []
    for application in candidates:
        actions = allowed_actions(request.user, application)
        if actions:
            rows.append(
                (application, [action.title for _name, action in actions], _is_late(application, today))
            )
    rows.sort(key=lambda row: (row[0].due is None, row[0].due, row[0].pk))
    return render(request, "sharing/queue.html", {"rows": rows})


# --- one application --------------------------------------------------------------------------------


# The lists an application's page leads back to: ``?from=`` names the one the person came from.
BACK_TO = {
    "queue": ("sharing-queue", gettext_lazy("Back to the queue")),
    "list": ("sharing-applications", gettext_lazy("Back to my unit's applications")),
}


def _came_from(request: AuthenticatedHttpRequest, application: Application) -> str:
    """The list the person came from; without a word of it, the unit's applications for the applying
    unit's people and the queue for everyone else (evaluators, producers, reviewers)."""
    named = request.GET.get("from") or request.POST.get("from")
    if named in BACK_TO:
        return named
    return "list" if application.applicant_unit_id == request.user.unit_id else "queue"


@login_required
def application_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    application = application_for_user(request.user, pk)
    # The stages' route reads the lines and their producers (workflow.route_after_submit): in one query.
    prefetch_related_objects(
        [application], Prefetch("lines", ApplicationLine.objects.select_related("resource__producer"))
    )
    lines = list(
        application.lines.select_related("resource__producer", "producer_answered_by").prefetch_related(
            "resource__items"
        )
    )
    for line in lines:
        labels = {item.name: item.label for item in line.resource.items.all()}
        # an attribute for the template
        line.item_labels = [(name, labels.get(name, name)) for name in line.items]  # type: ignore[attr-defined]
    history = list(application.steps.select_related("actor__unit"))
    steps = [
        (step, ACTIONS[step.action].title if step.action in ACTIONS else step.action) for step in history
    ]
    actions = allowed_actions(request.user, application)
    came_from = _came_from(request, application)
    back_url, back_label = BACK_TO[came_from]
    return render(
        request,
        "sharing/application_detail.html",
        {
            "application": application,
            "lines": lines,
            "steps": steps,
            "attachments": application.attachments.all(),
            "grants": application.grants.select_related("resource"),
            "actions": actions,
            "basis_actions": {name for name, action in actions if needs_basis(action)},
            "can_edit": application.status in EDITABLE and is_applicant(request.user, application),
            "is_late": _is_late(application, timezone.localdate()),
            "stages": application_stages(application, history),
            "came_from": came_from,
            "back": (reverse(back_url), back_label),
        },
    )


@login_required
@require_POST
def application_act_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    application = application_for_user(request.user, pk)
    acted = page_action(
        request,
        lambda: application_act(
            application=application,
            action=request.POST.get("action", ""),
            actor=request.user,
            opinion=request.POST.get("opinion", ""),
            basis=request.POST.get("basis", ""),
            request=request,
        ),
    )
    if acted is not None:
        messages.success(
            request,
            _("Done: the application is now %(status)s.") % {"status": acted.get_status_display()},
        )
    return redirect(reverse("sharing-application", args=[pk]) + f"?from={_came_from(request, application)}")


@login_required
def attachment_download(request: AuthenticatedHttpRequest, pk: int, attachment_pk: int) -> FileResponse:
    application = application_for_user(request.user, pk)
    attachment = application.attachments.filter(pk=attachment_pk).first()
    if attachment is None:
        raise Http404
    # Recorded before the file is opened: a download whose audit event cannot be written returns nothing.
    audit_record(
        action=AuditAction.APPLICATION_ATTACHMENT_DOWNLOAD,
        actor=request.user,
        request=request,
        target=application,
        detail={"attachment": attachment.pk},
    )
    return FileResponse(
        attachment.file.open("rb"), as_attachment=True, filename=PurePath(attachment.file.name).name
    )


# --- grants --------------------------------------------------------------------------------------------


@login_required
def grant_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _grants_page(request)


def _grants_page(
    request: AuthenticatedHttpRequest, *, bound: dict[int, UsageReportForm] | None = None
) -> HttpResponse:
    bound = bound or {}
    user = request.user
    grants = (
        grants_visible_to(user)
        .select_related("granted_by")
        .prefetch_related("resource__items", "usage_reports__filed_by", "events__actor")
    )
    is_reviewer = user.has_role(Role.REVIEWER)
    # Calls are counted against the limits on the data interface and verification; a push is not.
    usage = grant_usage([g for g in grants if g.service_method != ServiceMethod.BULK_EXCHANGE])
    rows = []
    for grant in grants:
        moves = grant_moves(user, grant) if is_reviewer else []
        holds = acts_for(user, grant.unit_id)
        form = bound.get(grant.pk) or (UsageReportForm(prefix=f"report-{grant.pk}") if holds else None)
        labels = {item.name: item.label for item in grant.resource.items.all()}
        rows.append(
            {
                "grant": grant,
                "items": [(name, labels.get(name, name)) for name in grant.items],
                "moves": moves,
                "report_form": form,
                "open": grant.pk in bound,
                "usage": usage.get(grant.pk),
            }
        )
    # The calls' examples name the platform's public address, whatever host the page was asked through.
    data_api = absolute_url("/api/v1/data/")
    return render(request, "sharing/grants.html", {"rows": rows, "data_api": data_api})


@login_required
@require_POST
def grant_change_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    grant = grant_for_user(request.user, pk)
    changed = page_action(
        request,
        lambda: grant_change(
            actor=request.user,
            grant=grant,
            move=request.POST.get("move", ""),
            reason=request.POST.get("reason", ""),
            request=request,
        ),
    )
    if changed is not None:
        messages.success(
            request, _("Done: the grant is now %(status)s.") % {"status": changed.get_status_display()}
        )
    return redirect(reverse("sharing-grants") + f"#grant-{pk}")


@login_required
@require_POST
def usage_report_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    grant: Grant = grant_for_user(request.user, pk)
    if not acts_for(request.user, grant.unit_id):
        raise PermissionDenied
    form = UsageReportForm(request.POST, prefix=f"report-{pk}")
    if form.is_valid():
        report = page_action(
            request,
            lambda: usage_report_file(actor=request.user, grant=grant, request=request, **form.cleaned_data),
            success=_("The usage report is filed."),
            form=form,
        )
        if report is not None:
            return redirect(reverse("sharing-grants") + f"#grant-{pk}")
    return _grants_page(request, bound={pk: form})
