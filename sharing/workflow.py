"""The sharing application's workflow (Q5.4, Q5.9, Q-A2, G23): one table of actions and the one
function that takes them. The same table decides which buttons a person sees.

draft ─submit─┬─ unconditional, interface or verification ──────────────────────────→ granted
              ├─ unconditional, bulk exchange → configuring ─configure──────────────→ granted (filed)
              ├─ special department (Q5.9)   → coordinating ─approve / refuse──────→ granted / refused
              └─ conditional or not shared   → evaluating ─reasonable→ consulting ─opinion (every producer)─┐
                                                 └─unreasonable→ returned ─submit→ …   │
                          county applicant asking for city data → county_review ─forward┤
                                                                                        └→ reviewing ─approve / refuse / return
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.services import audit_record
from catalog.models import ServiceMethod, ShareType
from dataplatform.core.business_days import due_after
from dataplatform.core.errors import ApplicationError
from dataplatform.core.models import Region, Role, Unit, User
from dataplatform.core.models.units import Level
from dataplatform.core.notifications import notify
from dataplatform.core.people import data_admins, regions_reviewed_by, reviewers_of

from .models import Application, ApplicationStatus, ApplicationStep, Grant

A = ApplicationStatus

# Business days each step may take. Q-A2.3 and G23 give 5 for the authority's and the producer's answer;
# the regulations give the evaluation and the push configuration no number, so the platform holds them to 5 too.
STEP_DAYS = {
    A.EVALUATING: 5,
    A.CONSULTING: 5,
    A.COUNTY_REVIEW: 5,
    A.REVIEWING: 5,
    A.COORDINATING: 5,
    A.CONFIGURING: 5,
}


# --- who is who ----------------------------------------------------------------------------------


def city_region(region: Region) -> Region:
    return region.parent if region.level == Level.COUNTY and region.parent_id else region


def deciding_region(application: Application) -> Region:
    """Q-A2.4: a county applicant's county data is decided in the county; everything else in the city."""
    home = application.applicant_unit.region
    producers = {line.resource.producer.region_id for line in application.lines.all()}
    if home.level == Level.COUNTY and producers <= {home.pk}:
        return home
    return city_region(home)


def needs_county_review(application: Application) -> bool:
    """A county applicant asks for city (or provincial) data through its county authority (Q-A2.4)."""
    return (
        application.applicant_unit.region.level == Level.COUNTY
        and deciding_region(application).level == Level.CITY
    )


def is_applicant(user: User, application: Application) -> bool:
    return user.unit_id == application.applicant_unit_id and user.has_role(Role.DATA_ADMIN)


def is_evaluator(user: User, application: Application) -> bool:
    return user.has_role(Role.EVALUATOR)


def is_producer(user: User, application: Application) -> bool:
    return user.has_role(Role.DATA_ADMIN) and any(
        line.resource.producer_id == user.unit_id and line.producer_agrees is None
        for line in application.lines.all()
    )


def reviews_region(user: User, region: Region) -> bool:
    return regions_reviewed_by(user).filter(pk=region.pk).exists()


def is_decider(user: User, application: Application) -> bool:
    return reviews_region(user, deciding_region(application))


def is_county_reviewer(user: User, application: Application) -> bool:
    return reviews_region(user, application.applicant_unit.region)


def is_city_reviewer(user: User, application: Application) -> bool:
    return reviews_region(user, city_region(application.applicant_unit.region))


def data_owner(application: Application) -> Unit | None:
    """The unit whose data the application asks for (the first line's producer): its audit chain and its
    view of the audit log carry the application's events."""
    line = application.lines.select_related("resource__producer").first()
    return line.resource.producer if line else None


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
    lines = list(application.lines.select_related("resource"))
    if not lines:
        raise ApplicationError("Choose at least one resource and its data items.")
    for line in lines:
        resource = line.resource
        if not resource.is_available:
            raise ApplicationError(f"{resource.name} is not published in the catalog.")
        if not line.items:
            raise ApplicationError(
                f"Choose the data items of {resource.name} one by one (minimum necessary)."
            )
        unknown = set(line.items) - {item.name for item in resource.items.all()}
        if unknown:
            raise ApplicationError(f"{resource.name} has no data items {', '.join(sorted(unknown))}.")
        if (
            resource.share_type == ShareType.NOT_SHARED
            and application.service_method != ServiceMethod.VERIFICATION
        ):
            # Q5.4, F16: not-shared data is usable but invisible, through verification interfaces only.
            raise ApplicationError(f"{resource.name} is not shared: apply for cross-verification only.")
        if application.service_method not in resource.service_methods:
            raise ApplicationError(
                f"{resource.name} is not offered by {application.get_service_method_display()}."
            )
    if application.service_method == ServiceMethod.VERIFICATION and not application.attachments.exists():
        raise ApplicationError(
            "A cross-verification application uploads its requirements and technical plan."
        )
    if application.end_date <= timezone.localdate():
        raise ApplicationError("The end date must be in the future.")


def route_after_submit(application: Application) -> str:
    if application.applicant_unit.is_special_department:
        return A.COORDINATING  # Q5.9
    share_types = {line.resource.share_type for line in application.lines.all()}
    if share_types == {ShareType.UNCONDITIONAL}:
        if application.service_method == ServiceMethod.BULK_EXCHANGE:
            return A.CONFIGURING  # Q-A2.3: configured directly, filed with the authority
        return A.GRANTED  # Q5.4: granted through the platform
    return A.EVALUATING  # Q-A2.2


def route_after_consultation(application: Application) -> str:
    return A.COUNTY_REVIEW if needs_county_review(application) else A.REVIEWING


# --- the table ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    title: str
    sources: tuple[str, ...]
    allowed: Callable[[User, Application], bool]
    to: Callable[[Application], str] | str
    needs_opinion: bool = False
    needs_basis: bool = False


ACTIONS: dict[str, Action] = {
    "submit": Action(_("Submit"), (A.DRAFT, A.RETURNED), is_applicant, route_after_submit),
    "withdraw": Action(_("Withdraw"), (A.DRAFT, A.RETURNED), is_applicant, A.WITHDRAWN),
    "reasonable": Action(_("Reasonable: consult the producer"), (A.EVALUATING,), is_evaluator, A.CONSULTING),
    "unreasonable": Action(
        _("Unreasonable: return"), (A.EVALUATING,), is_evaluator, A.RETURNED, needs_opinion=True
    ),
    "agree": Action(_("Producer agrees"), (A.CONSULTING,), is_producer, route_after_consultation),
    "disagree": Action(
        _("Producer disagrees"), (A.CONSULTING,), is_producer, route_after_consultation, needs_opinion=True
    ),
    "forward": Action(
        _("Forward to the city authority"), (A.COUNTY_REVIEW,), is_county_reviewer, A.REVIEWING
    ),
    "approve": Action(_("Approve"), (A.REVIEWING,), is_decider, A.GRANTED),
    "return": Action(_("Return for revision"), (A.REVIEWING,), is_decider, A.RETURNED, needs_opinion=True),
    "refuse": Action(
        _("Refuse"), (A.REVIEWING,), is_decider, A.REFUSED, needs_opinion=True, needs_basis=True
    ),
    "county_refuse": Action(
        _("Refuse"), (A.COUNTY_REVIEW,), is_county_reviewer, A.REFUSED, needs_opinion=True, needs_basis=True
    ),
    "coordinate_approve": Action(_("Approve"), (A.COORDINATING,), is_city_reviewer, A.GRANTED),
    "coordinate_refuse": Action(
        _("Refuse"), (A.COORDINATING,), is_city_reviewer, A.REFUSED, needs_opinion=True, needs_basis=True
    ),
    "configure": Action(_("Push task configured and filed"), (A.CONFIGURING,), is_evaluator, A.GRANTED),
}


def allowed_actions(user: User, application: Application) -> list[tuple[str, Action]]:
    return [
        (name, action)
        for name, action in ACTIONS.items()
        if application.status in action.sources and action.allowed(user, application)
    ]


def application_act(
    *, application: Application, action: str, actor: User, opinion: str = "", basis: str = "", request=None
) -> Application:
    """Take one action: lock, check the table and the actor's right, move, record, notify after commit."""
    with transaction.atomic():
        application = (
            Application.objects.select_for_update()
            .select_related("applicant_unit__region")
            .get(pk=application.pk)
        )
        step = ACTIONS.get(action)
        if step is None:
            raise ApplicationError(f"Unknown action {action!r}; one of: {', '.join(ACTIONS)}.")
        if application.status not in step.sources:
            raise ApplicationError(
                f"An application that is {application.get_status_display()} cannot {action}."
            )
        if not step.allowed(actor, application):
            raise ApplicationError(f"You may not {action} this application.", extra={"code": "forbidden"})
        if step.needs_opinion and not opinion.strip():
            raise ApplicationError("Give the reasons.")
        if step.needs_basis and not basis.strip():
            raise ApplicationError("A refusal states its policy basis (Q-A2.3).")
        if action == "submit":
            check_submittable(application)
        source = application.status
        if action in ("agree", "disagree"):
            _record_producer_opinion(application, actor, agrees=action == "agree", opinion=opinion)
            if application.lines.filter(producer_agrees__isnull=True).exists():
                target = source  # other producers still owe their opinion
            else:
                target = step.to(application)
        else:
            target = step.to(application) if callable(step.to) else step.to
        _enter(application, target, actor=actor, opinion=opinion, basis=basis)
        ApplicationStep.objects.create(
            application=application,
            action=action,
            from_status=source,
            to_status=target,
            actor=actor,
            opinion=opinion,
        )
        audit_record(
            action=f"application.{action}",
            owner_unit=data_owner(application),
            actor=actor,
            request=request,
            target=application,
            data_items=[
                f"{line.resource.code}:{item}" for line in application.lines.all() for item in line.items
            ],
            purpose=application.business_matter,
            detail={"from": source, "to": target, "opinion": opinion, "basis": basis},
        )
        _notify(application, source, target)
    return application


def _record_producer_opinion(application: Application, actor: User, *, agrees: bool, opinion: str) -> None:
    application.lines.filter(resource__producer=actor.unit_id, producer_agrees__isnull=True).update(
        producer_agrees=agrees,
        producer_opinion=opinion,
        producer_answered_by=actor,
        producer_answered_at=timezone.now(),
    )


def _enter(application: Application, target: str, *, actor: User, opinion: str, basis: str) -> None:
    now = timezone.now()
    source = application.status
    if target != application.status:
        application.status = target
        application.step_started_at = now
        application.reminded_at = None
        application.overdue_since = None
        days = STEP_DAYS.get(target)
        application.due = due_after(now, days).date if days else None
    if application.submitted_at is None and target not in (A.DRAFT, A.WITHDRAWN):
        application.submitted_at = now
    if target == A.REFUSED:
        application.decision_basis, application.decision_reason = basis, opinion
    if target == A.RETURNED:
        application.decision_reason = opinion
        application.decision_basis = ""
    if target == A.GRANTED:
        # Granted at submission (unconditional, Q5.4) means granted by the platform, not by the applicant.
        _grant(application, None if source in (A.DRAFT, A.RETURNED) else actor)
    application.save()


def _grant(application: Application, actor: User) -> None:
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
            for line in application.lines.select_related("resource")
        ]
    )
    if deciding_region(application).level == Level.COUNTY:
        # Q-A2.4: the county authority's decision is filed with the city authority.
        application.filed_with_city_at = timezone.now()


def _notify(application: Application, source: str, target: str) -> None:
    url = f"/sharing/applications/{application.pk}/"
    applicants = data_admins(application.applicant_unit_id)
    if target in (A.GRANTED, A.REFUSED, A.RETURNED):
        body = application.decision_reason
        if target == A.REFUSED:
            body = f"{application.decision_basis}\n{application.decision_reason}"
        notify(
            recipients=applicants,
            title=f"共享申请{application.get_status_display()}：{application}",
            body=body,
            url=url,
        )
    if target == A.GRANTED and application.filed_with_city_at:
        notify(
            recipients=reviewers_of(city_region(application.applicant_unit.region)),
            title=f"备案：{application}",
            url=url,
        )
    if target == A.GRANTED and source == A.CONFIGURING:
        notify(
            recipients=reviewers_of(city_region(application.applicant_unit.region)),
            title=f"批量交换备案：{application}",
            url=url,
        )
    if target != source and target not in (A.GRANTED, A.REFUSED, A.WITHDRAWN, A.RETURNED):
        notify(recipients=owers(application), title=f"待办共享申请：{application}", url=url)
