from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render

from dataplatform.core.models import Role
from dataplatform.core.request_types import AuthenticatedHttpRequest

from .selectors import audit_verify


@login_required
def verify(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The authority's reviewers and the platform's administrators supervise the log (Q8.4)."""
    if not request.user.has_role(Role.REVIEWER, Role.PLATFORM_ADMIN):
        raise PermissionDenied
    return render(request, "audit/verify.html", {"report": audit_verify()})
