"""/units/verifications/: public organizations' registration documents (issue 18): the authority's queue
of registrations to verify, and an organization's own status, documents and upload."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .identity import (
    can_verify,
    identity_decide,
    identity_proof_read,
    identity_proof_submit,
    organizations_for_verification,
    proofs_visible_to,
)
from .models import IdentityStatus, Role
from .pages import page_action
from .request_types import AuthenticatedHttpRequest


def _is_verifier(user) -> bool:
    return user.has_role(Role.REVIEWER, Role.PLATFORM_ADMIN)


def _is_organization_admin(user) -> bool:
    return user.unit is not None and user.unit.is_public_organization and user.has_role(Role.DATA_ADMIN)


@login_required
def verifications(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    if not (_is_verifier(user) or _is_organization_admin(user)):
        raise PermissionDenied
    organizations = organizations_for_verification(user).prefetch_related("identity_proofs")
    status = request.GET.get("status", IdentityStatus.UNVERIFIED if _is_verifier(user) else "")
    if status in IdentityStatus.values:
        organizations = organizations.filter(identity_status=status)
    rows = [(unit, can_verify(user, unit)) for unit in organizations.order_by("-created_at")[:200]]
    return render(
        request,
        "core/identity.html",
        {
            "rows": rows,
            "status": status,
            "statuses": IdentityStatus.choices,
            "own": user.unit if _is_organization_admin(user) else None,
            "unverified": IdentityStatus.UNVERIFIED,
        },
    )


@login_required
@require_POST
def verification_decide(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    unit = organizations_for_verification(request.user).filter(pk=pk).first()
    if unit is None:
        raise Http404
    page_action(
        request,
        lambda: identity_decide(
            actor=request.user,
            unit=unit,
            approve=request.POST.get("approve") == "1",
            note=request.POST.get("note", ""),
            request=request,
        ),
        success=_("Decided."),
    )
    return redirect("organization-verifications")


@login_required
@require_POST
def proof_upload(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not _is_organization_admin(request.user):
        raise PermissionDenied
    document = request.FILES.get("document")
    if document is None:
        messages.error(request, _("Choose the registration document to upload."))
    else:
        page_action(
            request,
            lambda: identity_proof_submit(actor=request.user, document=document, request=request),
            success=_("Submitted to the data authority for verification."),
        )
    return redirect("organization-verifications")


@login_required
def proof_download(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    """The verifiers and the organization's own people only; anyone else 404. Each reading is audited."""
    proof = proofs_visible_to(request.user).filter(pk=pk).first()
    if proof is None:
        raise Http404
    try:
        handle = proof.file.open("rb")
    except FileNotFoundError:  # the scan is gone from storage (a restore without MEDIA_ROOT): say so, no 500
        raise Http404 from None
    identity_proof_read(actor=request.user, proof=proof, request=request)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=proof.original_name,
        content_type=proof.content_type,
    )
