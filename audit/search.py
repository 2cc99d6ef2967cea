"""Audit search (Q8.4, F24): the authority searches the events of the units it reviews for, the
platform's administrators every event, and every unit its own events and the use of its data."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from dataplatform.core.audit_actions import AuditAction
from dataplatform.core.models import Role
from dataplatform.core.people import regions_reviewed_by, working_unit_id

from .grants import grants_of
from .models import AuditEvent
from .usage import day_bounds

RESOURCE_TYPE = "catalog.resource"
GRANT_TYPE = "sharing.grant"


@dataclass(frozen=True)
class AuditFilters:
    unit: int | None = None
    person: int | None = None
    action: str = ""
    resource: int | None = None
    grant: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def audit_events_visible_to(user) -> QuerySet[AuditEvent]:
    """Platform administrators see every event; reviewers those of the units in their regions; everyone
    acting for a unit (a person or its API key) its unit's own events and the use of its data; citizens
    nothing."""
    unit = working_unit_id(user)  # a role at the unit, not membership alone (issue 18)
    if user.has_role(Role.PLATFORM_ADMIN):
        return AuditEvent.objects.all()
    if unit is None:
        return AuditEvent.objects.none()
    visible = Q(actor_unit=unit) | Q(owner_unit=unit)
    if user.has_role(Role.REVIEWER):
        regions = regions_reviewed_by(user)
        visible |= Q(actor_unit__region__in=regions) | Q(owner_unit__region__in=regions)
    return AuditEvent.objects.filter(visible)


def audit_event_search(*, user, filters: AuditFilters) -> QuerySet[AuditEvent]:
    events = audit_events_visible_to(user)
    if filters.unit is not None:
        events = events.filter(Q(actor_unit_id=filters.unit) | Q(owner_unit_id=filters.unit))
    if filters.person is not None:
        events = events.filter(actor_id=filters.person)
    if filters.action:
        events = events.filter(action__in=actions_chosen(filters.action))
    if filters.resource is not None:
        events = events.filter(_about_resource(filters.resource))
    if filters.grant is not None:
        events = events.filter(
            Q(detail__grant=filters.grant) | Q(object_type=GRANT_TYPE, object_id=str(filters.grant))
        )
    if filters.date_from is not None:
        events = events.filter(occurred_at__gte=day_bounds(filters.date_from)[0])
    if filters.date_to is not None:
        events = events.filter(occurred_at__lt=day_bounds(filters.date_to)[1])
    return events.select_related("actor_unit", "owner_unit", "api_key").order_by("-occurred_at", "-id")


def actions_chosen(choice: str) -> list[AuditAction]:
    """The search's action filter: one action, or a group of actions with or without its dot ("data." or
    "data": every "data.*" action of ``AuditAction``)."""
    if choice.endswith("."):
        return AuditAction.group(choice)
    return [m for m in AuditAction if m.value == choice or m.value.startswith(choice + ".")]


def _about_resource(resource_id: int) -> Q:
    """The resource itself, or an event about something else that names the resource in
    ``detail.resource``: a call under one of its grants (a verification names the rule as its object), a
    push task or run of one of its grants; events written before ``detail.resource`` name only the grant."""
    about = Q(object_type=RESOURCE_TYPE, object_id=str(resource_id)) | Q(detail__resource=resource_id)
    grants = grants_of(resource_id)
    if grants:
        # Open-data grants are numbered apart from sharing grants: their events never match these ids.
        about |= Q(detail__grant__in=grants) & ~Q(action__in=AuditAction.group("open."))
    return about
