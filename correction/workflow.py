"""The correction workflow (Q7): one table of actions and the one function that takes them. The same
table decides which buttons a person sees.

reported → triage ─dispatch (technical service unit, Q7.2)─→ dispatched ─correct (producer, 5 business days)─→ correcting
             │                                                  └─decline──→ declined
             └─close (not a data problem)──→ closed
correcting ─resolve (the platform, on seeing the reported records re-aggregated after the decision;
             10 business days)─→ resolved ─confirm (reporter)─→ confirmed
                                          └─reopen (reporter)──→ triage
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.services import audit_record
from catalog.models import Record
from dataplatform.core.business_days import business_days_between, due_after, local_date
from dataplatform.core.errors import ApplicationError
from dataplatform.core.models import Role, Unit, User
from dataplatform.core.notifications import notify
from dataplatform.core.people import data_admins, reviewers_of

from .models import CorrectionTicket, TicketStatus, TicketStep

T = TicketStatus

DECISION_DAYS = 5  # Q7.2: the producer verifies the problem and decides within 5 business days
CORRECTION_DAYS = 10  # Q7.2: and corrects at the source and re-aggregates within 10 of its decision


# --- who is who ----------------------------------------------------------------------------------


# People take the steps; an API key's information system only reports (and the platform resolves).


def is_evaluator(user, ticket: CorrectionTicket) -> bool:
    return isinstance(user, User) and user.has_role(Role.EVALUATOR)


def is_producer(user, ticket: CorrectionTicket) -> bool:
    return isinstance(user, User) and user.unit_id == ticket.producer_id and user.has_role(Role.DATA_ADMIN)


def is_reporter(user, ticket: CorrectionTicket) -> bool:
    """The person who reported, or a data administrator of the reporting unit."""
    if not isinstance(user, User):
        return False
    if ticket.reporter_id is not None and user.pk == ticket.reporter_id:
        return True
    return (
        ticket.reporter_unit_id is not None
        and user.unit_id == ticket.reporter_unit_id
        and user.has_role(Role.DATA_ADMIN)
    )


def is_platform(user, ticket: CorrectionTicket) -> bool:
    return user is None


def reporters(ticket: CorrectionTicket) -> list[User]:
    if ticket.reporter_id is not None:
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
    changed = Record.objects.filter(
        resource=ticket.resource_id, key__in=keys, updated_at__gt=ticket.decided_at
    )
    return changed.count() == len(keys)


def check_records_corrected(ticket: CorrectionTicket) -> None:
    if not records_corrected(ticket):
        raise ApplicationError("The reported records have not been re-aggregated since the decision.")


# --- the table ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    title: str
    sources: tuple[str, ...]
    to: str
    allowed: Callable[[User | None, CorrectionTicket], bool]
    needs_opinion: bool = False
    check: Callable[[CorrectionTicket], None] | None = None
    style: str = "primary"  # the button's colour


ACTIONS: dict[str, Action] = {
    "dispatch": Action(_("Dispatch to the producing unit"), (T.TRIAGE,), T.DISPATCHED, is_evaluator),
    "close": Action(
        _("Close: not a data problem"),
        (T.TRIAGE,),
        T.CLOSED,
        is_evaluator,
        needs_opinion=True,
        style="danger",
    ),
    "correct": Action(_("Decide to correct"), (T.DISPATCHED,), T.CORRECTING, is_producer),
    "decline": Action(
        _("Decide not to correct"),
        (T.DISPATCHED,),
        T.DECLINED,
        is_producer,
        needs_opinion=True,
        style="danger",
    ),
    # Only the platform resolves a ticket, when it sees the corrected records (never a click on "done").
    "resolve": Action(
        _("Corrected records re-aggregated"),
        (T.CORRECTING,),
        T.RESOLVED,
        is_platform,
        check=check_records_corrected,
    ),
    "confirm": Action(_("Confirm the correction"), (T.RESOLVED,), T.CONFIRMED, is_reporter, style="success"),
    "reopen": Action(
        _("Reopen: the data is still wrong"),
        (T.RESOLVED,),
        T.TRIAGE,
        is_reporter,
        needs_opinion=True,
        style="warning",
    ),
}


# The timeline's words for the steps that are not actions in the table.
STEP_TITLES = {"report": _("Reported"), "overdue": _("Overdue: escalated to the authority")}


def step_title(action: str) -> str:
    return str(ACTIONS[action].title if action in ACTIONS else STEP_TITLES.get(action, action))


def allowed_actions(user, ticket: CorrectionTicket) -> list[tuple[str, Action]]:
    return [
        (name, action)
        for name, action in ACTIONS.items()
        if ticket.status in action.sources and action.allowed(user, ticket)
    ]


def ticket_act(
    *, ticket: CorrectionTicket, action: str, actor: User | None, opinion: str = "", request=None
) -> CorrectionTicket:
    """Take one action: lock, check the table and the actor's right, move, record, notify after commit.
    ``actor`` None is the platform itself (the resolution check)."""
    step = ACTIONS.get(action)
    if step is None:
        raise ApplicationError(f"Unknown action {action!r}; one of: {', '.join(ACTIONS)}.")
    with transaction.atomic():
        ticket = (
            CorrectionTicket.objects.select_for_update(of=("self",))
            .select_related("producer__region", "resource", "reporter")
            .get(pk=ticket.pk)
        )
        if ticket.status not in step.sources:
            raise ApplicationError(f"A ticket that is {ticket.get_status_display()} cannot {action}.")
        if not step.allowed(actor, ticket):
            raise ApplicationError(f"You may not {action} this ticket.", extra={"code": "forbidden"})
        if step.needs_opinion and not opinion.strip():
            raise ApplicationError("Give the reasons.")
        if step.check is not None:
            step.check(ticket)
        source = ticket.status
        _enter(ticket, step.to, actor=actor)
        record_step(ticket, action, source, actor=actor, opinion=opinion, request=request)
        _notify(ticket, action, opinion)
    return ticket


def _enter(ticket: CorrectionTicket, target: str, *, actor: User | None) -> None:
    now = timezone.now()
    ticket.status = target
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
        ticket.correction_business_days = business_days_between(
            local_date(ticket.decided_at), local_date(now)
        ).days
    elif target == T.CONFIRMED:
        ticket.confirmed_at = now
    elif target == T.TRIAGE:
        ticket.reopen_count += 1
    ticket.save()


def record_step(
    ticket: CorrectionTicket, action: str, source: str, *, actor, opinion: str = "", request=None, detail=None
) -> TicketStep:
    """The timeline row and the audit event of one step (a timer's escalation included)."""
    user = actor if isinstance(actor, User) else None
    step = TicketStep.objects.create(
        ticket=ticket,
        action=action,
        from_status=source,
        to_status=ticket.status,
        actor=user,
        actor_name=str(actor) if actor is not None else "platform",
        opinion=opinion,
    )
    audit_record(
        action=f"correction.{action}",
        actor=actor,
        request=request,
        target=ticket,
        owner_unit=ticket.producer,
        data_items=[f"{ticket.resource.code}:{item}" for item in ticket.items],
        record_count=len(ticket.keys),
        detail={
            "from": source,
            "to": ticket.status,
            "opinion": opinion,
            "due": str(ticket.due or ""),
            **(detail or {}),
        },
    )
    return step


def _notify(ticket: CorrectionTicket, action: str, opinion: str) -> None:
    url = f"/correction/{ticket.pk}/"
    name = f"#{ticket.pk} {ticket.resource.name}"
    if action == "dispatch":
        notify(
            recipients=data_admins(ticket.producer_id),
            title=f"问题数据待核实：{name}（请于 {ticket.due} 前决定是否更正）",
            body=ticket.description,
            url=url,
        )
    elif action in ("correct", "decline"):
        decision = "决定更正" if action == "correct" else "决定不予更正"
        due = f"，应于 {ticket.due} 前更正并重新汇聚" if action == "correct" else ""
        title = f"{ticket.producer.name}{decision}：{name}{due}"
        # Q7.2: the producer's decision is made known to the authority through the platform.
        notify(recipients=authority_of(ticket.producer), title=title, body=opinion, url=url)
        notify(recipients=reporters(ticket), title=title, body=opinion, url=url)
    elif action == "close":
        notify(recipients=reporters(ticket), title=f"反馈已关闭（非数据问题）：{name}", body=opinion, url=url)
    elif action == "resolve":
        notify(recipients=reporters(ticket), title=f"数据已更正，请确认：{name}", url=url)
    elif action == "reopen":
        notify(recipients=evaluators(), title=f"反馈被重新打开：{name}", body=opinion, url=url)


def notify_reported(ticket: CorrectionTicket) -> None:
    notify(
        recipients=evaluators(),
        title=f"待分析问题数据：#{ticket.pk} {ticket.resource.name}",
        body=ticket.description,
        url=f"/correction/{ticket.pk}/",
    )
