"""Pages under /governance/: thin views over the services, selectors and the workflow."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.services import audit_record
from catalog.models import Resource
from correction.access import published_items
from dataplatform.core.audit_actions import AuditAction
from dataplatform.core.errors import ApplicationError
from dataplatform.core.models import Role
from dataplatform.core.pages import page_action
from dataplatform.core.people import awaits_identity, is_government_staff
from dataplatform.core.request_types import AuthenticatedHttpRequest
from dataplatform.core.workbench import identity_awaited_by

from . import access
from .disputes import dispute_record
from .forms import (
    AssetForm,
    AssetLinkForm,
    AuthorizationForm,
    ComplaintForm,
    DisputeForm,
    IdentityForm,
    ObjectionForm,
    ProjectForm,
)
from .holdings import subject_of
from .models import Step, StepDocument, SubjectIdentity
from .projects import project_asset_add, project_asset_link, project_register
from .readiness import project_readiness
from .subjects import (
    authorization_grant,
    complaint_submit,
    copy_download,
    copy_request_create,
    holdings_search,
    objection_file,
    subject_identity_verify,
)
from .workflow import act, allowed_actions, is_project_unit, is_subject, steps_of

# The lifecycles a page may act on: the access helper that fetches the object and where to go back.
ACTABLE = {
    "project": (access.project_for_user, lambda obj: f"/governance/projects/{obj.pk}/"),
    "copy": (access.copy_for_user, lambda obj: "/governance/copies/"),
    "authorization": (access.authorization_for_user, lambda obj: "/governance/subject/"),
    "complaint": (access.complaint_for_user, lambda obj: "/governance/complaints/"),
    "dispute": (access.dispute_for_user, lambda obj: f"/governance/disputes/{obj.pk}/"),
}


def _government_data_admin(user) -> bool:
    return is_government_staff(user)


def with_actions(user, objects) -> list[tuple]:
    return [(obj, allowed_actions(user, obj)) for obj in objects]


@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    context = {
        "is_subject": subject_of(user) is not None,
        "is_citizen": user.unit is None,
        "is_unit": user.unit is not None,
        "is_reviewer": user.has_role(Role.REVIEWER),
        "is_platform_admin": user.has_role(Role.PLATFORM_ADMIN),
    }
    return render(request, "governance/home.html", context)


@login_required
@require_POST
def act_view(request: AuthenticatedHttpRequest, kind: str, pk: int) -> HttpResponse:
    if kind not in ACTABLE:
        raise Http404
    fetch, back = ACTABLE[kind]
    obj = fetch(request.user, pk)
    moved = page_action(
        request,
        lambda: act(
            obj=obj,
            action=request.POST.get("action", ""),
            actor=request.user,
            opinion=request.POST.get("opinion", ""),
            documents=request.FILES.getlist("documents"),
            request=request,
        ),
    )
    if moved is not None:
        obj = moved
        messages.success(request, _("Done: now %(status)s.") % {"status": obj.get_status_display()})
    return redirect(back(obj))


# --- projects ----------------------------------------------------------------------------------------


@login_required
def projects(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    form = (
        ProjectForm(request.POST or None, unit=user.unit)
        if _government_data_admin(user) and user.unit is not None  # (staff always have their unit)
        else None
    )
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            project = page_action(
                request, lambda: project_register(actor=user, request=request, **form.cleaned_data), form=form
            )
            if project is not None:
                return redirect("governance-project", pk=project.pk)
    rows = [(p, project_readiness(p)) for p in access.projects_visible_to(user).prefetch_related("assets")]
    return render(request, "governance/projects.html", {"rows": rows, "form": form})


@login_required
def project_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    project = access.project_for_user(request.user, pk)
    is_owner = is_project_unit(request.user, project)
    context = {
        "project": project,
        "readiness": project_readiness(project),
        "actions": allowed_actions(request.user, project),
        "steps": steps_of(project),
        "asset_form": AssetForm() if is_owner and project.status == "feasibility" else None,
        "link_form": AssetLinkForm(unit=project.unit) if is_owner and project.status != "accepted" else None,
    }
    return render(request, "governance/project.html", context)


@login_required
@require_POST
def project_asset(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    project = access.project_for_user(request.user, pk)
    page_action(request, lambda: _asset_post(request, project), success=_("Saved."))
    return redirect("governance-project", pk=pk)


def _asset_post(request: AuthenticatedHttpRequest, project) -> None:
    """A new asset, or the catalog entry that registers one."""
    asset_pk = request.POST.get("asset")
    form: AssetLinkForm | AssetForm
    if asset_pk:
        asset = project.assets.filter(pk=asset_pk).first() if asset_pk.isdigit() else None
        if asset is None:
            raise Http404
        form = AssetLinkForm(request.POST, unit=project.unit)
        form.is_valid()
        project_asset_link(
            actor=request.user, asset=asset, resource=form.cleaned_data.get("resource"), request=request
        )
    else:
        form = AssetForm(request.POST)
        if form.is_valid():
            project_asset_add(actor=request.user, project=project, request=request, **form.cleaned_data)


# --- data subjects -----------------------------------------------------------------------------------


def _subject_post(request: AuthenticatedHttpRequest, auth_form, complaint_form) -> bool:
    """One of the subject page's three forms; True when it was taken."""
    user, which = request.user, request.POST.get("form")
    if which == "authorization" and auth_form.is_valid():
        authorization_grant(actor=user, request=request, **auth_form.cleaned_data)
        messages.success(request, _("Authorization recorded."))
        return True
    if which == "complaint" and complaint_form.is_valid():
        complaint_submit(actor=user, request=request, **complaint_form.cleaned_data)
        messages.success(request, _("Complaint sent to the data authority."))
        return True
    if which == "copy":
        resource_pk = request.POST.get("resource", "")
        resource = Resource.objects.filter(pk=resource_pk).first() if resource_pk.isdigit() else None
        if resource is None:
            raise Http404
        copy_request_create(actor=user, resource=resource, request=request)
        messages.success(request, _("Copy requested from the producing unit."))
        return True
    return False


@login_required
def subject_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    if subject_of(user) is None:
        awaited = identity_awaited_by(user) if awaits_identity(user) else None
        return render(request, "governance/subject_unverified.html", {"identity": awaited})
    subject, holdings = holdings_search(actor=user, request=request)
    which = request.POST.get("form") if request.method == "POST" else None
    resources = [h.resource for h in holdings]
    auth_form = AuthorizationForm(request.POST if which == "authorization" else None, resources=resources)
    complaint_form = ComplaintForm(request.POST if which == "complaint" else None)
    if which and page_action(request, lambda: _subject_post(request, auth_form, complaint_form)):
        return redirect("governance-subject")
    mine = {"subject_kind": subject.kind, "subject_id": subject.identifier}  # a company's colleagues too
    context = {
        "subject": subject,
        "holdings": holdings,
        "copies": with_actions(user, access.copies_visible_to(user).filter(**mine)),
        "authorizations": with_actions(user, access.authorizations_visible_to(user).filter(**mine)),
        "complaints": access.complaints_visible_to(user).filter(**mine),
        "auth_form": auth_form,
        "complaint_form": complaint_form,
    }
    return render(request, "governance/subject.html", context)


@login_required
def objection(request: AuthenticatedHttpRequest, resource_pk: int) -> HttpResponse:
    subject = subject_of(request.user)
    if subject is None:
        raise PermissionDenied
    _subject, holdings = holdings_search(actor=request.user, request=request)
    holding = next((h for h in holdings if h.resource.pk == resource_pk), None)
    if holding is None:
        raise Http404
    form = ObjectionForm(
        request.POST or None,
        request.FILES or None,
        keys=holding.keys,
        items=published_items(holding.resource),
    )
    if request.method == "POST" and form.is_valid():
        ticket = page_action(
            request,
            lambda: objection_file(
                actor=request.user, resource=holding.resource, request=request, **form.cleaned_data
            ),
            success=_("Objection filed. The technical service unit will analyse it."),
            form=form,
        )
        if ticket is not None:
            return redirect("correction-ticket", pk=ticket.pk)
    return render(request, "governance/objection.html", {"form": form, "holding": holding})


@login_required
def copies(request: AuthenticatedHttpRequest) -> HttpResponse:
    rows = with_actions(request.user, access.copies_visible_to(request.user)[:200])
    return render(request, "governance/copies.html", {"rows": rows})


@login_required
def copy_file(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    copy = access.copy_for_user(request.user, pk)
    if not is_subject(request.user, copy):
        raise PermissionDenied
    try:
        records = copy_download(actor=request.user, copy=copy, request=request)
    except ApplicationError as exc:
        raise Http404 from exc
    response = HttpResponse(
        json.dumps({"resource": copy.resource.code, "records": records}, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="copy-{copy.pk}.json"'
    return response


@login_required
def authorizations(request: AuthenticatedHttpRequest) -> HttpResponse:
    rows = with_actions(request.user, access.authorizations_visible_to(request.user))
    return render(request, "governance/authorizations.html", {"rows": rows})


@login_required
def complaints(request: AuthenticatedHttpRequest) -> HttpResponse:
    rows = with_actions(request.user, access.complaints_visible_to(request.user))
    return render(request, "governance/complaints.html", {"rows": rows})


@login_required
def identities(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not request.user.has_role(Role.PLATFORM_ADMIN):
        raise PermissionDenied
    form = IdentityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        identity = page_action(
            request,
            lambda: subject_identity_verify(actor=request.user, request=request, **form.cleaned_data),
            success=_("Identity recorded."),
            form=form,
        )
        if identity is not None:
            return redirect("governance-identities")
    rows = SubjectIdentity.objects.select_related("user", "verified_by").order_by("-verified_at")[:200]
    return render(request, "governance/identities.html", {"form": form, "rows": rows})


# --- disputes ----------------------------------------------------------------------------------------


@login_required
def disputes(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    form = (
        DisputeForm(request.POST or None, request.FILES or None, unit=user.unit)
        if _government_data_admin(user) and user.unit is not None  # (staff always have their unit)
        else None
    )
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "documents"}
            dispute = page_action(
                request,
                lambda: dispute_record(
                    actor=user, request=request, documents=request.FILES.getlist("documents"), **data
                ),
                form=form,
            )
            if dispute is not None:
                return redirect("governance-dispute", pk=dispute.pk)
    return render(
        request, "governance/disputes.html", {"rows": access.disputes_visible_to(user), "form": form}
    )


@login_required
def dispute_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    dispute = access.dispute_for_user(request.user, pk)
    context = {
        "dispute": dispute,
        "actions": allowed_actions(request.user, dispute),
        "steps": steps_of(dispute),
    }
    return render(request, "governance/dispute.html", context)


def _step_owner(user, step: Step):
    kinds = {"dispute": access.dispute_for_user, "project": access.project_for_user}
    if step.subject not in kinds:
        raise Http404
    return kinds[step.subject](user, step.object_id)


@login_required
def document(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    doc = StepDocument.objects.select_related("step").filter(pk=pk).first()
    if doc is None:
        raise Http404
    owner = _step_owner(request.user, doc.step)  # 404 unless the caller sees the dispute or project
    with transaction.atomic():  # who read which document, as for the attachments of applications (issue 18)
        audit_record(
            action=AuditAction.GOVERNANCE_DOCUMENT_DOWNLOAD,
            actor=request.user,
            request=request,
            target=owner,
            detail={"document": doc.pk, "name": doc.original_name, "step": doc.step_id},
        )
    return FileResponse(doc.file.open("rb"), as_attachment=True, filename=doc.original_name)
