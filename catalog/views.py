from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dataplatform.core.errors import ApplicationError
from dataplatform.core.models import Role, Unit
from dataplatform.core.people import regions_reviewed_by

from .access import (
    can_aggregate,
    can_edit_resource,
    interface_request_for_user,
    interface_requests_visible_to,
    resource_for_user,
)
from .forms import DataItemFormSet, ResourceForm
from .interfaces import (
    interface_register,
    interface_request_ask_extension,
    interface_request_create,
    interface_request_decide_extension,
    interface_request_fulfil,
    interface_review,
)
from .models import Resource, ResourceStatus, ServiceInterface
from .services import resource_create, resource_mark_basis_changed, resource_update, version_diff
from .snapshots import ITEM_FIELDS
from .workflow import allowed_transitions, is_reviewer, resource_transition


@login_required
def my_catalog(request: HttpRequest) -> HttpResponse:
    unit = request.user.unit
    resources = (
        Resource.objects.filter(producer=unit).order_by("status", "code") if unit else Resource.objects.none()
    )
    return render(
        request,
        "catalog/my_catalog.html",
        {"resources": resources, "can_create": unit is not None and request.user.has_role(Role.DATA_ADMIN)},
    )


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    if not request.user.has_role(Role.REVIEWER):
        raise PermissionDenied
    regions = regions_reviewed_by(request.user)
    resources = (
        Resource.objects.filter(status=ResourceStatus.SUBMITTED, producer__region__in=regions)
        .select_related("producer")
        .order_by("review_due", "id")
    )
    owing = (
        Resource.objects.filter(update_due__isnull=False, producer__region__in=regions)
        .select_related("producer")
        .order_by("update_due")
    )
    return render(request, "catalog/review_queue.html", {"resources": resources, "owing": owing})


def _items_initial(resource: Resource | None) -> list[dict]:
    if resource is None:
        return []
    return [
        {"name": item.name, **{f: getattr(item, f) for f in ITEM_FIELDS}} for item in resource.items.all()
    ]


def _apply_errors(form: ResourceForm, formset: DataItemFormSet, exc: ValidationError) -> None:
    for field, errors in (exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}).items():
        target = field if field in form.fields else None
        for error in errors:
            if field == "items":
                formset._non_form_errors = formset.error_class([*formset.non_form_errors(), error])
            else:
                form.add_error(target, error)


@login_required
def resource_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    resource = resource_for_user(request.user, pk, write=True) if pk else None
    if resource is None and (request.user.unit is None or not request.user.has_role(Role.DATA_ADMIN)):
        raise PermissionDenied
    form = ResourceForm(request.POST or None, instance=resource)
    formset = DataItemFormSet(request.POST or None, initial=_items_initial(resource), prefix="items")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        items = [f.cleaned_data for f in formset if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        items = [{k: v for k, v in item.items() if k != "DELETE"} for item in items]
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            with transaction.atomic():
                if resource is None:
                    resource = resource_create(
                        actor=request.user, producer=request.user.unit, items=items, request=request, **fields
                    )
                else:
                    resource = resource_update(
                        actor=request.user, resource=resource, items=items, request=request, **fields
                    )
            messages.success(request, _("Saved."))
            return redirect("catalog-resource", pk=resource.pk)
        except ValidationError as exc:
            _apply_errors(form, formset, exc)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
    return render(
        request, "catalog/resource_form.html", {"form": form, "formset": formset, "resource": resource}
    )


@login_required
def resource_detail(request: HttpRequest, pk: int) -> HttpResponse:
    resource = resource_for_user(request.user, pk)
    versions = list(resource.versions.select_related("published_by"))
    return render(
        request,
        "catalog/resource_detail.html",
        {
            "resource": resource,
            "items": resource.items.all(),
            "versions": versions,
            "history": resource.status_changes.select_related("actor"),
            "interfaces": resource.interfaces.all(),
            # Q3.1: items whose legal source is another unit, and whether this person decides them.
            "source_checks": resource.source_conflicts.select_related("collection_item__source_unit"),
            "decides_sources": is_reviewer(request.user, resource),
            "is_evaluator": request.user.has_role(Role.EVALUATOR),
            "transitions": allowed_transitions(request.user, resource),
            "can_aggregate": resource.is_available and can_aggregate(request.user, resource),
            "can_edit": can_edit_resource(request.user, resource)
            and resource.status in ("draft", "returned"),
            "can_mark_basis": regions_reviewed_by(request.user)
            .filter(pk=resource.producer.region_id)
            .exists()
            and resource.is_available,
        },
    )


@login_required
@require_POST
def resource_transition_view(request: HttpRequest, pk: int) -> HttpResponse:
    resource = resource_for_user(request.user, pk)
    try:
        resource = resource_transition(
            resource=resource,
            to=request.POST.get("to", ""),
            actor=request.user,
            reason=request.POST.get("reason", ""),
            request=request,
        )
        messages.success(
            request, _("Done: the entry is now %(status)s.") % {"status": resource.get_status_display()}
        )
    except ValidationError as exc:
        for error in exc.messages:
            messages.error(request, error)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("catalog-resource", pk=pk)


@login_required
@require_POST
def resource_basis_changed_view(request: HttpRequest, pk: int) -> HttpResponse:
    resource = resource_for_user(request.user, pk)
    if not regions_reviewed_by(request.user).filter(pk=resource.producer.region_id).exists():
        raise PermissionDenied
    try:
        resource_mark_basis_changed(actor=request.user, resource=resource, note=request.POST.get("note", ""))
        messages.success(request, _("The producer has been asked to update the entry."))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("catalog-resource", pk=pk)


@login_required
def resource_diff(request: HttpRequest, pk: int) -> HttpResponse:
    resource = resource_for_user(request.user, pk)
    try:
        before, after = int(request.GET.get("before", 0)), int(request.GET.get("after", 0))
        diff = version_diff(resource, before, after)
    except (ValueError, ApplicationError) as exc:
        messages.error(request, getattr(exc, "message", _("Choose two versions.")))
        return redirect("catalog-resource", pk=pk)
    return render(
        request,
        "catalog/resource_diff.html",
        {"resource": resource, "diff": diff, "before": before, "after": after},
    )


@login_required
def interface_requests(request: HttpRequest) -> HttpResponse:
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
def interface_request_action(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """One endpoint for the page's forms: create, ask for an extension, decide it, fulfil."""
    action = request.POST.get("action")
    try:
        if action == "create":
            producer = Unit.objects.filter(pk=request.POST.get("producer") or 0).first()
            if producer is None:
                raise ApplicationError(_("Choose the producing unit."))
            interface_request_create(
                actor=request.user, producer=producer, description=request.POST.get("description", "")
            )
        else:
            ask = interface_request_for_user(request.user, pk)
            if action == "extension":
                interface_request_ask_extension(
                    actor=request.user,
                    ask=ask,
                    days=int(request.POST.get("days") or 0),
                    reason=request.POST.get("reason", ""),
                )
            elif action in ("grant", "refuse"):
                interface_request_decide_extension(actor=request.user, ask=ask, grant=action == "grant")
            elif action == "fulfil":
                interface = ServiceInterface.objects.filter(
                    pk=request.POST.get("interface") or 0, resource__producer=request.user.unit
                ).first()
                if interface is None:
                    raise ApplicationError(_("Choose one of your unit's interfaces."))
                interface_request_fulfil(actor=request.user, ask=ask, interface=interface)
            else:
                raise ApplicationError(_("Unknown action."))
        messages.success(request, _("Done."))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    except ValueError:
        messages.error(request, _("The number of days must be a whole number."))
    return redirect("catalog-interface-requests")


@login_required
@require_POST
def interface_register_view(request: HttpRequest, pk: int) -> HttpResponse:
    resource = resource_for_user(request.user, pk)
    fields = {
        f: request.POST.get(f, "") for f in ("name", "specification", "call_instructions", "upstream_url")
    }
    try:
        interface_register(actor=request.user, resource=resource, **fields)
        messages.success(
            request, _("The interface is registered; the technical service unit will review it.")
        )
    except ValidationError as exc:
        for error in exc.messages:
            messages.error(request, error)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("catalog-resource", pk=pk)


@login_required
@require_POST
def interface_review_view(request: HttpRequest, pk: int) -> HttpResponse:
    interface = ServiceInterface.objects.filter(pk=pk).select_related("resource").first()
    if interface is None or not request.user.has_role(Role.EVALUATOR):
        raise Http404
    try:
        interface_review(
            actor=request.user,
            interface=interface,
            publish=request.POST.get("publish") == "1",
            note=request.POST.get("note", ""),
        )
        messages.success(request, _("Reviewed."))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("catalog-resource", pk=interface.resource_id)
