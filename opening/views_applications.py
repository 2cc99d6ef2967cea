"""/open/applications/: on-application opening, from the organization's application to its grant."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from catalog.models import OpenType
from dataplatform.core.errors import ApplicationError
from dataplatform.core.pages import page_action
from dataplatform.core.people import awaits_identity
from dataplatform.core.request_types import AuthenticatedHttpRequest

from .access import application_for_user, applications_visible_to
from .applications import (
    ACTIONS,
    AGREEMENT_VERSION,
    allowed_actions,
    open_application_submit,
    open_application_transition,
)
from .forms import ApplicationForm, RegistrationForm
from .registration import organization_register
from .selectors import public_entry


@login_required
def application_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request, "opening/applications.html", {"applications": applications_visible_to(request.user)}
    )


@login_required
def application_new(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    entry = public_entry(slug)
    if not (entry.is_public and entry.open_type == OpenType.ON_APPLICATION):
        raise Http404
    if awaits_identity(request.user):  # issue 18: said plainly, before a form it could not send
        return render(request, "opening/application_form.html", {"entry": entry, "identity_pending": True})
    form = ApplicationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        application = page_action(
            request,
            lambda: open_application_submit(
                actor=request.user, entry=entry, request=request, **form.cleaned_data
            ),
            form=form,
        )
        if application is not None:
            return redirect("open-application", application.pk)
    return render(request, "opening/application_form.html", {"entry": entry, "form": form})


@login_required
def application_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    application = application_for_user(request.user, pk)
    return render(
        request,
        "opening/application.html",
        {
            "application": application,
            "actions": allowed_actions(request.user, application),
            "changes": application.changes.select_related("actor"),
            "grant": getattr(application, "grant", None),
            "agreement_version": AGREEMENT_VERSION,
        },
    )


@login_required
@require_POST
def application_action(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    application = application_for_user(request.user, pk)
    action = request.POST.get("action", "")
    if action not in ACTIONS:
        raise Http404
    page_action(
        request,
        lambda: open_application_transition(
            application=application,
            action=action,
            actor=request.user,
            note=request.POST.get("note", ""),
            agreement_version=request.POST.get("agreement_version", ""),
            request=request,
        ),
        success=_("Done."),
    )
    return redirect("open-application", pk)


def agreement(request: HttpRequest) -> HttpResponse:
    return render(request, "opening/agreement.html", {"version": AGREEMENT_VERSION})


def organization_register_view(request: HttpRequest) -> HttpResponse:
    form = RegistrationForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        user = page_action(
            request,
            lambda: _register(request, form.cleaned_data),
            success=_(
                "Registered. The data authority verifies your registration document; log in to follow it."
            ),
            form=form,
        )
        if user is not None:
            return redirect("login")
    return render(request, "opening/register.html", {"form": form})


def _register(request: HttpRequest, data: dict):
    """A refusal of the account's own checks is shown as one message above the form."""
    try:
        with transaction.atomic():
            return organization_register(request=request, **data)
    except ValidationError as exc:
        raise ApplicationError(" ".join(exc.messages)) from exc
