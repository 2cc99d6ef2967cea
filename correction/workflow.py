"""The correction ticket's lifecycle (Q7): its table of actions on the core's workflow machine. The same
table decides which buttons a person sees.

reported → triage ─dispatch (technical service unit, Q7.2)─→ dispatched ─correct (producer, 5 business days)─→ correcting
             │                                                  └─decline──→ declined
             └─close (not a data problem)──→ closed
correcting ─resolve (the platform, on seeing the reported records re-aggregated after the decision;
             10 business days)─→ resolved ─confirm (reporter)─→ confirmed
                                          └─reopen (reporter)──→ triage
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from catalog.records import changed_count
from dataplatform.core.actors import Actor, acts_for
from dataplatform.core.business_days import business_days_between, due_after, local_date
from dataplatform.core.errors import ApplicationError
from dataplatform.core.models import Role, Unit, User
from dataplatform.core.models.history import HistoryEntry
from dataplatform.core.notifications import notify
from dataplatform.core.people import data_admins, reviewers_of
from dataplatform.core.workflow import Action, Lifecycle, Move, act, record_move
from dataplatform.core.workflow import allowed_actions as lifecycle_actions

from .models import CorrectionTicket, TicketStatus, TicketStep

T = TicketStatus

DECISION_DAYS = 5  # Q7.2: the producer verifies the problem and decides within 5 business days
CORRECTION_DAYS = 10  # Q7.2: and corrects at the source and re-aggregates within 10 of its decision


# --- who is who ----------------------------------------------------------------------------------


# People take the steps; an API key's information system only reports (and the platform resolves).


def is_evaluator(user: Actor, ticket: CorrectionTicket) -> bool:
    return isinstance(user, User) and user.has_role(Role.EVALUATOR)


def is_producer(user: Actor, ticket: CorrectionTicket) -> bool:
    return acts_for(user, ticket.producer_id)


def is_reporter(user: Actor, ticket: CorrectionTicket) -> bool:
    """The person who reported, or a data administrator of the reporting unit."""
    if not isinstance(user, User):
        return False
    if ticket.reporter_id is not None and user.pk == ticket.reporter_id:
        return True
    return acts_for(user, ticket.reporter_unit_id)


def is_platform(user: Actor, ticket: CorrectionTicket) -> bool:
    return user is None


def reporters(ticket: CorrectionTicket) -> list[User]:
    if ticket.reporter is not None:  # (no query when there is none)
        return [ticket.reporter]
    return list(data_admins(ticket.reporter_unit_id))


def evaluators() -> list[User]:
    return list(User.objects.filter(role_assignments__role=Role.EVALUATOR))


def authority_of(producer: Unit) -> list[User]:
    """The authority told of decisions and escalations (Q7.2): the producer's region's, and for a county
    producer the city's too."""
    regions = [producer.region_id, producer.region.parent_id]
    return list(reviewers_of(*regions))


def owers(ticket: CorrectionTicket) -> list[User]:
    """The people who owe the current step: reminders and the home page go to them."""
    if ticket.status == T.TRIAGE:
        return evaluators()
    if ticket.status in (T.DISPATCHED, T.CORRECTING):
        return list(data_admins(ticket.producer_id))
    if ticket.status == T.RESOLVED:
        return reporters(ticket)
    return []


# --- the resolution rule ---------------------------------------------------------------------------


def records_corrected(ticket: CorrectionTicket) -> bool:
    """Every reported record was re-aggregated with changed data after the decision. ``updated_at``
    moves only when a record's data does, so aggregating other records, or the same data again, does not
    count; a record that was missing and is now aggregated does."""
    if ticket.decided_at is None:
        return False
    keys = set(ticket.keys)
    changed = changed_count(resource_id=ticket.resource_id, keys=list(keys), since=ticket.decided_at)
    return changed == len(keys)


def check_records_corrected(move: Move[CorrectionTicket]) -> None:
    if not records_corrected(move.obj):
        raise ApplicationError(_("The reported records have not been re-aggregated since the decision."))


# --- the steps ------------------------------------------------------------------------------------


def _actor_name(actor: Actor) -> str:
    return str(actor) if actor is not None else "platform"


def _enter(move: Move[CorrectionTicket]) -> None:
    ticket, target, now = move.obj, move.target, timezone.now()
    ticket.reminded_at = ticket.overdue_since = ticket.overdue_reminded_on = None
    ticket.due = None
    if target == T.DISPATCHED:  # a new round: the earlier decision and correction no longer stand
        ticket.dispatched_at = now
        ticket.decision_due = ticket.due = due_after(now, DECISION_DAYS).date
        ticket.decided_at = ticket.correction_due = ticket.corrected_at = None
        ticket.correction_business_days = None
    elif target == T.CORRECTING:
        ticket.decided_at = now
        ticket.correction_due = ticket.due = due_after(now, CORRECTION_DAYS).date
    elif target == T.DECLINED:
        ticket.decided_at = now
    elif target == T.RESOLVED:
        ticket.corrected_at = now
        assert ticket.decided_at is not None  # a ticket is decided before it is corrected
        ticket.correction_business_days = business_days_between(
            local_date(ticket.decided_at), local_date(now)
        ).days
    elif target == T.CONFIRMED:
        ticket.confirmed_at = now
    elif target == T.TRIAGE:
        ticket.reopen_count += 1
    move.history["actor_name"] = _actor_name(move.actor)


def _notify(move: Move[CorrectionTicket]) -> None:
    ticket, action, opinion = move.obj, move.name, move.reason
    url = f"/correction/{ticket.pk}/"
    params = {
        "ticket": f"#{ticket.pk} {ticket.resource.name}",
        "due": ticket.due,
        "unit": ticket.producer.name,
    }
    if action == "dispatch":
        notify(
            recipients=data_admins(ticket.producer_id),
            title=gettext_noop("Problem data to check: %(ticket)s (decide by %(due)s whether to correct it)"),
            params=params,
            body=ticket.description,
            url=url,
        )
    elif action in ("correct", "decline"):
        if action == "correct":
            title = gettext_noop(
                "%(unit)s decided to correct %(ticket)s: corrected and re-aggregated by %(due)s"
            )
        else:
            title = gettext_noop("%(unit)s decided not to correct %(ticket)s")
        # Q7.2: the producer's decision is made known to the authority through the platform.
        notify(recipients=authority_of(ticket.producer), title=title, params=params, body=opinion, url=url)
        notify(recipients=reporters(ticket), title=title, params=params, body=opinion, url=url)
    elif action == "close":
        title = gettext_noop("Feedback closed (not a data problem): %(ticket)s")
        notify(recipients=reporters(ticket), title=title, params=params, body=opinion, url=url)
    elif action == "resolve":
        title = gettext_noop("Data corrected, please confirm: %(ticket)s")
        notify(recipients=reporters(ticket), title=title, params=params, url=url)
    elif action == "reopen":
        title = gettext_noop("Feedback reopened: %(ticket)s")
        notify(recipients=evaluators(), title=title, params=params, body=opinion, url=url)


def _audit(move: Move[CorrectionTicket]) -> dict:
    """The records and data items the ticket is about, and the due date of the step it is at now."""
    ticket = move.obj
    return {
        "data_items": [f"{ticket.resource.code}:{item}" for item in ticket.items],
        "record_count": len(ticket.keys),
        "detail": {"due": str(ticket.due or "")},
    }


# --- the table ------------------------------------------------------------------------------------


ACTIONS: dict[str, Action[CorrectionTicket]] = {
    "dispatch": Action(
        title=_("Dispatch to the producing unit"),
        sources=(T.TRIAGE,),
        to=T.DISPATCHED,
        allowed=is_evaluator,
    ),
    "close": Action(
        title=_("Close: not a data problem"),
        sources=(T.TRIAGE,),
        to=T.CLOSED,
        allowed=is_evaluator,
        needs_reason=True,
        style="danger",
    ),
    "correct": Action(
        title=_("Decide to correct"),
        sources=(T.DISPATCHED,),
        to=T.CORRECTING,
        allowed=is_producer,
    ),
    "decline": Action(
        title=_("Decide not to correct"),
        sources=(T.DISPATCHED,),
        to=T.DECLINED,
        allowed=is_producer,
        needs_reason=True,
        style="danger",
    ),
    # Only the platform resolves a ticket, when it sees the corrected records (never a click on "done").
    "resolve": Action(
        title=_("Corrected records re-aggregated"),
        sources=(T.CORRECTING,),
        to=T.RESOLVED,
        allowed=is_platform,
        check=check_records_corrected,
    ),
    "confirm": Action(
        title=_("Confirm the correction"),
        sources=(T.RESOLVED,),
        to=T.CONFIRMED,
        allowed=is_reporter,
        style="success",
    ),
    "reopen": Action(
        title=_("Reopen: the data is still wrong"),
        sources=(T.RESOLVED,),
        to=T.TRIAGE,
        allowed=is_reporter,
        needs_reason=True,
        style="warning",
    ),
}


def _nobody(actor: Actor, ticket: CorrectionTicket) -> bool:
    return False


# The steps that are not actions of the table: no one takes them, they are recorded (``record_step``).
STEPS: dict[str, Action[CorrectionTicket]] = {
    "report": Action(title=_("Reported"), sources=(), allowed=_nobody),
    "overdue": Action(title=_("Overdue: escalated to the authority"), sources=(), allowed=_nobody),
}


LIFECYCLE = Lifecycle(
    name="correction",
    noun="a ticket",
    model=CorrectionTicket,
    actions=ACTIONS,
    history=TicketStep,
    history_link=lambda ticket: {"ticket": ticket},
    owner=lambda ticket: ticket.producer,
    related=("producer__region", "resource", "reporter"),
    reason_key="opinion",
    enter=_enter,
    audit=_audit,
    notify=_notify,
)


def step_title(action: str) -> str:
    step = ACTIONS.get(action) or STEPS.get(action)
    return str(step.title if step is not None else action)


def allowed_actions(user: Actor, ticket: CorrectionTicket) -> list[tuple[str, Action[CorrectionTicket]]]:
    return lifecycle_actions(LIFECYCLE, user, ticket)


def ticket_act(
    *, ticket: CorrectionTicket, action: str, actor: Actor, opinion: str = "", request=None
) -> CorrectionTicket:
    """Take one action on the ticket. ``actor`` None is the platform itself (the resolution check)."""
    return act(LIFECYCLE, obj=ticket, action=action, actor=actor, reason=opinion, request=request)


def record_step(
    ticket: CorrectionTicket, step: str, source: str, *, actor: Actor, request=None, detail=None
) -> HistoryEntry:
    """The timeline row and the audit event of a step that is not an action (``STEPS``): the report,
    a timer's escalation. The ticket keeps its status."""
    move = Move(
        obj=ticket,
        name=step,
        action=STEPS[step],
        actor=actor,
        source=source,
        target=ticket.status,
        reason="",
        request=request,
        detail=detail or {},
        history={"actor_name": _actor_name(actor)},
    )
    return record_move(LIFECYCLE, move)


def notify_reported(ticket: CorrectionTicket) -> None:
    notify(
        recipients=evaluators(),
        title=gettext_noop("Problem data to analyse: %(ticket)s"),
        params={"ticket": f"#{ticket.pk} {ticket.resource.name}"},
        body=ticket.description,
        url=f"/correction/{ticket.pk}/",
    )
