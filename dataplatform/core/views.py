from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dataplatform.core.request_types import AuthenticatedHttpRequest

from .access import api_key_for_user, api_keys_visible_to, can_manage_api_keys
from .apikeys import IssuedKey, api_key_issue, api_key_revoke
from .audit_actions import AuditAction
from .events import Outcome, record_event
from .forms import ApiKeyForm
from .models import Notification
from .notifications import notification_mark_read
from .pages import page_action
from .people import awaits_identity, awaits_role
from .workbench import (
    identity_awaited_by,
    next_step_for,
    pending_work_for,
    recent_activity_for,
    role_awaited_by,
    shortcuts_for,
    todo_counts,
    todo_list,
)


class LoginView(auth_views.LoginView):
    """Django's login, with every success and failure written to the audit log (Q8.4)."""

    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        record_event(action=AuditAction.LOGIN, actor=form.get_user(), request=self.request)
        return response

    def form_invalid(self, form):
        record_event(
            action=AuditAction.LOGIN,
            outcome=Outcome.DENIED,
            request=self.request,
            detail={"username": self.request.POST.get("username", "")[:150]},
        )
        return super().form_invalid(form)


@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The person's workbench (core/workbench.py); for one at a unit with no role yet, whose approval
    they await; for one of an organization not yet verified, whose verification."""
    user = request.user
    if awaits_role(user):
        context = {"awaited": role_awaited_by(user), "shortcuts": shortcuts_for(user)}
        return render(request, "core/home.html", context)
    if awaits_identity(user):
        context = {"identity": identity_awaited_by(user), "shortcuts": shortcuts_for(user)}
        return render(request, "core/home.html", context)
    todos = todo_list(pending_work_for(user), today=timezone.localdate())
    context = {
        "todos": todos,
        "counts": todo_counts(todos),
        "activity": recent_activity_for(user),
        "shortcuts": shortcuts_for(user),
        "next_step": next_step_for(user),
    }
    return render(request, "core/home.html", context)


@login_required
def notification_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.method == "POST":
        notification_mark_read(user=request.user)
        return redirect("notifications")
    notifications = Notification.objects.filter(recipient=request.user)[:200]
    return render(request, "core/notifications.html", {"notifications": notifications})


@login_required
def api_key_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    issued = None
    form = ApiKeyForm(request.POST or None)
    if request.method == "POST":
        unit = request.user.unit
        if unit is None or not can_manage_api_keys(request.user):
            raise PermissionDenied
        if form.is_valid():

            @transaction.atomic
            def issue() -> IssuedKey:
                return api_key_issue(actor=request.user, unit=unit, **form.cleaned_data)

            issued = page_action(request, issue, form=form)
            if issued is not None:
                form = ApiKeyForm()
    return render(
        request,
        "core/api_keys.html",
        {
            "api_keys": api_keys_visible_to(request.user),
            "form": form,
            "issued": issued,
            "can_manage": can_manage_api_keys(request.user),
        },
    )


@login_required
@require_POST
def api_key_revoke_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    api_key = api_key_for_user(request.user, pk, write=True)
    api_key_revoke(actor=request.user, api_key=api_key)
    messages.success(request, _("The key %(prefix)s… is revoked.") % {"prefix": api_key.prefix})
    return redirect("api-keys")
