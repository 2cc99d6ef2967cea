from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.forms import BaseFormSet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dataplatform.core.errors import ApplicationError
from dataplatform.core.models import Role
from dataplatform.core.pages import page_action
from dataplatform.core.people import regions_reviewed_by
from dataplatform.core.request_types import AuthenticatedHttpRequest

from .access import (
    can_aggregate,
    can_edit_resource,
    resource_for_user,
    unit_catalog,
)
from .forms import DataItemFormSet, ResourceForm
from .models import Resource, ResourceStatus
from .records.review import publication_changes
from .serializers import classification_path
from .services import resource_create, resource_mark_basis_changed, resource_update, version_diff
from .snapshots import ITEM_FIELDS
from .spreadsheet import (
    COLUMNS,
    catalog_export_csv,
    catalog_export_xlsx,
    catalog_import,
    spreadsheet_response,
)
from .workflow import allowed_transitions, is_reviewer, resource_transition


@login_required
def my_catalog(request: AuthenticatedHttpRequest) -> HttpResponse:
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
def review_queue(request: AuthenticatedHttpRequest) -> HttpResponse:
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


@contextmanager
def _items_errors_on(formset: BaseFormSet) -> Iterator[None]:
    """The data items' errors go under the items' table; the others on to the form (``page_action``)."""
    try:
        yield
    except ValidationError as exc:
        # by field name, or None for the whole entry
        errors: dict[Any, list[str]] = (
            dict(exc.message_dict) if hasattr(exc, "error_dict") else {None: exc.messages}
        )
        for error in errors.pop("items", []):
            # (a private attribute of Django's formsets, which django-stubs leaves out)
            formset._non_form_errors = formset.error_class([*formset.non_form_errors(), error])  # type: ignore[attr-defined]
        raise ValidationError(errors) from exc


@login_required
def resource_edit(request: AuthenticatedHttpRequest, pk: int | None = None) -> HttpResponse:
    resource = resource_for_user(request.user, pk, write=True) if pk else None
    if resource is None and (request.user.unit is None or not request.user.has_role(Role.DATA_ADMIN)):
        raise PermissionDenied
    form = ResourceForm(request.POST or None, instance=resource)
    formset = DataItemFormSet(request.POST or None, initial=_items_initial(resource), prefix="items")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        items = [f.cleaned_data for f in formset if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        items = [{k: v for k, v in item.items() if k != "DELETE"} for item in items]
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}

        def save() -> Resource:
            with _items_errors_on(formset), transaction.atomic():
                if resource is None:
                    assert request.user.unit is not None  # checked before the form was read
                    return resource_create(
                        actor=request.user, producer=request.user.unit, items=items, request=request, **fields
                    )
                return resource_update(
                    actor=request.user, resource=resource, items=items, request=request, **fields
                )

        saved = page_action(request, save, success=_("Saved."), form=form)
        if saved is not None:
            return redirect("catalog-resource", pk=saved.pk)
    return render(
        request, "catalog/resource_form.html", {"form": form, "formset": formset, "resource": resource}
    )


@login_required
def resource_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    resource = resource_for_user(request.user, pk)
    versions = list(resource.versions.select_related("published_by"))
    return render(
        request,
        "catalog/resource_detail.html",
        {
            "resource": resource,
            "classification_path": classification_path(resource.classification),
            "items": resource.items.all(),
            "versions": versions,
            "history": resource.status_changes.select_related("actor"),
            "interfaces": resource.interfaces.all(),
            # Q3.1: items whose legal source is another unit, and whether this person decides them.
            "source_checks": resource.source_conflicts.select_related("collection_item__source_unit"),
            "decides_sources": is_reviewer(request.user, resource),
            "is_evaluator": request.user.has_role(Role.EVALUATOR),
            "transitions": allowed_transitions(request.user, resource),
            # What publishing this submission does to the stored records, for the reviewer to weigh.
            "records_layout": publication_changes(resource)
            if resource.status == ResourceStatus.SUBMITTED
            else None,
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
def resource_transition_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    resource = resource_for_user(request.user, pk)
    moved = page_action(
        request,
        lambda: resource_transition(
            resource=resource,
            to=request.POST.get("to", ""),
            actor=request.user,
            reason=request.POST.get("reason", ""),
            request=request,
        ),
    )
    if moved is not None:
        messages.success(
            request, _("Done: the entry is now %(status)s.") % {"status": moved.get_status_display()}
        )
    return redirect("catalog-resource", pk=pk)


@login_required
@require_POST
def resource_basis_changed_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    resource = resource_for_user(request.user, pk)
    if not regions_reviewed_by(request.user).filter(pk=resource.producer.region_id).exists():
        raise PermissionDenied
    page_action(
        request,
        lambda: resource_mark_basis_changed(
            actor=request.user, resource=resource, note=request.POST.get("note", "")
        ),
        success=_("The producer has been asked to update the entry."),
    )
    return redirect("catalog-resource", pk=pk)


@login_required
def resource_diff(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
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
def catalog_export_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The unit's own catalog as the spreadsheet units fill in (``?kind=csv`` for CSV)."""
    if request.user.unit is None:
        raise PermissionDenied
    resources = unit_catalog(request.user.unit)
    as_csv = request.GET.get("kind") == "csv"
    content = catalog_export_csv(resources) if as_csv else catalog_export_xlsx(resources)
    return spreadsheet_response(content, as_csv=as_csv)


@login_required
def catalog_import_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    unit = request.user.unit
    if unit is None or not request.user.has_role(Role.DATA_ADMIN):
        raise PermissionDenied
    row_errors: list[dict] = []
    upload = request.FILES.get("file") if request.method == "POST" else None
    if request.method == "POST" and upload is None:
        messages.error(request, _("Choose a spreadsheet to import."))
    elif upload is not None:
        try:
            result = catalog_import(
                actor=request.user,
                unit=unit,
                content=upload.read(),
                filename=upload.name or "",
                request=request,
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
            row_errors = exc.extra.get("rows", [])
        else:
            messages.success(
                request,
                _("Imported: %(created)d new draft entries, %(updated)d updated.")
                % {"created": len(result.created), "updated": len(result.updated)},
            )
            return redirect("catalog-mine")
    return render(request, "catalog/import.html", {"row_errors": row_errors, "columns": COLUMNS})
