"""The sharing application's lifecycle (Q5.4, Q5.9, Q-A2, G23) and the grant's (Q5.10), as tables of
actions on the core's workflow machine. The same tables decide which buttons a person sees.

draft ─submit─┬─ unconditional, interface or verification ──────────────────────────→ granted
              ├─ unconditional, bulk exchange → configuring ─configure──────────────→ granted (filed)
              ├─ special department (Q5.9)   → coordinating ─approve / refuse──────→ granted / refused
              └─ conditional or not shared   → evaluating ─reasonable→ consulting ─opinion (every producer)─┐
                                                 └─unreasonable→ returned ─submit→ …   │
                          county applicant asking for city data → county_review ─forward┤
                                                                                        └→ reviewing ─approve / refuse / return
"""

import datetime as dt
from collections.abc import Callable

from django.db.models import Prefetch, prefetch_related_objects
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from catalog.models import ServiceMethod, ShareType
from dataplatform.core.actors import Actor, acts_for
from dataplatform.core.business_days import due_after
from dataplatform.core.errors import ApplicationError
from dataplatform.core.models import Region, Role, Unit, User
from dataplatform.core.models.units import Level
from dataplatform.core.notifications import notify
from dataplatform.core.people import data_admins, regions_reviewed_by, reviewers_of
from dataplatform.core.workflow import Action, Lifecycle, Move, act
from dataplatform.core.workflow import allowed_actions as lifecycle_actions

from .models import (
    Application,
    ApplicationLine,
    ApplicationStatus,
    ApplicationStep,
    Grant,
    GrantEvent,
    GrantStatus,
)

A = ApplicationStatus

# Business days each step may take. Q-A2.3 and G23 give 5 for the authority's and the producer's answer;
# the regulations give the evaluation and the push configuration no number, so the platform holds them to 5 too.
STEP_DAYS: dict[str, int] = {
    A.EVALUATING: 5,
    A.CONSULTING: 5,
    A.COUNTY_REVIEW: 5,
    A.REVIEWING: 5,
    A.COORDINATING: 5,
    A.CONFIGURING: 5,
}


# The lines with their resources and producers: routing, rights, the grant, the audit event and the answer
# all read them, so an action reads them once, with the locked application (LIFECYCLE.prefetch).
LINES = Prefetch("lines", queryset=ApplicationLine.objects.select_related("resource__producer"))


def lines_of(application: Application) -> list[ApplicationLine]:
    """The application's lines as read with it, or read now (once: later calls find them on the object)."""
    prefetch_related_objects([application], LINES)
    return list(application.lines.all())


# --- who is who ----------------------------------------------------------------------------------


def city_region(region: Region) -> Region:
    return region.parent if region.level == Level.COUNTY and region.parent is not None else region


def deciding_region(application: Application) -> Region:
    """Q-A2.4: a county applicant's county data is decided in the county; everything else in the city."""
    home = application.applicant_unit.region
    producers = {line.resource.producer.region_id for line in lines_of(application)}
    if home.level == Level.COUNTY and producers <= {home.pk}:
        return home
    return city_region(home)


def needs_county_review(application: Application) -> bool:
    """A county applicant asks for city (or provincial) data through its county authority (Q-A2.4)."""
    return (
        application.applicant_unit.region.level == Level.COUNTY
        and deciding_region(application).level == Level.CITY
    )


def is_applicant(user: Actor, application: Application) -> bool:
    return acts_for(user, application.applicant_unit_id)


def is_evaluator(user: Actor, application: Application) -> bool:
    return isinstance(user, User) and user.has_role(Role.EVALUATOR)


def is_producer(user: Actor, application: Application) -> bool:
    """A producer that still owes its opinion on one of the application's lines."""
    return any(
        line.producer_agrees is None and acts_for(user, line.resource.producer_id)
        for line in lines_of(application)
    )


def reviews_region(user: Actor, region: Region) -> bool:
    return isinstance(user, User) and regions_reviewed_by(user).filter(pk=region.pk).exists()


def is_decider(user: Actor, application: Application) -> bool:
    return reviews_region(user, deciding_region(application))


def is_county_reviewer(user: Actor, application: Application) -> bool:
    return reviews_region(user, application.applicant_unit.region)


def is_city_reviewer(user: Actor, application: Application) -> bool:
    return reviews_region(user, city_region(application.applicant_unit.region))


def data_owner(application: Application) -> Unit | None:
    """The unit whose data the application asks for (the first line's producer): its audit chain and its
    view of the audit log carry the application's events."""
    lines = lines_of(application)
    return lines[0].resource.producer if lines else None


def owers(application: Application) -> list[User]:
    """The people who owe the current step: reminders and the home page go to them."""
    status = application.status
    if status in (A.EVALUATING, A.CONFIGURING):
        return list(User.objects.filter(role_assignments__role=Role.EVALUATOR))
    if status == A.CONSULTING:
        units = [
            line.resource.producer_id for line in application.lines.all() if line.producer_agrees is None
        ]
        return list(User.objects.filter(unit__in=units, role_assignments__role=Role.DATA_ADMIN))
    if status == A.COUNTY_REVIEW:
        return list(reviewers_of(application.applicant_unit.region))
    if status == A.REVIEWING:
        return list(reviewers_of(deciding_region(application)))
    if status == A.COORDINATING:
        return list(reviewers_of(city_region(application.applicant_unit.region)))
    if status == A.RETURNED:
        return list(data_admins(application.applicant_unit_id))
    return []


# --- routing -------------------------------------------------------------------------------------


def check_submittable(application: Application) -> None:
    lines = lines_of(application)
    # Every resource's data items in one query, not one per line.
    prefetch_related_objects([line.resource for line in lines], "items")
    if not lines:
        raise ApplicationError(_("Choose at least one resource and its data items."))
    for line in lines:
        resource = line.resource
        if not resource.is_available:
            raise ApplicationError(
                _("%(resource)s is not published in the catalog.") % {"resource": resource.name}
            )
        if not line.items:
            raise ApplicationError(
                _("Choose the data items of %(resource)s one by one (minimum necessary).")
                % {"resource": resource.name}
            )
        unknown = set(line.items) - {item.name for item in resource.items.all()}
        if unknown:
            raise ApplicationError(
                _("%(resource)s has no data items %(unknown)s.")
                % {"resource": resource.name, "unknown": ", ".join(sorted(unknown))}
            )
        if (
            resource.share_type == ShareType.NOT_SHARED
            and application.service_method != ServiceMethod.VERIFICATION
        ):
            # Q5.4, F16: not-shared data is usable but invisible, through verification interfaces only.
            raise ApplicationError(
                _("%(resource)s is not shared: apply for cross-verification only.")
                % {"resource": resource.name}
            )
        if application.service_method not in resource.service_methods:
            raise ApplicationError(
                _("%(resource)s is not offered by %(service_method)s.")
                % {"resource": resource.name, "service_method": application.get_service_method_display()}
            )
    if application.service_method == ServiceMethod.VERIFICATION and not application.attachments.exists():
        raise ApplicationError(
            _("A cross-verification application uploads its requirements and technical plan.")
        )
    if application.end_date <= timezone.localdate():
        raise ApplicationError(_("The end date must be in the future."))


def route_after_submit(application: Application) -> str:
    if application.applicant_unit.is_special_department:
        return A.COORDINATING  # Q5.9
    share_types = {line.resource.share_type for line in lines_of(application)}
    if share_types == {ShareType.UNCONDITIONAL}:
        if application.service_method == ServiceMethod.BULK_EXCHANGE:
            return A.CONFIGURING  # Q-A2.3: configured directly, filed with the authority
        return A.GRANTED  # Q5.4: granted through the platform
    return A.EVALUATING  # Q-A2.2


def route_after_consultation(application: Application) -> str:
    return A.COUNTY_REVIEW if needs_county_review(application) else A.REVIEWING


# --- the application's steps ------------------------------------------------------------------------


def _check_submittable(move: Move[Application]) -> None:
    check_submittable(move.obj)


def check_basis(move: Move[Application]) -> None:
    """A refusal states its policy basis."""
    if not move.inputs.get("basis", "").strip():
        raise ApplicationError(_("A refusal states its policy basis (Q-A2.3)."))


def needs_basis(action: Action[Application]) -> bool:
    """The page asks for the policy basis along with the reasons."""
    return action.check is check_basis


def _after_submit(move: Move[Application]) -> str:
    return route_after_submit(move.obj)


def _unit_id(move: Move[Application]) -> int | None:
    return move.person.unit_id if move.person is not None else None


def _after_opinion(move: Move[Application]) -> str:
    """The application moves on once every producer has answered; until then it stays where it is."""
    unit_id = _unit_id(move)
    others = [
        line
        for line in lines_of(move.obj)
        if line.producer_agrees is None and line.resource.producer_id != unit_id
    ]
    return move.source if others else route_after_consultation(move.obj)


def _enter(move: Move[Application]) -> None:
    application, target, now = move.obj, move.target, timezone.now()
    if target != move.source:
        application.step_started_at = now
        application.reminded_at = None
        application.overdue_since = None
        days = STEP_DAYS.get(target)
        application.due = due_after(now, days).date if days else None
    if application.submitted_at is None and target not in (A.DRAFT, A.WITHDRAWN):
        application.submitted_at = now
    if target == A.REFUSED:
        application.decision_basis, application.decision_reason = move.inputs.get("basis", ""), move.reason
    if target == A.RETURNED:
        application.decision_reason = move.reason
        application.decision_basis = ""
    if target == A.GRANTED:
        # Granted at submission (unconditional, Q5.4) means granted by the platform, not by the applicant.
        _grant(application, None if move.source in (A.DRAFT, A.RETURNED) else move.person)


def _enter_opinion(move: Move[Application]) -> None:
    """The producer's answer in the consultation (会商), on each of its lines."""
    unit_id = _unit_id(move)
    answered = [
        line
        for line in lines_of(move.obj)
        if line.resource.producer_id == unit_id and line.producer_agrees is None
    ]
    answer = {
        "producer_agrees": move.name == "agree",
        "producer_opinion": move.reason,
        "producer_answered_by": move.person,
        "producer_answered_at": timezone.now(),
    }
    ApplicationLine.objects.filter(pk__in=[line.pk for line in answered]).update(**answer)
    for line in answered:  # the lines read with the application say so too: the answer and the page read them
        for name, value in answer.items():
            setattr(line, name, value)


def _grant(application: Application, actor: User | None) -> None:
    Grant.objects.bulk_create(
        [
            Grant(
                application=application,
                unit=application.applicant_unit,
                resource=line.resource,
                items=line.items,
                service_method=application.service_method,
                scenario=application.scenario,
                end_date=application.end_date,
                granted_by=actor,
            )
            for line in lines_of(application)
        ]
    )
    if deciding_region(application).level == Level.COUNTY:
        # Q-A2.4: the county authority's decision is filed with the city authority.
        application.filed_with_city_at = timezone.now()


def _notify(move: Move[Application]) -> None:
    application, source, target = move.obj, move.source, move.target
    url = f"/sharing/applications/{application.pk}/"
    applicants = data_admins(application.applicant_unit_id)
    if target in (A.GRANTED, A.REFUSED, A.RETURNED):
        body = application.decision_reason
        if target == A.REFUSED:
            body = f"{application.decision_basis}\n{application.decision_reason}"
        notify(
            recipients=applicants,
            title=gettext_noop("Sharing application %(status)s: %(application)s"),
            params={"status": A(application.status).label, "application": application},
            body=body,
            url=url,
        )
    if target == A.GRANTED and application.filed_with_city_at:
        notify(
            recipients=reviewers_of(city_region(application.applicant_unit.region)),
            title=gettext_noop("Filed with the city: %(application)s"),
            params={"application": application},
            url=url,
        )
    if target == A.GRANTED and source == A.CONFIGURING:
        notify(
            recipients=reviewers_of(city_region(application.applicant_unit.region)),
            title=gettext_noop("Bulk exchange filed with the city: %(application)s"),
            params={"application": application},
            url=url,
        )
    if target != source and target not in (A.GRANTED, A.REFUSED, A.WITHDRAWN, A.RETURNED):
        notify(
            recipients=owers(application),
            title=gettext_noop("A sharing application awaits you: %(application)s"),
            params={"application": application},
            url=url,
        )


def _audit(move: Move[Application]) -> dict:
    """The data items and the purpose the application asks for, and the refusal's policy basis."""
    application = move.obj
    return {
        "data_items": [
            f"{line.resource.code}:{item}" for line in lines_of(application) for item in line.items
        ],
        "purpose": application.business_matter,
        "detail": {"basis": move.inputs.get("basis", "")},
    }


# --- the application's table ---------------------------------------------------------------------


def _refuse(sources: tuple[str, ...], allowed: Callable[[Actor, Application], bool]) -> Action[Application]:
    return Action(
        title=_("Refuse"),
        sources=sources,
        to=A.REFUSED,
        allowed=allowed,
        needs_reason=True,
        check=check_basis,
    )


ACTIONS: dict[str, Action[Application]] = {
    "submit": Action(
        title=_("Submit"),
        sources=(A.DRAFT, A.RETURNED),
        to=_after_submit,
        allowed=is_applicant,
        check=_check_submittable,
    ),
    "withdraw": Action(
        title=_("Withdraw"), sources=(A.DRAFT, A.RETURNED), to=A.WITHDRAWN, allowed=is_applicant
    ),
    "reasonable": Action(
        title=_("Reasonable: consult the producer"),
        sources=(A.EVALUATING,),
        to=A.CONSULTING,
        allowed=is_evaluator,
    ),
    "unreasonable": Action(
        title=_("Unreasonable: return"),
        sources=(A.EVALUATING,),
        to=A.RETURNED,
        allowed=is_evaluator,
        needs_reason=True,
    ),
    "agree": Action(
        title=_("Producer agrees"),
        sources=(A.CONSULTING,),
        to=_after_opinion,
        allowed=is_producer,
        enter=_enter_opinion,
    ),
    "disagree": Action(
        title=_("Producer disagrees"),
        sources=(A.CONSULTING,),
        to=_after_opinion,
        allowed=is_producer,
        needs_reason=True,
        enter=_enter_opinion,
    ),
    "forward": Action(
        title=_("Forward to the city authority"),
        sources=(A.COUNTY_REVIEW,),
        to=A.REVIEWING,
        allowed=is_county_reviewer,
    ),
    "approve": Action(title=_("Approve"), sources=(A.REVIEWING,), to=A.GRANTED, allowed=is_decider),
    "return": Action(
        title=_("Return for revision"),
        sources=(A.REVIEWING,),
        to=A.RETURNED,
        allowed=is_decider,
        needs_reason=True,
    ),
    "refuse": _refuse((A.REVIEWING,), is_decider),
    "county_refuse": _refuse((A.COUNTY_REVIEW,), is_county_reviewer),
    "coordinate_approve": Action(
        title=_("Approve"), sources=(A.COORDINATING,), to=A.GRANTED, allowed=is_city_reviewer
    ),
    "coordinate_refuse": _refuse((A.COORDINATING,), is_city_reviewer),
    "configure": Action(
        title=_("Push task configured and filed"),
        sources=(A.CONFIGURING,),
        to=A.GRANTED,
        allowed=is_evaluator,
    ),
}


LIFECYCLE = Lifecycle(
    name="application",
    noun="an application",
    model=Application,
    actions=ACTIONS,
    history=ApplicationStep,
    history_link=lambda application: {"application": application},
    owner=data_owner,
    related=("applicant_unit__region", "applicant"),
    prefetch=(LINES,),
    reason_key="opinion",
    enter=_enter,
    audit=_audit,
    notify=_notify,
)


def allowed_actions(user: Actor, application: Application) -> list[tuple[str, Action[Application]]]:
    return lifecycle_actions(LIFECYCLE, user, application)


def application_act(
    *, application: Application, action: str, actor: Actor, opinion: str = "", basis: str = "", request=None
) -> Application:
    """Take one action on the application (``opinion``: its reasons; ``basis``: a refusal's policy basis)."""
    return act(
        LIFECYCLE, obj=application, action=action, actor=actor, reason=opinion, request=request, basis=basis
    )


# --- the grant's lifecycle (Q5.10, FB34) -----------------------------------------------------------
#
# active ─suspend─→ suspended ─resume─→ active; either ─end─→ ended, or ─expire (the timer, past its
# end date)─→ expired. The authority that decided the application governs the grant; the platform
# suspends it by itself on misuse.

G = GrantStatus


def can_govern_grant(user: Actor, grant: Grant) -> bool:
    """The authority that decided the application (and the city authority over it) governs the grant."""
    region = deciding_region(grant.application)
    return reviews_region(user, region) or reviews_region(user, city_region(region))


def _authority_or_platform(actor: Actor, grant: Grant) -> bool:
    return actor is None or can_govern_grant(actor, grant)


def _platform(actor: Actor, grant: Grant) -> bool:
    return actor is None


def _check_past_end(move: Move[Grant]) -> None:
    if not move.obj.end_date < move.inputs["today"]:
        raise ApplicationError(_("The grant has not reached its end date."))


def _enter_grant(move: Move[Grant]) -> None:
    move.obj.status_reason = move.reason


def _notify_grant(move: Move[Grant]) -> None:
    grant = move.obj
    notify(
        recipients=data_admins(grant.unit_id),
        title=gettext_noop("Grant %(status)s: %(resource)s"),
        params={"status": G(grant.status).label, "resource": grant.resource.name},
        body=move.reason,
        url="/sharing/grants/",
    )


def _grant_action(
    title: str | Promise,
    sources: tuple[str, ...],
    to: str,
    *,
    allowed: Callable[[Actor, Grant], bool] = _authority_or_platform,
    check: Callable[[Move[Grant]], None] | None = None,
    style: str = "danger",
) -> Action[Grant]:
    """A change of the grant's status: always with its reason, kept on the grant too."""
    return Action(
        title=title,
        sources=sources,
        to=to,
        allowed=allowed,
        needs_reason=True,
        reason_message=_("Give the reason."),
        check=check,
        style=style,
    )


GRANT_ACTIONS: dict[str, Action[Grant]] = {
    "suspend": _grant_action(_("Suspend"), (G.ACTIVE,), G.SUSPENDED),
    "resume": _grant_action(_("Resume"), (G.SUSPENDED,), G.ACTIVE, style="success"),
    "end": _grant_action(_("End"), (G.ACTIVE, G.SUSPENDED), G.ENDED),
    "expire": _grant_action(
        _("Expire"), (G.ACTIVE, G.SUSPENDED), G.EXPIRED, allowed=_platform, check=_check_past_end
    ),
}

# The changes a person asks for; a grant expires by itself.
GRANT_MOVES = ("suspend", "resume", "end")


GRANT_LIFECYCLE = Lifecycle(
    name="grant",
    noun="a grant",
    model=Grant,
    actions=GRANT_ACTIONS,
    history=GrantEvent,
    history_link=lambda grant: {"grant": grant},
    owner=lambda grant: grant.resource.producer,
    related=("application__applicant_unit__region", "resource__producer"),
    enter=_enter_grant,
    audit=lambda move: {"data_items": move.obj.items},
    notify=_notify_grant,
)


def grant_moves(user: Actor, grant: Grant) -> list[str]:
    """The changes ``user`` may make to ``grant`` now: the grants page shows a button for each."""
    return [name for name, _action in lifecycle_actions(GRANT_LIFECYCLE, user, grant) if name in GRANT_MOVES]


def grant_act(*, grant: Grant, action: str, actor: Actor, reason: str, request=None, **inputs) -> Grant:
    return act(
        GRANT_LIFECYCLE, obj=grant, action=action, actor=actor, reason=reason, request=request, **inputs
    )


def grant_expire(grant: Grant, today: dt.date) -> Grant:
    return grant_act(grant=grant, action="expire", actor=None, reason="到期", today=today)
