"""The open catalog entry's lifecycle: one table of transitions and the one function that makes them.

A producer proposes how its published entry opens; the authority decides (open, or not open with the
reason F11 asks for). An open entry is not withdrawn or re-typed at will (F14): the authority withdraws a
risky one with a reason (F33), shown on its page, or re-types it with a reason; a withdrawn or refused
entry can be proposed again.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.services import audit_record
from catalog.models import OpenType
from catalog.workflow import is_producer, is_reviewer
from dataplatform.core.errors import ApplicationError
from dataplatform.core.models import User
from dataplatform.core.notifications import notify
from dataplatform.core.people import data_admins, reviewers_of

from .deidentify import items_missing_rules
from .models import OpenEntry, OpenEntryChange
from .models import OpenEntryStatus as S

OPEN_TYPES = (OpenType.UNIVERSAL, OpenType.ON_APPLICATION)


def _producer(user: User, entry: OpenEntry) -> bool:
    return is_producer(user, entry.resource)


def _reviewer(user: User, entry: OpenEntry) -> bool:
    return is_reviewer(user, entry.resource)


@dataclass(frozen=True)
class Transition:
    sources: tuple[str, ...]
    target: str
    title: str  # the button
    allowed: Callable[[User, OpenEntry], bool]
    needs_reason: bool = False


TRANSITIONS: dict[str, Transition] = {
    "propose": Transition((S.NOT_OPEN, S.WITHDRAWN), S.PROPOSED, _("Propose again"), _producer),
    "open": Transition((S.PROPOSED,), S.OPEN, _("Open"), _reviewer),
    "refuse": Transition((S.PROPOSED,), S.NOT_OPEN, _("Do not open"), _reviewer, needs_reason=True),
    "retype": Transition((S.OPEN,), S.OPEN, _("Change the open type"), _reviewer, needs_reason=True),
    "withdraw": Transition((S.OPEN,), S.WITHDRAWN, _("Withdraw"), _reviewer, needs_reason=True),
}


def allowed_actions(user: User, entry: OpenEntry) -> list[tuple[str, Transition]]:
    """The actions ``user`` may take on ``entry`` now; the UI shows a button for each."""
    return [
        (name, t) for name, t in TRANSITIONS.items() if entry.status in t.sources and t.allowed(user, entry)
    ]


def open_entry_transition(
    *, entry: OpenEntry, action: str, actor: User, reason: str = "", open_type: str = "", request=None
) -> OpenEntry:
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise ApplicationError(f"Unknown action {action!r}; one of: {', '.join(TRANSITIONS)}.")
    reason = reason.strip()
    with transaction.atomic():
        entry = OpenEntry.objects.select_for_update().select_related("resource__producer").get(pk=entry.pk)
        if entry.status not in transition.sources:
            raise ApplicationError(
                f"An entry that is {entry.get_status_display()} cannot be: {transition.title}."
            )
        if not transition.allowed(actor, entry):
            raise ApplicationError(
                "The producing unit proposes; the data authority of its region decides.",
                extra={"code": "forbidden"},
            )
        if transition.needs_reason and not reason:
            raise ApplicationError("Give the reason: it is recorded and shown.")
        before = entry.status
        _apply(entry, action, actor=actor, reason=reason, open_type=open_type or entry.open_type)
        entry.save()
        OpenEntryChange.objects.create(
            entry=entry,
            from_status=before,
            to_status=entry.status,
            open_type=entry.open_type,
            actor=actor,
            reason=reason,
        )
        audit_record(
            action=f"open_entry.{action}",
            actor=actor,
            request=request,
            target=entry,
            owner_unit=entry.resource.producer,
            detail={"from": before, "to": entry.status, "open_type": entry.open_type, "reason": reason},
        )
        _notify(entry, action, reason)
    return entry


def _apply(entry: OpenEntry, action: str, *, actor: User, reason: str, open_type: str) -> None:
    now = timezone.now()
    if action in ("open", "retype"):
        if open_type not in OPEN_TYPES:
            raise ApplicationError("An open entry is open universally or on application.")
        if action == "retype" and open_type == entry.open_type:
            raise ApplicationError("Choose a different open type.")
        missing = items_missing_rules(entry, dict(entry.rules.values_list("item_name", "rule")))
        if missing:
            # Q6.1, G32, F13: personal or sensitive data opens only de-identified.
            raise ApplicationError(
                f"Personal or sensitive items need a de-identification rule first: {', '.join(missing)}."
            )
        entry.open_type = open_type
        entry.opened_at = entry.opened_at or now
        entry.withdrawal_reason, entry.withdrawn_at = "", None
    if action == "refuse":
        entry.open_type, entry.not_open_reason = OpenType.NOT_OPEN, reason
    if action == "withdraw":
        entry.withdrawal_reason, entry.withdrawn_at = reason, now
    if action == "propose":
        entry.proposed_by, entry.proposed_at = actor, now
    if action != "propose":
        entry.decided_by, entry.decided_at = actor, now
    entry.status = TRANSITIONS[action].target


def _notify(entry: OpenEntry, action: str, reason: str) -> None:
    resource = entry.resource
    if action == "propose":
        recipients, title = reviewers_of(resource.producer.region_id), f"开放目录待决定：{resource.name}"
    else:
        recipients, title = (
            data_admins(resource.producer),
            f"开放目录决定（{entry.get_status_display()}）：{resource.name}",
        )
    notify(recipients=recipients, title=title, body=reason, url=f"/open/manage/{entry.pk}/")
