"""The catalog entry's lifecycle: one table of transitions and the one function that makes them.

draft → submitted → published, or → returned (with reasons) → submitted again; a published entry is
revised (back to draft, still available under its last published version) or retired.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.services import audit_record
from dataplatform.core.business_days import due_after
from dataplatform.core.errors import ApplicationError
from dataplatform.core.models import Role, User
from dataplatform.core.notifications import notify
from dataplatform.core.people import data_admins, reviewers_of, reviews_for_unit

from .collection import unconfirmed_sources
from .models import Resource, ResourceStatus, ResourceStatusChange, ResourceVersion, ShareType
from .rules import resource_check_rules
from .search import resource_index
from .snapshots import resource_snapshot

S = ResourceStatus

REVIEW_DAYS = 5  # G11: the authority reviews within 5 business days


def is_producer(user: User, resource: Resource) -> bool:
    return user.unit_id == resource.producer_id and user.has_role(Role.DATA_ADMIN)


def is_reviewer(user: User, resource: Resource) -> bool:
    return reviews_for_unit(user, resource.producer)


@dataclass(frozen=True)
class Transition:
    label: str  # the verb, in audit actions
    title: str  # the button
    allowed: Callable[[User, Resource], bool]
    needs_reason: bool = False


TRANSITIONS: dict[tuple[str, str], Transition] = {
    (S.DRAFT, S.SUBMITTED): Transition("submit", _("Submit for review"), is_producer),
    (S.RETURNED, S.SUBMITTED): Transition("resubmit", _("Resubmit"), is_producer),
    (S.SUBMITTED, S.PUBLISHED): Transition("publish", _("Publish"), is_reviewer),
    (S.SUBMITTED, S.RETURNED): Transition("return", _("Return"), is_reviewer, needs_reason=True),
    (S.PUBLISHED, S.DRAFT): Transition("revise", _("Revise"), is_producer),
    (S.PUBLISHED, S.RETIRED): Transition(
        "retire", _("Retire"), lambda u, r: is_producer(u, r) or is_reviewer(u, r), True
    ),
    (S.DRAFT, S.RETIRED): Transition("discard", _("Discard"), is_producer),
}


def allowed_transitions(user: User, resource: Resource) -> list[tuple[str, Transition]]:
    """The statuses ``user`` may move ``resource`` to now; the UI shows a button for each."""
    return [
        (to, transition)
        for (source, to), transition in TRANSITIONS.items()
        if source == resource.status and transition.allowed(user, resource)
    ]


def resource_transition(
    *, resource: Resource, to: str, actor: User, reason: str = "", request=None
) -> Resource:
    with transaction.atomic():
        resource = Resource.objects.select_for_update().select_related("producer").get(pk=resource.pk)
        if to not in S.values:
            raise ApplicationError(f"Unknown status {to!r}; one of: {', '.join(S.values)}.")
        transition = TRANSITIONS.get((resource.status, to))
        if transition is None:
            raise ApplicationError(
                f"An entry that is {resource.get_status_display()} cannot become {S(to).label}."
            )
        if not transition.allowed(actor, resource):
            raise ApplicationError(f"You may not {transition.label} this entry.", extra={"code": "forbidden"})
        if transition.needs_reason and not reason.strip():
            raise ApplicationError(f"Give a reason to {transition.label} this entry.")
        source = resource.status
        _ENTER[to](resource, actor, reason)
        resource.status = to
        resource.save()
        ResourceStatusChange.objects.create(
            resource=resource, from_status=source, to_status=to, actor=actor, reason=reason
        )
        audit_record(
            action=f"resource.{transition.label}",
            actor=actor,
            request=request,
            target=resource,
            owner_unit=resource.producer,
            detail={"from": source, "to": to, "reason": reason},
        )
    return resource


def _enter_submitted(resource: Resource, actor: User, reason: str) -> None:
    resource_check_rules(resource)
    resource.review_due = due_after(timezone.now(), REVIEW_DAYS).date
    resource.return_reason = ""
    _notify_after_commit(reviewers_of(resource.producer.region), f"待审核目录：{resource.name}", resource)


def _enter_published(resource: Resource, actor: User, reason: str) -> None:
    unconfirmed = unconfirmed_sources(resource)
    if unconfirmed:
        # Q3.1, Q3.3: an item whose legal source is another unit is published only once confirmed.
        names = ", ".join(f"{c.item_label} ({c.collection_item.source_unit})" for c in unconfirmed)
        raise ApplicationError(
            f"Confirm or remove the items whose legal source is another unit first: {names}.",
            extra={"source_checks": [c.pk for c in unconfirmed]},
        )
    number = (resource.published_version or 0) + 1
    ResourceVersion.objects.create(
        resource=resource, number=number, snapshot=resource_snapshot(resource), published_by=actor
    )
    now = timezone.now()
    resource.published_version = number
    resource.published_at = now
    resource.review_due = None
    resource.update_due = None
    resource.basis_changed_note = ""
    if resource.share_type == ShareType.NOT_SHARED:
        # Q5.2: a not-shared entry is filed with the authority, with its basis.
        resource.filed_with_authority_at = now
    resource_index(resource)
    _notify_after_commit(
        data_admins(resource.producer), f"目录已发布：{resource.name}（第 {number} 版）", resource
    )


def _enter_returned(resource: Resource, actor: User, reason: str) -> None:
    resource.return_reason = reason
    resource.review_due = None
    _notify_after_commit(
        data_admins(resource.producer), f"目录被退回：{resource.name}", resource, body=reason
    )


def _enter_draft(resource: Resource, actor: User, reason: str) -> None:
    pass  # a revision: the last published version stays in force until the next publication


def _enter_retired(resource: Resource, actor: User, reason: str) -> None:
    resource.review_due = None
    resource.update_due = None


_ENTER = {
    S.SUBMITTED: _enter_submitted,
    S.PUBLISHED: _enter_published,
    S.RETURNED: _enter_returned,
    S.DRAFT: _enter_draft,
    S.RETIRED: _enter_retired,
}


def _notify_after_commit(recipients, title: str, resource: Resource, body: str = "") -> None:
    notify(recipients=list(recipients), title=title, body=body, url=f"/catalog/{resource.pk}/")
