"""Who may see and change catalog entries. Outsiders get 404; read-only people get 403."""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from dataplatform.core.actors import acts_for
from dataplatform.core.models import Role
from dataplatform.core.people import regions_reviewed_by, working_unit_id, works_for_government

from .collection.models import SourceCheckStatus, SourceConflict
from .models import InterfaceRequest, Resource, ResourceStatus


def resources_visible_to(user) -> QuerySet[Resource]:
    """Available entries for every government unit and API client; all of its own unit's entries;
    and, for a reviewer, every entry of the regions they review."""
    resources = Resource.objects.select_related("producer")
    if not getattr(user, "is_authenticated", False):
        return resources.none()
    # The government catalog is for government units that act in it: a person with a role at one, or its
    # information system. Citizens, enterprises, universities and people whose role awaits approval use the
    # open-data portal (issue 18: roles, not membership).
    unit_id = working_unit_id(user)
    if not works_for_government(user):
        visible = Q(pk__isnull=True)  # nothing, and still SQL that the search's raw query can compile
    else:
        visible = Q(published_version__isnull=False) & ~Q(status=ResourceStatus.RETIRED)
        visible |= Q(producer=unit_id)
    if user.has_role(Role.REVIEWER):
        # Their regions' entries once submitted: a draft is its unit's alone, unless it is before the
        # authority for a decision on the source of an item it carries (catalog.collection, Q3.3).
        flagged = SourceConflict.objects.filter(status=SourceCheckStatus.PENDING).values("resource")
        before_authority = ~Q(status=ResourceStatus.DRAFT) | Q(pk__in=flagged)
        visible |= Q(producer__region__in=regions_reviewed_by(user)) & before_authority
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
    """People: the producer's data administrators. API clients: a key of the producing unit. Nobody, into
    a mirror of another node's entry (``origin_node``): its records come from that node's transfers only."""
    if resource.origin_node:
        return False
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
