"""The open catalog entry's lifecycle: its table of actions on the core's workflow machine.

A producer proposes how its published entry opens; the authority decides (open, or not open with the
reason F11 asks for). An open entry is not withdrawn or re-typed at will (F14): the authority withdraws a
risky one with a reason (F33), shown on its page, or re-types it with a reason; a withdrawn or refused
entry can be proposed again.
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, pgettext_lazy

from catalog.models import OpenType
from catalog.workflow import is_producer, is_reviewer
from dataplatform.core.actors import Actor
from dataplatform.core.errors import ApplicationError
from dataplatform.core.notifications import notify
from dataplatform.core.people import data_admins, reviewers_of
from dataplatform.core.workflow import Action, Lifecycle, Move, act
from dataplatform.core.workflow import allowed_actions as lifecycle_actions

from .deidentify import items_missing_rules
from .models import OpenEntry, OpenEntryChange
from .models import OpenEntryStatus as S

OPEN_TYPES = (OpenType.UNIVERSAL, OpenType.ON_APPLICATION)
REASON_MESSAGE = _("Give the reason: it is recorded and shown.")


def _producer(user: Actor, entry: OpenEntry) -> bool:
    return is_producer(user, entry.resource)


def _reviewer(user: Actor, entry: OpenEntry) -> bool:
    return is_reviewer(user, entry.resource)


def _open_type(move: Move[OpenEntry]) -> str:
    return move.inputs.get("open_type") or move.obj.open_type


def _check_opening(move: Move[OpenEntry]) -> None:
    entry, open_type = move.obj, _open_type(move)
    if open_type not in OPEN_TYPES:
        raise ApplicationError(_("An open entry is open universally or on application."))
    if move.name == "retype" and open_type == entry.open_type:
        raise ApplicationError(_("Choose a different open type."))
    missing = items_missing_rules(entry, dict(entry.rules.values_list("item_name", "rule")))
    if missing:
        # Q6.1, G32, F13: personal or sensitive data opens only de-identified.
        raise ApplicationError(
            _("Personal or sensitive items need a de-identification rule first: %(missing)s.")
            % {"missing": ", ".join(missing)}
        )


def _enter(move: Move[OpenEntry]) -> None:
    """Every action's own work; the open type as it then is goes to the history row and the audit."""
    entry, now = move.obj, timezone.now()
    if move.name in ("open", "retype"):
        entry.open_type = _open_type(move)
        entry.opened_at = entry.opened_at or now
        entry.withdrawal_reason, entry.withdrawn_at = "", None
    if move.name == "refuse":
        entry.open_type, entry.not_open_reason = OpenType.NOT_OPEN, move.reason
    if move.name == "withdraw":
        entry.withdrawal_reason, entry.withdrawn_at = move.reason, now
    if move.name == "propose":
        entry.proposed_by, entry.proposed_at = move.person, now
    else:
        entry.decided_by, entry.decided_at = move.person, now
    move.history["open_type"] = entry.open_type


def _audit(move: Move[OpenEntry]) -> dict:
    return {"detail": {"open_type": move.obj.open_type}}


def _notify(move: Move[OpenEntry]) -> None:
    entry = move.obj
    resource = entry.resource
    params = {"resource": resource.name, "status": S(entry.status).label}
    if move.name == "propose":
        recipients = reviewers_of(resource.producer.region_id)
        title = gettext_noop("Open catalog entry to decide: %(resource)s")
    else:
        recipients = data_admins(resource.producer)
        title = gettext_noop("Open catalog decision (%(status)s): %(resource)s")
    notify(
        recipients=recipients, title=title, params=params, body=move.reason, url=f"/open/manage/{entry.pk}/"
    )


# --- the table --------------------------------------------------------------------------------

ACTIONS: dict[str, Action[OpenEntry]] = {
    "propose": Action(
        title=_("Propose again"),
        sources=(S.NOT_OPEN, S.WITHDRAWN),
        to=S.PROPOSED,
        allowed=_producer,
    ),
    "open": Action(
        title=pgettext_lazy("open data action", "Open"),
        sources=(S.PROPOSED,),
        to=S.OPEN,
        allowed=_reviewer,
        check=_check_opening,
    ),
    "refuse": Action(
        title=_("Do not open"),
        sources=(S.PROPOSED,),
        to=S.NOT_OPEN,
        allowed=_reviewer,
        needs_reason=True,
        reason_message=REASON_MESSAGE,
    ),
    "retype": Action(
        title=_("Change the open type"),
        sources=(S.OPEN,),
        to=S.OPEN,  # the status stays; the open type changes
        allowed=_reviewer,
        needs_reason=True,
        reason_message=REASON_MESSAGE,
        check=_check_opening,
    ),
    "withdraw": Action(
        title=_("Withdraw"),
        sources=(S.OPEN,),
        to=S.WITHDRAWN,
        allowed=_reviewer,
        needs_reason=True,
        reason_message=REASON_MESSAGE,
    ),
}

LIFECYCLE = Lifecycle(
    name="open_entry",
    noun="an entry",
    model=OpenEntry,
    actions=ACTIONS,
    history=OpenEntryChange,
    history_link=lambda entry: {"entry": entry},
    owner=lambda entry: entry.resource.producer,
    related=("resource__producer",),
    enter=_enter,
    audit=_audit,
    notify=_notify,
)


def allowed_actions(user: Actor, entry: OpenEntry) -> list[tuple[str, Action[OpenEntry]]]:
    """The actions ``user`` may take on ``entry`` now; the UI shows a button for each."""
    return lifecycle_actions(LIFECYCLE, user, entry)


def open_entry_transition(
    *, entry: OpenEntry, action: str, actor: Actor, reason: str = "", open_type: str = "", request=None
) -> OpenEntry:
    return act(
        LIFECYCLE,
        obj=entry,
        action=action,
        actor=actor,
        reason=reason,
        request=request,
        open_type=open_type,
    )
