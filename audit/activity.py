"""The home page's recent activity (RECENT_ACTIVITY_PROVIDERS): the latest decisions and changes in the
audit log that concern the person, in words.

A person sees what they did themselves; one who holds a role at a unit also what the unit's people did and
what was done with its data (the audit search's own rule, Q8.4); a platform administrator every event.
Reads, downloads, data calls and logins are left out: they are the usage log's, and would bury the steps
a person wants to see.
"""

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from dataplatform.core.audit_actions import AuditAction
from dataplatform.core.models import Role
from dataplatform.core.people import working_unit_id
from dataplatform.core.workbench import ActivityItem

from .models import AuditEvent

QUIET_ACTIONS = [
    AuditAction.LOGIN,
    AuditAction.RECORD_VIEW,
    AuditAction.CORRECTION_RECORD_VIEW,
    AuditAction.APPLICATION_ATTACHMENT_DOWNLOAD,
    AuditAction.CORRECTION_ATTACHMENT_DOWNLOAD,
    AuditAction.GOVERNANCE_COPY_DOWNLOAD,
    AuditAction.GOVERNANCE_SUBJECT_HOLDINGS,
    AuditAction.GOVERNANCE_AUTHORIZATION_USE,
    AuditAction.AUDIT_EXPORT,
    AuditAction.SUPERVISION_EXPORT,
    AuditAction.PUSH_RUN,
    *AuditAction.group("data."),
    *AuditAction.group("open."),
]


def recent_activity(user, *, limit: int) -> list[ActivityItem]:
    events = AuditEvent.objects.exclude(action__in=QUIET_ACTIONS).select_related("actor_unit")
    if user.has_role(Role.PLATFORM_ADMIN):
        latest = list(_latest(events, limit))
    else:
        # One query per way an event concerns the person, each read backwards along its own index
        # (actor, actor_unit or owner_unit with occurred_at): an OR of the three would walk the whole log.
        found = {
            event.pk: event for scope in _concerning(user) for event in _latest(events.filter(scope), limit)
        }
        latest = sorted(found.values(), key=lambda event: (event.occurred_at, event.pk), reverse=True)[:limit]
    return [_item(event, user) for event in latest]


def _latest(events: QuerySet[AuditEvent], limit: int) -> QuerySet[AuditEvent]:
    return events.order_by("-occurred_at", "-id")[:limit]


def _concerning(user) -> list[Q]:
    scopes = [Q(actor=user)]
    if unit_id := working_unit_id(user):  # a person awaiting a role sees none of the unit's work
        scopes += [Q(actor_unit=unit_id), Q(owner_unit=unit_id)]
    return scopes


def _item(event: AuditEvent, user) -> ActivityItem:
    mine = event.actor_id == user.pk
    unit = event.actor_unit.name if event.actor_unit and not mine else ""
    return ActivityItem(
        at=event.occurred_at,
        what=event.get_action_display(),
        subject=event.object_repr,
        actor=_("You") if mine else _actor(event),
        unit=unit,
    )


def _actor(event: AuditEvent) -> str:
    if event.actor_id is not None:
        return event.actor_name
    if event.api_key_id is not None:
        return _("an information system")  # an API key's call, under its unit
    if event.actor_name == "public":
        return _("a visitor")
    return _("the platform")  # a timer's step: a deadline passed, a grant expired
