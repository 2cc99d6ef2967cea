"""The one workflow machine. Every lifecycle of the platform (catalog entries, open entries, open
applications, sharing applications, correction tickets, governance flows) is a ``Lifecycle``: a table of
``Action``s plus its entry steps. ``act`` takes one action the same way for all of them, and
``allowed_actions`` gives the buttons a page shows from the same table.

An action, in order: lock the object's row (only that row: ``of=("self",)``, so that the units and
regions it names stay free for everyone else), check the table (is the action known, does it start from
the current status), check the actor's right (``Forbidden`` otherwise: 403 on pages and the API), check the
reason when one is needed, run the action's ``check`` and its ``enter`` step, save the new status, write the
history row, write the audit event and notify (``notify`` writes its rows now; e-mails go after commit).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.db import models, transaction
from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from .actors import Actor
from .errors import ApplicationError, Forbidden
from .events import record_event
from .models import Unit, User
from .models.history import HistoryEntry

M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True, kw_only=True)
class Action(Generic[M]):
    """One row of a lifecycle's table.

    ``to`` is the status the action leads to, a function of the move deciding it (routing), or None for a
    step that leaves the status as it was. ``allowed`` says who may take it. ``check`` refuses with an
    ``ApplicationError`` when a rule is not met; ``enter`` does the action's own work on the locked object
    (it may set ``move.target``, ``move.detail`` and ``move.history``)."""

    title: str | Promise  # the button
    sources: tuple[str, ...]
    allowed: Callable[[Any, M], bool]
    to: str | Callable[[Move[M]], str] | None = None
    needs_reason: bool = False
    reason_message: str | Promise = gettext_lazy("Give the reasons.")
    check: Callable[[Move[M]], None] | None = None
    enter: Callable[[Move[M]], None] | None = None
    label: str = ""  # the verb in the audit action, where it is not the action's name
    style: str = "primary"  # the button's colour


@dataclass(kw_only=True)
class Move(Generic[M]):
    """One action being taken: what the steps of the action read and fill in."""

    obj: M
    name: str
    action: Action[M]
    actor: Actor
    source: str
    target: str
    reason: str
    request: HttpRequest | None = None
    inputs: dict[str, Any] = field(default_factory=dict)  # what the action takes beyond the reason
    detail: dict[str, Any] = field(default_factory=dict)  # more for the audit event's detail
    history: dict[str, Any] = field(default_factory=dict)  # more fields for the history row
    row: HistoryEntry | None = None  # the history row, once written (``notify`` may read it)

    @property
    def person(self) -> User | None:
        return self.actor if isinstance(self.actor, User) else None


@dataclass(frozen=True, kw_only=True)
class Lifecycle(Generic[M]):
    name: str  # the audit actions' prefix: "<name>.<action>"
    noun: str  # the object in messages, with its article: "an entry"
    model: type[M]
    actions: Mapping[str, Action[M]]
    history: type[HistoryEntry]
    history_link: Callable[[M], dict[str, Any]]  # the history row's link to its object
    owner: Callable[[M], Unit | None]  # whose audit chain the events go to
    related: Sequence[str] = ()  # read with the locked row (and not locked)
    # Read once after the lock, for every step of the action to share (the steps read them from the object).
    prefetch: Sequence[str | models.Prefetch] = ()
    reason_key: str = "reason"  # the reason's key in the audit event's detail
    enter: Callable[[Move[M]], None] | None = None  # the lifecycle's own step, after every action's
    audit: Callable[[Move[M]], dict[str, Any]] | None = None  # more audit fields (data items, purpose)
    notify: Callable[[Move[M]], None] | None = None

    def __post_init__(self) -> None:
        LIFECYCLES.append(self)  # so that a history row finds the words for its codes (``lifecycle_of``)

    def step_title(self, name: str, *, first: bool = False) -> str:
        """The words for a step of this lifecycle: its action's title, or for a step taken outside the
        table (``first``: the creation, which may share an action's name) the step's own."""
        action = self.actions.get(name)
        if action is None or (first and name in STEP_TITLES):
            return str(STEP_TITLES.get(name, name))
        return str(action.title)

    def status_label(self, status: str) -> str:
        if not status:
            return ""
        choices = dict(self.model._meta.get_field("status").flatchoices)  # type: ignore[union-attr]  # every lifecycle's model has a status
        return str(choices.get(status, status))


LIFECYCLES: list[Lifecycle] = []

# Steps that lifecycles take outside their tables (a creation, a timer's), and what their history rows read.
STEP_TITLES: dict[str, Promise] = {
    "create": pgettext_lazy("history step", "Created"),
    "submit": pgettext_lazy("history step", "Submitted"),
    "propose": pgettext_lazy("history step", "Proposed"),
    "report": pgettext_lazy("history step", "Reported"),
    "request": pgettext_lazy("history step", "Requested"),
    "register": pgettext_lazy("history step", "Registered"),
    "grant": pgettext_lazy("history step", "Granted"),
    "record": pgettext_lazy("history step", "Recorded"),
    "overdue": pgettext_lazy("history step", "Overdue"),
    "escalate": pgettext_lazy("history step", "Escalated to the authority"),
}


@functools.cache
def _discover_lifecycles() -> None:
    """Each app's lifecycles are made when its workflow modules are first imported; a page showing a
    history may not have imported them yet."""
    autodiscover_modules("workflow", "applications")


def lifecycle_of(row: HistoryEntry) -> Lifecycle | None:
    """The lifecycle a history row belongs to: the one keeping its history in the row's model (of those
    sharing one model, the one the row names)."""
    _discover_lifecycles()
    candidates = [lifecycle for lifecycle in LIFECYCLES if lifecycle.history is type(row)]
    if len(candidates) > 1:
        candidates = [lifecycle for lifecycle in candidates if lifecycle.name == row.lifecycle_name]
    return candidates[0] if candidates else None


def allowed_actions(lifecycle: Lifecycle[M], actor: Actor, obj: M) -> list[tuple[str, Action[M]]]:
    """The actions ``actor`` may take on ``obj`` now, on the object the page already holds."""
    status = obj.status  # type: ignore[attr-defined]
    return [
        (name, action)
        for name, action in lifecycle.actions.items()
        if status in action.sources and action.allowed(actor, obj)
    ]


def act(
    lifecycle: Lifecycle[M],
    *,
    obj: M,
    action: str,
    actor: Actor,
    reason: str = "",
    request: HttpRequest | None = None,
    **inputs: Any,
) -> M:
    """Take one action on ``obj``: lock, check, enter, record, audit, notify. Returns the object as saved."""
    step = lifecycle.actions.get(action)
    if step is None:
        raise ApplicationError(
            _("Unknown action %(action)s; one of: %(actions)s.")
            % {"action": repr(action), "actions": ", ".join(lifecycle.actions)}
        )
    reason = reason.strip()
    with transaction.atomic():
        locked = lifecycle.model.objects.select_for_update(of=("self",))  # type: ignore[attr-defined]  # every lifecycle's model has ``objects``
        obj = locked.select_related(*lifecycle.related).prefetch_related(*lifecycle.prefetch).get(pk=obj.pk)
        source = obj.status  # type: ignore[attr-defined]
        if source not in step.sources:
            status = obj.get_status_display()  # type: ignore[attr-defined]
            raise ApplicationError(
                _("“%(action)s” cannot be taken while the status is %(status)s.")
                % {"action": step.title, "status": status}
            )
        if not step.allowed(actor, obj):
            raise Forbidden(_("You may not take this step: %(action)s.") % {"action": step.title})
        if step.needs_reason and not reason:
            raise ApplicationError(step.reason_message)
        move = Move(
            obj=obj,
            name=action,
            action=step,
            actor=actor,
            source=source,
            target=source,
            reason=reason,
            request=request,
            inputs=inputs,
        )
        if step.check is not None:
            step.check(move)
        if step.to is not None:
            move.target = step.to(move) if callable(step.to) else step.to
        if step.enter is not None:
            step.enter(move)
        if lifecycle.enter is not None:
            lifecycle.enter(move)
        obj.status = move.target  # type: ignore[attr-defined]
        obj.save()
        move.row = record_move(lifecycle, move)
        if lifecycle.notify is not None:
            lifecycle.notify(move)
    return obj


def record_move(lifecycle: Lifecycle[M], move: Move[M]) -> HistoryEntry:
    """The history row and the audit event of one move. Steps taken outside ``act`` (a creation, a
    timer's escalation) are recorded through here too, so every timeline and audit log reads alike."""
    row = lifecycle.history.objects.create(  # type: ignore[attr-defined]  # a concrete subclass of the abstract model
        **lifecycle.history_link(move.obj),
        action=move.name,
        from_status=move.source,
        to_status=move.target,
        actor=move.person,
        reason=move.reason,
        **move.history,
    )
    extra = lifecycle.audit(move) if lifecycle.audit is not None else {}
    detail = {"from": move.source, "to": move.target, lifecycle.reason_key: move.reason, **move.detail}
    record_event(
        action=f"{lifecycle.name}.{move.action.label or move.name}",
        actor=move.actor,
        request=move.request,
        target=move.obj,
        owner_unit=lifecycle.owner(move.obj),
        **{**extra, "detail": {**detail, **extra.get("detail", {})}},
    )
    return row
