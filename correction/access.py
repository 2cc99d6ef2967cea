"""Who may see correction tickets, report problem data on what, and read the supervision figures.

Outsiders get 404; people who may see a page but not use it get 403.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from catalog.models import Resource, ResourceStatus, ResourceVersion
from dataplatform.core.models import Role, Unit
from dataplatform.core.people import regions_reviewed_by, working_unit_id
from sharing.models import Grant, GrantStatus

from .models import CorrectionTicket, TicketKind


def tickets_visible_to(user) -> QuerySet[CorrectionTicket]:
    """The reporter and its unit; the producing unit once the ticket is dispatched to it; the technical
    service unit; and the authority over the producer's region (or its county's city)."""
    tickets = CorrectionTicket.objects.select_related("resource", "producer", "reporter", "reporter_unit")
    if not getattr(user, "is_authenticated", False):
        return tickets.none()
    unit = working_unit_id(user)  # a role at the unit, not membership alone (issue 18)
    if getattr(user, "api_key", None) is not None:
        return tickets.filter(reporter_unit=unit)  # an information system sees its unit's reports
    if user.has_role(Role.EVALUATOR, Role.PLATFORM_ADMIN):
        return tickets
    visible = Q(reporter=user)
    if unit is not None:
        visible |= Q(reporter_unit=unit) | Q(producer=unit, dispatched_at__isnull=False)
    if user.has_role(Role.REVIEWER):
        regions = regions_reviewed_by(user)
        visible |= Q(producer__region__in=regions) | Q(producer__region__parent__in=regions)
    return tickets.filter(visible)


def ticket_for_user(user, pk: int) -> CorrectionTicket:
    ticket = tickets_visible_to(user).filter(pk=pk).first()
    if ticket is None:
        raise Http404
    return ticket


# --- reporting -------------------------------------------------------------------------------------


def report_kind(actor) -> str | None:
    """A government unit's data administrator (or its information system) reports problem data it uses
    (Q7.1); a citizen or a public organization's person objects (G42, F25); anyone else does neither."""
    unit = getattr(actor, "unit", None)
    if getattr(actor, "api_key", None) is not None:
        return TicketKind.REPORT if unit is not None and unit.is_government else None  # (a key has its unit)
    if not getattr(actor, "is_authenticated", False):
        return None
    if unit is None or unit.is_public_organization:
        return TicketKind.OBJECTION
    return TicketKind.REPORT if actor.has_role(Role.DATA_ADMIN) else None


def _active_grants(unit: Unit) -> QuerySet[Grant]:
    return Grant.objects.filter(unit=unit, status=GrantStatus.ACTIVE, end_date__gte=timezone.localdate())


def reportable_resources(actor) -> QuerySet[Resource]:
    """An applying unit reports on what it sees through a grant; an objection may concern any available
    entry, since a data subject need not see the data to know it is wrong about them."""
    kind = report_kind(actor)
    available = (
        Resource.objects.filter(published_version__isnull=False)
        .exclude(status=ResourceStatus.RETIRED)
        .select_related("producer")
    )
    if kind == TicketKind.OBJECTION:
        return available
    if kind == TicketKind.REPORT:
        granted = _active_grants(actor.unit).values("resource")
        return available.filter(pk__in=granted).exclude(producer=actor.unit)
    return Resource.objects.none()


def resource_for_report(actor, pk: int | str | None) -> Resource:
    if report_kind(actor) is None:
        raise PermissionDenied
    resource = (
        reportable_resources(actor).filter(pk=pk).first()
        if pk is not None and str(pk or "").isdigit()
        else None
    )
    if resource is None:
        raise Http404
    return resource


def published_items(resource: Resource) -> list[dict]:
    """The data items of the published version (the shape of the aggregated records): name and label."""
    # Never published: number None looks up IS NULL, no version (django-stubs takes no None here).
    version = ResourceVersion.objects.filter(
        resource=resource,
        number=resource.published_version,  # type: ignore[misc]
    ).first()
    items = version.snapshot.get("items") if version else None
    if not items:
        items = resource.items.values("name", "label")
    return [{"name": item["name"], "label": item["label"]} for item in items]


def granted_items(unit: Unit, resource: Resource) -> set[str]:
    names: set[str] = set()
    for items in _active_grants(unit).filter(resource=resource).values_list("items", flat=True):
        names.update(items)
    return names


def reportable_items(actor, resource: Resource) -> list[dict]:
    """The items ``actor`` may report on: a reporting unit those its grants cover (minimum necessary)."""
    items = published_items(resource)
    if report_kind(actor) == TicketKind.REPORT:
        granted = granted_items(actor.unit, resource)
        items = [item for item in items if item["name"] in granted]
    return items


def can_read_records(user, ticket: CorrectionTicket) -> bool:
    """The producer and the technical service unit read the reported records to handle the ticket."""
    if getattr(user, "api_key", None) is not None:
        return False
    return user.has_role(Role.EVALUATOR) or (user.unit_id == ticket.producer_id and user.unit_id is not None)


# --- supervision -----------------------------------------------------------------------------------


def supervised_units(user) -> QuerySet[Unit]:
    """The producing units whose figures ``user`` may read: a reviewer's regions and their counties."""
    if getattr(user, "api_key", None) is not None:
        raise PermissionDenied
    if user.has_role(Role.PLATFORM_ADMIN):
        return Unit.objects.all()
    if not user.has_role(Role.REVIEWER):
        raise PermissionDenied
    regions = regions_reviewed_by(user)
    return Unit.objects.filter(Q(region__in=regions) | Q(region__parent__in=regions))
