"""Pages: the collection catalog and source checks (/catalog/collection/), temporary collection and
emergencies (/catalog/temporary/, /catalog/emergencies/<id>/)."""

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dataplatform.core.errors import ApplicationError
from dataplatform.core.models import Role, Unit
from dataplatform.core.pages import page_action
from dataplatform.core.people import is_government_staff, regions_reviewed_by
from dataplatform.core.request_types import AuthenticatedHttpRequest

from ..models import CollectionItem, Disposal, Resource, SourceCheckStatus
from .emergency import (
    awaiting_disposal,
    emergencies_visible_to,
    emergency_declare,
    emergency_end,
    temporary_collection_dispose,
    temporary_collection_record,
    temporary_collections_visible_to,
)
from .services import (
    collection_catalog_search,
    collection_item_create,
    source_conflict_decide,
    source_conflicts_visible_to,
    source_resources,
)


def _date(value: str | None) -> dt.date:
    try:
        return dt.date.fromisoformat(value or "")
    except ValueError as exc:
        raise ApplicationError(_("Enter dates as YYYY-MM-DD.")) from exc


def _government_only(request: AuthenticatedHttpRequest) -> None:
    unit = request.user.unit
    if not (unit is not None and unit.is_government) and not request.user.has_role(Role.PLATFORM_ADMIN):
        raise PermissionDenied


@login_required
def collection_catalog(request: AuthenticatedHttpRequest) -> HttpResponse:
    _government_only(request)
    q = request.GET.get("q", "").strip()[:100]
    unit = request.GET.get("unit") or None
    items = collection_catalog_search(q=q, unit=int(unit) if unit and unit.isdigit() else None)
    rows = [{"item": item, "resources": source_resources(item)} for item in items[:200]]
    is_reviewer = request.user.has_role(Role.REVIEWER)
    checks = source_conflicts_visible_to(request.user).order_by("status", "-flagged_at")
    return render(
        request,
        "catalog/collection.html",
        {
            "rows": rows,
            "q": q,
            "unit": unit,
            "units": Unit.objects.filter(kind__in=("government", "authority", "tech_service")),
            "is_reviewer": is_reviewer,
            "source_units": Unit.objects.filter(region__in=regions_reviewed_by(request.user)),
            "checks": checks,
            "pending": SourceCheckStatus.PENDING,
        },
    )


@login_required
@require_POST
def collection_item_add(request: AuthenticatedHttpRequest) -> HttpResponse:
    source_unit = Unit.objects.filter(pk=request.POST.get("source_unit") or 0).first()

    def create() -> CollectionItem:
        if source_unit is None:
            raise ApplicationError(_("Choose the legal source unit."))
        return collection_item_create(
            actor=request.user,
            identifier=request.POST.get("identifier", "").strip(),
            label=request.POST.get("label", "").strip(),
            source_unit=source_unit,
            legal_basis=request.POST.get("legal_basis", ""),
            description=request.POST.get("description", ""),
            request=request,
        )

    page_action(request, create, success=_("The item is in the collection catalog."))
    return redirect("catalog-collection")


@login_required
@require_POST
def source_check_decide(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    conflict = source_conflicts_visible_to(request.user).filter(pk=pk).first()
    if conflict is None:
        raise Http404
    page_action(
        request,
        lambda: source_conflict_decide(
            actor=request.user,
            conflict=conflict,
            confirm=request.POST.get("confirm") == "1",
            note=request.POST.get("note", ""),
            request=request,
        ),
        success=_("Decided."),
    )
    back = request.POST.get("next", "")
    # Only back to one of our own catalog pages: never an address the form was given from outside.
    return redirect(back if back.startswith("/catalog/") and "//" not in back else "catalog-collection")


@login_required
def temporary_collections(request: AuthenticatedHttpRequest) -> HttpResponse:
    _government_only(request)
    collections = temporary_collections_visible_to(request.user)
    can_record = is_government_staff(request.user)
    emergencies = emergencies_visible_to(request.user).select_related("region")
    return render(
        request,
        "catalog/temporary.html",
        {
            "collections": collections,
            "to_dispose": awaiting_disposal(collections),
            "emergencies": emergencies,
            "open_emergencies": [e for e in emergencies if not e.is_over],
            "can_record": can_record,
            "can_declare": request.user.has_role(Role.REVIEWER),
            "my_resources": Resource.objects.filter(producer=request.user.unit) if can_record else [],
            "today": timezone.localdate(),
        },
    )


@login_required
@require_POST
def temporary_collection_add(request: AuthenticatedHttpRequest) -> HttpResponse:
    post = request.POST
    emergency = None
    if post.get("emergency"):
        emergency = emergencies_visible_to(request.user).filter(pk=post["emergency"]).first()
    resource = None
    if post.get("resource") and request.user.unit is not None:
        resource = Resource.objects.filter(pk=post["resource"], producer=request.user.unit).first()
    page_action(
        request,
        lambda: temporary_collection_record(
            actor=request.user,
            title=post.get("title", ""),
            data_items=post.get("data_items", ""),
            reason=post.get("reason", ""),
            starts_on=_date(post.get("starts_on")),
            ends_on=_date(post.get("ends_on")),
            emergency=emergency,
            contains_personal_info=post.get("contains_personal_info") == "1",
            resource=resource,
            request=request,
        ),
        success=_("Recorded and filed with the authority."),
    )
    return redirect("catalog-temporary")


@login_required
@require_POST
def temporary_collection_dispose_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    collection = temporary_collections_visible_to(request.user).filter(pk=pk).first()
    if collection is None:
        raise Http404
    page_action(
        request,
        lambda: temporary_collection_dispose(
            actor=request.user,
            collection=collection,
            disposal=request.POST.get("disposal", ""),
            note=request.POST.get("note", ""),
            request=request,
        ),
        success=_("The disposal is recorded."),
    )
    if collection.emergency_id:
        return redirect("catalog-emergency", pk=collection.emergency_id)
    return redirect("catalog-temporary")


@login_required
@require_POST
def emergency_declare_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    emergency = page_action(
        request,
        lambda: emergency_declare(
            actor=request.user,
            name=request.POST.get("name", ""),
            description=request.POST.get("description", ""),
            started_on=_date(request.POST.get("started_on")),
            request=request,
        ),
    )
    if emergency is not None:
        return redirect("catalog-emergency", pk=emergency.pk)
    return redirect("catalog-temporary")


@login_required
def emergency_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    emergency = emergencies_visible_to(request.user).select_related("region").filter(pk=pk).first()
    if emergency is None:
        raise Http404
    collections = temporary_collections_visible_to(request.user).filter(emergency=emergency)
    return render(
        request,
        "catalog/emergency.html",
        {
            "emergency": emergency,
            "collections": collections,
            "can_end": not emergency.is_over
            and regions_reviewed_by(request.user).filter(pk=emergency.region_id).exists(),
            "disposals": Disposal.choices,
            "today": timezone.localdate(),
        },
    )


@login_required
@require_POST
def emergency_end_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    emergency = emergencies_visible_to(request.user).filter(pk=pk).first()
    if emergency is None:
        raise Http404
    page_action(
        request,
        lambda: emergency_end(
            actor=request.user,
            emergency=emergency,
            ended_on=_date(request.POST.get("ended_on")),
            request=request,
        ),
        success=_("The emergency is over; its data is listed for sealing or destruction."),
    )
    return redirect("catalog-emergency", pk=pk)
