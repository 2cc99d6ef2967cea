"""Pages of service interfaces and interface requests."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dataplatform.core.errors import ApplicationError
from dataplatform.core.models import Role, Unit
from dataplatform.core.pages import page_action
from dataplatform.core.people import regions_reviewed_by
from dataplatform.core.request_types import AuthenticatedHttpRequest

from ..access import (
    interface_request_for_user,
    interface_requests_visible_to,
    resource_for_user,
)
from ..models import InterfaceRequest, ServiceInterface
from .services import (
    interface_register,
    interface_request_ask_extension,
    interface_request_create,
    interface_request_decide_extension,
    interface_request_fulfil,
    interface_review,
)


@login_required
def interface_requests(request: AuthenticatedHttpRequest) -> HttpResponse:
    asks = (
        interface_requests_visible_to(request.user)
        .select_related("resource", "interface")
        .order_by("-requested_at")
    )
    unit = request.user.unit
    return render(
        request,
        "catalog/interface_requests.html",
        {
            "asks": asks,
            "is_producer": unit is not None and request.user.has_role(Role.DATA_ADMIN),
            "is_reviewer": request.user.has_role(Role.REVIEWER),
            "producers": Unit.objects.filter(region__in=regions_reviewed_by(request.user), kind="government"),
            "my_interfaces": ServiceInterface.objects.filter(resource__producer=unit) if unit else [],
        },
    )


@login_required
@require_POST
def interface_request_action(request: AuthenticatedHttpRequest, pk: int | None = None) -> HttpResponse:
    """One endpoint for the page's forms: create, ask for an extension, decide it, fulfil."""
    action = request.POST.get("action")

    def act() -> InterfaceRequest:
        if action == "create":
            producer = Unit.objects.filter(pk=request.POST.get("producer") or 0).first()
            if producer is None:
                raise ApplicationError(_("Choose the producing unit."))
            return interface_request_create(
                actor=request.user, producer=producer, description=request.POST.get("description", "")
            )
        if pk is None:  # only "create" is posted to the address without a request
            raise Http404
        ask = interface_request_for_user(request.user, pk)
        if action == "extension":
            try:
                days = int(request.POST.get("days") or 0)
            except ValueError as exc:
                raise ApplicationError(_("The number of days must be a whole number.")) from exc
            return interface_request_ask_extension(
                actor=request.user, ask=ask, days=days, reason=request.POST.get("reason", "")
            )
        if action in ("grant", "refuse"):
            return interface_request_decide_extension(actor=request.user, ask=ask, grant=action == "grant")
        if action == "fulfil":
            interface = ServiceInterface.objects.filter(
                pk=request.POST.get("interface") or 0, resource__producer=request.user.unit
            ).first()
            if interface is None:
                raise ApplicationError(_("Choose one of your unit's interfaces."))
            return interface_request_fulfil(actor=request.user, ask=ask, interface=interface)
        raise ApplicationError(_("Unknown action."))

    page_action(request, act, success=_("Done."))
    return redirect("catalog-interface-requests")


@login_required
@require_POST
def interface_register_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    resource = resource_for_user(request.user, pk)
    fields = {
        f: request.POST.get(f, "") for f in ("name", "specification", "call_instructions", "upstream_url")
    }
    page_action(
        request,
        lambda: interface_register(actor=request.user, resource=resource, **fields),
        success=_("The interface is registered; the technical service unit will review it."),
    )
    return redirect("catalog-resource", pk=pk)


@login_required
@require_POST
def interface_review_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    interface = ServiceInterface.objects.filter(pk=pk).select_related("resource").first()
    if interface is None or not request.user.has_role(Role.EVALUATOR):
        raise Http404
    page_action(
        request,
        lambda: interface_review(
            actor=request.user,
            interface=interface,
            publish=request.POST.get("publish") == "1",
            note=request.POST.get("note", ""),
        ),
        success=_("Reviewed."),
    )
    return redirect("catalog-resource", pk=interface.resource_id)
