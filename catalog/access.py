"""Who may see and change catalog entries. Outsiders get 404; read-only people get 403."""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from dataplatform.core.actors import acts_for
from dataplatform.core.models import Role
from dataplatform.core.people import regions_reviewed_by

from .models import InterfaceRequest, Resource, ResourceStatus


def resources_visible_to(user) -> QuerySet[Resource]:
    """Available entries for every government unit and API client; all of its own unit's entries;
    and, for a reviewer, every entry of the regions they review."""
    resources = Resource.objects.select_related("producer")
    if not getattr(user, "is_authenticated", False):
        return resources.none()
    unit = getattr(user, "unit", None)
    visible = Q(published_version__isnull=False) & ~Q(status=ResourceStatus.RETIRED)
    if unit is not None and not unit.is_government:
        visible = Q(pk__in=[])  # public organizations use the open-data portal
    if unit is not None:
        visible |= Q(producer=unit)
    if user.has_role(Role.REVIEWER):
        visible |= Q(producer__region__in=regions_reviewed_by(user))
    if user.has_role(Role.EVALUATOR, Role.PLATFORM_ADMIN):
        visible |= ~Q(status=ResourceStatus.DRAFT)
    return resources.filter(visible)


def unit_catalog(unit) -> QuerySet[Resource]:
    """A unit's own entries, for its spreadsheet, with what the spreadsheet shows."""
    return (
        Resource.objects.filter(producer=unit)
        .exclude(status=ResourceStatus.RETIRED)
        .select_related("producer", "providing_unit", "classification")
        .prefetch_related("items")
        .order_by("code")
    )


def can_edit_resource(user, resource: Resource) -> bool:
    """The producing unit's data administrators maintain its entries."""
    return acts_for(user, resource.producer_id)


def can_aggregate(user, resource: Resource) -> bool:
    """People: the producer's data administrators. API clients: a key of the producing unit."""
    if getattr(user, "api_key", None) is not None:
        return user.unit == resource.producer
    return can_edit_resource(user, resource)


def resource_for_user(user, pk: int, *, write: bool = False) -> Resource:
    resource = resources_visible_to(user).filter(pk=pk).first()
    if resource is None:
        raise Http404
    if write and not can_edit_resource(user, resource):
        raise PermissionDenied
    return resource


def interface_requests_visible_to(user) -> QuerySet[InterfaceRequest]:
    """The producer's people, and the reviewers of the producer's region."""
    unit = getattr(user, "unit", None)
    visible = Q(producer=unit) if unit is not None else Q(pk__in=[])
    visible |= Q(producer__region__in=regions_reviewed_by(user))
    return InterfaceRequest.objects.filter(visible).select_related("producer")


def interface_request_for_user(user, pk: int) -> InterfaceRequest:
    ask = interface_requests_visible_to(user).filter(pk=pk).first()
    if ask is None:
        raise Http404
    return ask
