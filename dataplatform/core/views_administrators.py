"""/units/administrators/: a unit's real-name register of its leader and data administrators (Q9.2),
the changes of person it files, and the authority's queue of them."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dataplatform.core.request_types import AuthenticatedHttpRequest

from .administrators import (
    can_file_for,
    personnel_change_decide,
    personnel_change_file,
    personnel_changes_visible_to,
    unit_registered_people,
    units_visible_for_registration,
)
from .models import PersonnelChangeStatus, Role, Unit, User
from .models.administrators import REGISTERED_ROLES
from .models.units import UnitKind
from .pages import page_action


@login_required
def administrators(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    if user.has_role(Role.REVIEWER, Role.PLATFORM_ADMIN):
        # The authority sees the register of every government unit it supervises.
        units = units_visible_for_registration(user).filter(kind=UnitKind.GOVERNMENT, is_active=True)
    elif user.unit is not None:
        units = Unit.objects.filter(pk=user.unit.pk)
    else:
        raise PermissionDenied
    registers: list[dict[str, Any]] = [
        {
            "unit": unit,
            "people": unit_registered_people(unit),
            "staff": User.objects.filter(unit=unit, is_active=True).order_by("real_name"),
            "can_file": can_file_for(request.user, unit),
        }
        for unit in units
    ]
    for register in registers:
        register["has_data_admin"] = any(p.role == Role.DATA_ADMIN for p in register["people"])
    changes = personnel_changes_visible_to(request.user)
    return render(
        request,
        "core/administrators.html",
        {
            "registers": registers,
            "changes": changes[:100],
            "roles": [(r.value, r.label) for r in REGISTERED_ROLES],
            "is_reviewer": request.user.has_role(Role.REVIEWER),
            "filed": PersonnelChangeStatus.FILED,
        },
    )


def _person_of(unit_id: int, pk: str | None) -> User | None:
    return User.objects.filter(pk=pk, unit_id=unit_id).first() if pk and pk.isdigit() else None


@login_required
@require_POST
def personnel_change_file_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    post = request.POST
    unit = units_visible_for_registration(request.user).filter(pk=post.get("unit") or 0).first()
    if unit is None:
        raise Http404
    # The model's own checks (a malformed phone number, say) are shown like the rules' refusals.
    page_action(
        request,
        lambda: personnel_change_file(
            actor=request.user,
            unit=unit,
            role=post.get("role", ""),
            incoming=_person_of(unit.pk, post.get("incoming")),
            outgoing=_person_of(unit.pk, post.get("outgoing")),
            real_name=post.get("real_name", ""),
            phone=post.get("phone", ""),
            email=post.get("email", ""),
            reason=post.get("reason", ""),
            request=request,
        ),
        success=_("Filed with the data authority."),
    )
    return redirect("administrators")


@login_required
@require_POST
def personnel_change_decide_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    change = personnel_changes_visible_to(request.user).filter(pk=pk).first()
    if change is None:
        raise Http404
    page_action(
        request,
        lambda: personnel_change_decide(
            actor=request.user,
            change=change,
            approve=request.POST.get("approve") == "1",
            note=request.POST.get("note", ""),
            request=request,
        ),
        success=_("Decided."),
    )
    return redirect("administrators")
