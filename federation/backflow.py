"""Back-flow (回流) on the lower node (docs/federation.md §14): a unit applies for an upper node's entry to
flow back here (Q4.3); its authority reviews it (a county unit's: the county authority, then the city's,
Q-A2.4); the approval goes to the upper node as ``backflow.request``, whose answers come back as
``backflow.step`` and ``backflow.grant`` and are recorded on the same timeline.

county_review ─forward→ city_review ─approve→ upstream ═(the upper node)═ grant → granted ⇄ suspended
      └──────── refuse ──────┴──→ refused ←══ refuse ══┘                      └─ end ─→ ended
the applicant withdraws before the upper node answers → withdrawn
"""

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, pgettext

from dataplatform.core.actors import Actor, acts_for
from dataplatform.core.business_days import due_after
from dataplatform.core.errors import ApplicationError, Forbidden
from dataplatform.core.models import User
from dataplatform.core.models.units import Level
from dataplatform.core.notifications import notify
from dataplatform.core.people import (
    data_admins,
    is_government_staff,
    regions_reviewed_by,
    reviewers_of,
    working_unit_id,
    works_for_government,
)
from dataplatform.core.workflow import Action, Lifecycle, Move, act, allowed_actions, record_move
from sharing.models import ApplicationStatus, Grant, GrantStatus
from sharing.workflow import city_region, grant_act, reviews_region

from . import bodies
from .envelope import Envelope
from .handlers import HandlerError, handler
from .mirrors import mirror_create
from .models import BackflowRequest, BackflowStatus, BackflowStep, RemoteEntry, RemoteStatus
from .outbox import federation_send

B = BackflowStatus

REQUEST = "backflow.request"
STEP = "backflow.step"
GRANT = "backflow.grant"

# Q-A2.3: the authority answers in 5 business days.
STEP_DAYS: dict[str, int] = {B.COUNTY_REVIEW: 5, B.CITY_REVIEW: 5}

# The upper node's decisions that end the lower node's request without a grant: a returned application has
# nobody at the upper node to revise it (the lower node applies anew), so it ends as a refusal too.
UPSTREAM_REFUSALS = (ApplicationStatus.REFUSED, ApplicationStatus.RETURNED, ApplicationStatus.WITHDRAWN)


def backflow_stream(request_id: int) -> str:
    """One stream per back-flow application (the lower node's id), both ways: its request, steps, grant."""
    return f"backflow:{request_id}"


# --- who is who ----------------------------------------------------------------------------------


def is_applicant(actor: Actor, request: BackflowRequest) -> bool:
    return acts_for(actor, request.applicant_unit_id)


def is_county_reviewer(actor: Actor, request: BackflowRequest) -> bool:
    return reviews_region(actor, request.applicant_unit.region)


def is_city_reviewer(actor: Actor, request: BackflowRequest) -> bool:
    return reviews_region(actor, city_region(request.applicant_unit.region))


def _may_refuse(actor: Actor, request: BackflowRequest) -> bool:
    if request.status == B.COUNTY_REVIEW:
        return is_county_reviewer(actor, request)
    return is_city_reviewer(actor, request)


def upstream_answered(request: BackflowRequest) -> bool:
    return request.upstream_application is not None or bool(request.upstream_status)


def _may_withdraw(actor: Actor, request: BackflowRequest) -> bool:
    # Once the upper node has answered, its application runs there: this node no longer withdraws it alone.
    return is_applicant(actor, request) and not (request.status == B.UPSTREAM and upstream_answered(request))


def owers(request: BackflowRequest) -> list[User]:
    """The people who owe the current step."""
    if request.status == B.COUNTY_REVIEW:
        return list(reviewers_of(request.applicant_unit.region))
    if request.status == B.CITY_REVIEW:
        return list(reviewers_of(city_region(request.applicant_unit.region)))
    return []


# --- the lifecycle ---------------------------------------------------------------------------------


def request_body(request: BackflowRequest) -> dict[str, Any]:
    """The ``backflow.request`` message (the frozen body of docs/federation.md §14)."""
    unit = request.applicant_unit
    return {
        "request": request.pk,
        "code": request.remote_entry.code,
        "items": list(request.items),
        "business_matter": request.business_matter,
        "scenario": request.scenario,
        "basis": request.basis,
        "end_date": request.end_date.isoformat(),
        "applicant": {"name": unit.name, "credit_code": unit.credit_code},
    }


def _check_entry_available(move: Move[BackflowRequest]) -> None:
    if move.obj.remote_entry.status != RemoteStatus.ACTIVE:
        raise ApplicationError(_("The upper node has retired this entry."))


def _enter_approve(move: Move[BackflowRequest]) -> None:
    request = move.obj
    federation_send(
        peer=request.remote_entry.origin,
        kind=REQUEST,
        stream=backflow_stream(request.pk),
        body=request_body(request),
        actor=move.actor,
    )


def _enter(move: Move[BackflowRequest]) -> None:
    if move.target != move.source:
        days = STEP_DAYS.get(move.target)
        move.obj.due = due_after(timezone.now(), days).date if days else None


def _url(request: BackflowRequest) -> str:
    return f"/federation/backflow/{request.pk}/"


def _notify(move: Move[BackflowRequest]) -> None:
    request = move.obj
    if move.target == move.source:
        return
    if move.target in STEP_DAYS:
        notify(
            recipients=owers(request),
            title=gettext_noop("A back-flow application awaits you: %(request)s"),
            params={"request": request.remote_entry.name},
            url=_url(request),
        )
    elif move.target in (B.REFUSED, B.GRANTED, B.SUSPENDED, B.ENDED):
        notify(
            recipients=data_admins(request.applicant_unit_id),
            title=gettext_noop("Back-flow application %(status)s: %(request)s"),
            params={"status": B(move.target).label, "request": request.remote_entry.name},
            body=move.reason,
            url=_url(request),
        )


def _audit(move: Move[BackflowRequest]) -> dict[str, Any]:
    request = move.obj
    return {
        "data_items": [f"{request.remote_entry.code}:{item}" for item in request.items],
        "purpose": request.business_matter,
    }


ACTIONS: dict[str, Action[BackflowRequest]] = {
    "forward": Action(
        title=gettext_lazy("Forward to the city authority"),
        sources=(B.COUNTY_REVIEW,),
        to=B.CITY_REVIEW,
        allowed=is_county_reviewer,
    ),
    "approve": Action(
        title=gettext_lazy("Approve: apply at the upper node"),
        sources=(B.CITY_REVIEW,),
        to=B.UPSTREAM,
        allowed=is_city_reviewer,
        check=_check_entry_available,
        enter=_enter_approve,
    ),
    "refuse": Action(
        title=gettext_lazy("Refuse"),
        sources=(B.COUNTY_REVIEW, B.CITY_REVIEW),
        to=B.REFUSED,
        allowed=_may_refuse,
        needs_reason=True,
        style="danger",
    ),
    "withdraw": Action(
        title=gettext_lazy("Withdraw"),
        sources=(B.COUNTY_REVIEW, B.CITY_REVIEW, B.UPSTREAM),
        to=B.WITHDRAWN,
        allowed=_may_withdraw,
        style="secondary",
    ),
}


BACKFLOW = Lifecycle(
    name="federation.backflow",
    noun="a back-flow application",
    model=BackflowRequest,
    actions=ACTIONS,
    history=BackflowStep,
    history_link=lambda request: {"request": request},
    owner=lambda request: request.applicant_unit,
    related=("applicant_unit__region", "remote_entry__origin"),
    enter=_enter,
    audit=_audit,
    notify=_notify,
)


def _platform(actor: Actor, request: BackflowRequest) -> bool:
    return actor is None


# The steps the upper node's answers make here (recorded through ``record_move``, never a button). Their
# titles are the timeline's words; ``sources`` say where each may start.
UPSTREAM_STEPS: dict[str, Action[BackflowRequest]] = {
    "upstream": Action(
        title=gettext_lazy("A step at the upper node"), sources=(B.UPSTREAM,), allowed=_platform
    ),
    "grant": Action(
        title=gettext_lazy("Granted by the upper node"),
        sources=(B.UPSTREAM,),
        to=B.GRANTED,
        allowed=_platform,
    ),
    "refuse": Action(
        title=gettext_lazy("Refused by the upper node"),
        sources=(B.UPSTREAM,),
        to=B.REFUSED,
        allowed=_platform,
    ),
    "suspend": Action(
        title=gettext_lazy("Suspended by the upper node"),
        sources=(B.GRANTED,),
        to=B.SUSPENDED,
        allowed=_platform,
    ),
    "end": Action(
        title=gettext_lazy("Ended by the upper node"),
        sources=(B.GRANTED, B.SUSPENDED),
        to=B.ENDED,
        allowed=_platform,
    ),
    "resume": Action(
        title=gettext_lazy("Resumed by the upper node"),
        sources=(B.SUSPENDED,),
        to=B.GRANTED,
        allowed=_platform,
    ),
}


def step_title(step: BackflowStep) -> str:
    """The timeline's words for a step: an upper node's answer, this node's action, or the creation."""
    if step.upstream and step.action in UPSTREAM_STEPS:
        return str(UPSTREAM_STEPS[step.action].title)
    if step.action == "create":
        return pgettext("back-flow step", "Applied")
    return BACKFLOW.step_title(step.action)


def backflow_actions(actor: Actor, request: BackflowRequest) -> list[tuple[str, Action[BackflowRequest]]]:
    return allowed_actions(BACKFLOW, actor, request)


def backflow_act(*, request: BackflowRequest, action: str, actor: Actor, reason: str = "", http_request=None):
    """Take one of this node's actions on the back-flow application (``reason``: a refusal's reasons)."""
    return act(BACKFLOW, obj=request, action=action, actor=actor, reason=reason, request=http_request)


# --- the application -------------------------------------------------------------------------------


def entry_items(entry: RemoteEntry) -> list[dict]:
    return [item for item in entry.snapshot.get("items", []) if isinstance(item, dict) and item.get("name")]


def _chosen_items(entry: RemoteEntry, items: list[str]) -> list[str]:
    """The items asked for, in the entry's order, with its key item always (the records are keyed by it)."""
    offered = entry_items(entry)
    unknown = set(items) - {item["name"] for item in offered}
    if unknown:
        raise ApplicationError(
            _("The entry has no data items %(unknown)s.") % {"unknown": ", ".join(sorted(unknown))}
        )
    if not items:
        raise ApplicationError(_("Choose the data items one by one (minimum necessary)."))
    return [item["name"] for item in offered if item["name"] in items or item.get("is_key")]


def backflow_may_apply(user: Actor, entry: RemoteEntry) -> bool:
    """A data administrator of a government unit may apply for an upper node's available entry."""
    return (
        is_government_staff(user) and entry.origin.relation == "upper" and entry.status == RemoteStatus.ACTIVE
    )


def backflow_create(
    *,
    actor: Actor,
    remote_entry: RemoteEntry,
    items: list[str],
    business_matter: str,
    scenario: str,
    basis: str,
    end_date: dt.date,
) -> BackflowRequest:
    """Apply for ``remote_entry`` of an upper node to flow back to the actor's unit (Q4.3)."""
    if not isinstance(actor, User) or not is_government_staff(actor):
        raise Forbidden(_("Only a government unit's data administrator applies for back-flow."))
    if remote_entry.origin.relation != "upper":
        raise ApplicationError(_("Only an upper node's entries flow back here."))
    if remote_entry.status != RemoteStatus.ACTIVE:
        raise ApplicationError(_("The upper node has retired this entry."))
    if not business_matter.strip() or not scenario.strip():
        raise ApplicationError(_("State the business matter and the application scenario."))
    if end_date <= timezone.localdate():
        raise ApplicationError(_("The end date must be in the future."))
    chosen = _chosen_items(remote_entry, items)
    unit = actor.unit
    assert unit is not None  # is_government_staff: the person has a unit
    status = B.COUNTY_REVIEW if unit.region.level == Level.COUNTY else B.CITY_REVIEW
    with transaction.atomic():
        request = BackflowRequest.objects.create(
            remote_entry=remote_entry,
            applicant_unit=unit,
            created_by=actor,
            items=chosen,
            business_matter=business_matter.strip(),
            scenario=scenario.strip(),
            basis=basis.strip(),
            end_date=end_date,
            status=status,
            due=due_after(timezone.now(), STEP_DAYS[status]).date,
        )
        create = Action(
            title=pgettext("back-flow step", "Applied"), sources=("",), to=status, allowed=is_applicant
        )
        move = Move(
            obj=request, name="create", action=create, actor=actor, source="", target=status, reason=""
        )
        move.row = record_move(BACKFLOW, move)
        _notify(move)
    return request


# --- the upper node's answers (handlers) -------------------------------------------------------------------


def _request_of(peer, body: dict) -> BackflowRequest:
    """The application the message is about, locked; only the entry's origin node answers it."""
    pk = bodies.whole(body, "request", minimum=1)
    request = (
        BackflowRequest.objects.select_for_update(of=("self",))
        .select_related("applicant_unit__region", "remote_entry__origin")
        .filter(pk=pk, remote_entry__origin=peer)
        .first()
    )
    if request is None:
        raise HandlerError(f"no back-flow application {pk} made to this node")
    return request


def _upstream_move(request: BackflowRequest, name: str, *, reason: str, label: str) -> None:
    """Record one answer of the upper node; a move its table does not allow from the current status (a
    late answer to a withdrawn application) is kept on the timeline as a plain step."""
    step = UPSTREAM_STEPS[name]
    if request.status not in step.sources:
        name, step = "upstream", UPSTREAM_STEPS["upstream"]
    source = request.status
    target = step.to if isinstance(step.to, str) else source
    move = Move(
        obj=request,
        name=name,
        action=step,
        actor=None,
        source=source,
        target=target,
        reason=reason,
        history={"upstream": True, "status_label": label[:200]},
    )
    if target == B.GRANTED and request.mirror_id is None:
        request.mirror = mirror_create(request)
    _enter(move)
    request.status = target
    if label:
        request.upstream_status = label[:200]
    request.save()
    move.row = record_move(BACKFLOW, move)
    _notify(move)
    if target in (B.SUSPENDED, B.ENDED) and source != target:
        onward_grants_suspend(request, ended=target == B.ENDED, reason=reason)


def onward_grants_suspend(request: BackflowRequest, *, ended: bool, reason: str) -> int:
    """This node's active grants on the mirror stop with the upper node's grant (§14 lower, 4), through
    the grant's own lifecycle; return how many."""
    if request.mirror_id is None:
        return 0
    with translation.override(settings.LANGUAGE_CODE):  # a stored reason, in the platform's language
        if ended:
            text = _("The upper node ended its grant: %(reason)s") % {"reason": reason}
        else:
            text = _("The upper node suspended its grant: %(reason)s") % {"reason": reason}
    grants = Grant.objects.filter(resource=request.mirror_id, status=GrantStatus.ACTIVE)
    count = 0
    for grant in grants:
        grant_act(grant=grant, action="suspend", actor=None, reason=text)
        count += 1
    return count


@handler(STEP)
def backflow_step(peer, envelope: Envelope) -> None:
    """A step of the upper node's application for ours: on the timeline; its grant or refusal decides."""
    body = envelope.body
    request = _request_of(peer, body)
    status = bodies.text(body, "status", 20, required=False)
    label = bodies.text(body, "label", 200, required=False)
    reason = bodies.text(body, "reason", 10_000, required=False)
    bodies.moment(body, "at", required=False)  # when the step was taken there: checked, the row says now
    application = body.get("application")
    if isinstance(application, int) and not isinstance(application, bool) and application > 0:
        request.upstream_application = application
    name = "upstream"
    if status == "granted":
        name = "grant"
    elif status in UPSTREAM_REFUSALS:
        name = "refuse"
    _upstream_move(request, name, reason=reason, label=label or status)


@handler(GRANT)
def backflow_grant(peer, envelope: Envelope) -> None:
    """The upper node's grant changed: suspended, ended (or expired), or active again."""
    body = envelope.body
    request = _request_of(peer, body)
    status = bodies.text(body, "status", 20, required=False)
    reason = bodies.text(body, "reason", 10_000, required=False)
    if status not in GrantStatus.values:
        raise HandlerError(f'"status" must be one of {", ".join(GrantStatus.values)}')
    with translation.override(settings.LANGUAGE_CODE):  # stored: in the platform's language
        label = str(GrantStatus(status).label)
    if status == "suspended" and request.status == B.GRANTED:
        _upstream_move(request, "suspend", reason=reason, label=label)
    elif status in ("ended", "expired") and request.status in (B.GRANTED, B.SUSPENDED):
        _upstream_move(request, "end", reason=reason, label=label)
    elif status == "active" and request.status == B.SUSPENDED:
        _upstream_move(request, "resume", reason=reason, label=label)
    elif (
        status == "active" and request.status == B.UPSTREAM
    ):  # the grant before its step: granted all the same
        _upstream_move(request, "grant", reason=reason, label=label)
    # Anything else repeats what this node knows already (granted and active) or comes too late to matter.


# --- the reads ----------------------------------------------------------------------------------------


def backflow_visible(user) -> bool:
    """Back-flow is a government unit's business: its people with a role there, and its systems."""
    return works_for_government(user)


def backflows_to_review(user) -> QuerySet[BackflowRequest]:
    """The applications awaiting this reviewer's authority: its county's at the county review, its
    city's (its counties' too) at the city review; earliest due first."""
    regions = regions_reviewed_by(user)
    # At the city review, a county unit's application is its city's (its region's parent's), not its
    # county's any more: a county region's own reviewers owe it only when the county has no city above.
    own_city = ~Q(applicant_unit__region__level=Level.COUNTY) | Q(applicant_unit__region__parent__isnull=True)
    return (
        BackflowRequest.objects.filter(
            Q(status=B.COUNTY_REVIEW, applicant_unit__region__in=regions)
            | Q(own_city, status=B.CITY_REVIEW, applicant_unit__region__in=regions)
            | Q(status=B.CITY_REVIEW, applicant_unit__region__parent__in=regions)
        )
        .select_related("remote_entry__origin", "applicant_unit")
        .order_by("due", "pk")
    )


def backflows_reviewed_by(user) -> QuerySet[BackflowRequest]:
    """Every application the reviewer's authority reviews or reviewed, whatever its status: its region's
    units' and, for a city, its counties' units' (as ``backflow_for_user`` lets the reviewer read them)."""
    regions = regions_reviewed_by(user)
    return BackflowRequest.objects.filter(
        Q(applicant_unit__region__in=regions) | Q(applicant_unit__region__parent__in=regions)
    )


def backflows_of_unit(user) -> QuerySet[BackflowRequest]:
    return BackflowRequest.objects.filter(applicant_unit=working_unit_id(user)).select_related(
        "remote_entry__origin", "applicant_unit"
    )


def backflow_for_user(user, pk: int) -> BackflowRequest | None:
    """The application, for its unit's people and the authorities that review it (the lists' own rule);
    None for anyone else (the page answers 404 alike for missing and forbidden)."""
    if not backflow_visible(user):
        return None
    return (
        (backflows_of_unit(user) | backflows_reviewed_by(user))
        .select_related("remote_entry__origin", "applicant_unit__region", "created_by", "mirror")
        .filter(pk=pk)
        .first()
    )
