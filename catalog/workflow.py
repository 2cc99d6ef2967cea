"""The catalog entry's lifecycle: its table of actions on the core's workflow machine.

draft → submitted → published, or → returned (with reasons) → submitted again; a published entry is
revised (back to draft, still available under its last published version) or retired.
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from dataplatform.core.actors import Actor, acts_for
from dataplatform.core.business_days import due_after
from dataplatform.core.errors import ApplicationError
from dataplatform.core.models import User
from dataplatform.core.notifications import notify
from dataplatform.core.people import data_admins, reviewers_of, reviews_for_unit
from dataplatform.core.workflow import Action, Lifecycle, Move, act, allowed_actions

from .collection.services import unconfirmed_sources
from .models import Resource, ResourceStatus, ResourceStatusChange, ResourceVersion, ShareType
from .records import columns_of, ensure_table
from .records.review import publication_changes
from .rules import resource_check_rules
from .search.text import resource_index
from .snapshots import resource_snapshot

S = ResourceStatus

REVIEW_DAYS = 5  # G11: the authority reviews within 5 business days


def is_producer(user: Actor, resource: Resource) -> bool:
    return acts_for(user, resource.producer_id)


def is_reviewer(user: Actor, resource: Resource) -> bool:
    return isinstance(user, User) and reviews_for_unit(user, resource.producer)


def _producer_or_reviewer(user: Actor, resource: Resource) -> bool:
    return is_producer(user, resource) or is_reviewer(user, resource)


def _enter_submitted(move: Move[Resource]) -> None:
    resource = move.obj
    resource_check_rules(resource)
    resource.review_due = due_after(timezone.now(), REVIEW_DAYS).date
    resource.return_reason = ""
    _notify_after_commit(
        reviewers_of(resource.producer.region),
        gettext_noop("Catalog entry to review: %(resource)s"),
        resource,
    )


def _enter_published(move: Move[Resource]) -> None:
    resource, actor = move.obj, move.person
    unconfirmed = unconfirmed_sources(resource)
    if unconfirmed:
        # Q3.1, Q3.3: an item whose legal source is another unit is published only once confirmed.
        names = ", ".join(f"{c.item_label} ({c.collection_item.source_unit})" for c in unconfirmed)
        raise ApplicationError(
            _("Confirm or remove the items whose legal source is another unit first: %(names)s.")
            % {"names": names},
            extra={"source_checks": [c.pk for c in unconfirmed]},
        )
    number = (resource.published_version or 0) + 1
    snapshot = resource_snapshot(resource)
    lost = publication_changes(resource, snapshot["items"])
    if lost:
        move.detail["records_layout"] = lost  # what the reviewer was shown and published anyway
    ResourceVersion.objects.create(resource=resource, number=number, snapshot=snapshot, published_by=actor)
    # The records follow the version the authority reviewed: its items become the table's columns (a
    # change that drops or converts stored values is listed on the review page before, records_layout).
    ensure_table(resource.pk, columns_of(snapshot["items"]))
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
        data_admins(resource.producer),
        gettext_noop("Catalog entry published: %(resource)s (version %(number)s)"),
        resource,
        number=number,
    )


def _enter_returned(move: Move[Resource]) -> None:
    resource = move.obj
    resource.return_reason = move.reason
    resource.review_due = None
    _notify_after_commit(
        data_admins(resource.producer),
        gettext_noop("Catalog entry returned: %(resource)s"),
        resource,
        body=move.reason,
    )


def _enter_retired(move: Move[Resource]) -> None:
    resource = move.obj
    resource.review_due = None
    resource.update_due = None


def _notify_after_commit(recipients, title: str, resource: Resource, body: str = "", **params) -> None:
    notify(
        recipients=list(recipients),
        title=title,
        params={"resource": resource.name, **params},
        body=body,
        url=f"/catalog/{resource.pk}/",
    )


# --- the table --------------------------------------------------------------------------------


ACTIONS: dict[str, Action[Resource]] = {
    "submit": Action(
        title=_("Submit for review"),
        sources=(S.DRAFT,),
        to=S.SUBMITTED,
        allowed=is_producer,
        enter=_enter_submitted,
    ),
    "resubmit": Action(
        title=_("Resubmit"),
        sources=(S.RETURNED,),
        to=S.SUBMITTED,
        allowed=is_producer,
        enter=_enter_submitted,
    ),
    "publish": Action(
        title=_("Publish"),
        sources=(S.SUBMITTED,),
        to=S.PUBLISHED,
        allowed=is_reviewer,
        enter=_enter_published,
    ),
    "return": Action(
        title=_("Return"),
        sources=(S.SUBMITTED,),
        to=S.RETURNED,
        allowed=is_reviewer,
        needs_reason=True,
        reason_message=_("Give a reason to return this entry."),
        enter=_enter_returned,
    ),
    "revise": Action(title=_("Revise"), sources=(S.PUBLISHED,), to=S.DRAFT, allowed=is_producer),
    "retire": Action(
        title=_("Retire"),
        sources=(S.PUBLISHED,),
        to=S.RETIRED,
        allowed=_producer_or_reviewer,
        needs_reason=True,
        reason_message=_("Give a reason to retire this entry."),
        enter=_enter_retired,
    ),
    "discard": Action(
        title=_("Discard"), sources=(S.DRAFT,), to=S.RETIRED, allowed=is_producer, enter=_enter_retired
    ),
}


LIFECYCLE = Lifecycle(
    name="resource",
    noun="an entry",
    model=Resource,
    actions=ACTIONS,
    history=ResourceStatusChange,
    history_link=lambda resource: {"resource": resource},
    owner=lambda resource: resource.producer,
    related=("producer",),
)


def allowed_transitions(user: Actor, resource: Resource) -> list[tuple[str, Action[Resource]]]:
    """The statuses ``user`` may move ``resource`` to now, with the action that does it; the UI shows a
    button for each."""
    return [(str(action.to), action) for _name, action in allowed_actions(LIFECYCLE, user, resource)]


def resource_transition(
    *, resource: Resource, to: str, actor: Actor, reason: str = "", request=None
) -> Resource:
    """Move ``resource`` to the status ``to`` by the one action of the table that leads there from its
    status."""
    if to not in S.values:
        raise ApplicationError(
            _("Unknown status %(to)s; one of: %(values)s.") % {"to": repr(to), "values": ", ".join(S.values)}
        )
    # The status as stored now (the caller's copy may be older); ``act`` checks it again under the lock.
    status = Resource.objects.values_list("status", flat=True).get(pk=resource.pk)
    name = next((n for n, a in ACTIONS.items() if status in a.sources and a.to == to), None)
    if name is None:
        raise ApplicationError(
            _("An entry that is %(status)s cannot become %(target)s.")
            % {"status": S(status).label, "target": S(to).label}
        )
    return act(LIFECYCLE, obj=resource, action=name, actor=actor, reason=reason, request=request)
