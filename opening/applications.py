"""On-application opening (依申请开放, Q6.4, Q6.5, F10, G26): a public organization applies, the technical
service unit evaluates, the authority confirms, the organization accepts the data-use and security
agreement, and a grant follows. One table of transitions and the one function that makes them."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.services import audit_record
from catalog.models import OpenType
from catalog.workflow import is_reviewer
from dataplatform.core.errors import ApplicationError
from dataplatform.core.models import Role, Unit, User
from dataplatform.core.models.units import UnitKind
from dataplatform.core.notifications import notify
from dataplatform.core.people import data_admins, reviewers_of

from .models import OpenApplication, OpenApplicationChange, OpenEntry, OpenGrant, UseKind
from .models import OpenApplicationStatus as S

# The agreement's text is in templates/opening/agreement.html; a new text gets a new version, and
# each grant keeps the version its organization accepted.
AGREEMENT_VERSION = "2026.1"
RESEARCH_USES = (UseKind.RESEARCH, UseKind.EDUCATION)
MAX_PERIOD = dt.timedelta(days=3 * 366)


def is_applicant(user: User, application: OpenApplication) -> bool:
    return user.unit_id == application.organization_id and user.has_role(Role.DATA_ADMIN)


def is_evaluator(user: User, application: OpenApplication) -> bool:
    return user.has_role(Role.EVALUATOR)


def is_confirming_reviewer(user: User, application: OpenApplication) -> bool:
    return is_reviewer(user, application.entry.resource)


@dataclass(frozen=True)
class Transition:
    sources: tuple[str, ...]
    target: str
    title: str
    allowed: Callable[[User, OpenApplication], bool]
    needs_note: bool = False


TRANSITIONS: dict[str, Transition] = {
    "evaluate": Transition((S.SUBMITTED,), S.EVALUATED, _("Evaluated: reasonable"), is_evaluator),
    "reject_evaluation": Transition((S.SUBMITTED,), S.REJECTED, _("Not reasonable"), is_evaluator, True),
    "confirm": Transition((S.EVALUATED,), S.CONFIRMED, _("Confirm"), is_confirming_reviewer),
    "reject": Transition((S.EVALUATED,), S.REJECTED, _("Reject"), is_confirming_reviewer, True),
    "accept_agreement": Transition((S.CONFIRMED,), S.GRANTED, _("Accept the agreement"), is_applicant),
}


def allowed_actions(user: User, application: OpenApplication) -> list[tuple[str, Transition]]:
    return [
        (name, t)
        for name, t in TRANSITIONS.items()
        if application.status in t.sources and t.allowed(user, application)
    ]


def _check_organization(unit: Unit | None, use_kind: str, declares_domestic_controlled: bool) -> None:
    if unit is None or not unit.is_public_organization:
        raise ApplicationError(
            "Domestic-controlled enterprises, universities and research institutes apply (Q6.4).",
            extra={"code": "forbidden"},
        )
    if use_kind not in UseKind.values:
        raise ApplicationError(f"Unknown kind of use {use_kind!r}.")
    if unit.kind in (UnitKind.UNIVERSITY, UnitKind.RESEARCH) and use_kind not in RESEARCH_USES:
        # Q6.5, G26: universities and research institutes: research and education only, never commercial.
        raise ApplicationError(
            "Universities and research institutes use open data for research and education only."
        )
    if unit.kind == UnitKind.ENTERPRISE and not declares_domestic_controlled:
        raise ApplicationError("An enterprise declares that it is domestic-controlled (Q6.4).")


def open_application_submit(
    *,
    actor: User,
    entry: OpenEntry,
    scenario: str,
    purpose: str,
    use_kind: str,
    period_start: dt.date,
    period_end: dt.date,
    requirements: str = "",
    declares_domestic_controlled: bool = False,
    request=None,
) -> OpenApplication:
    unit = actor.unit
    _check_organization(unit, use_kind, declares_domestic_controlled)
    if not actor.has_role(Role.DATA_ADMIN):
        raise ApplicationError("The organization's data administrator applies.", extra={"code": "forbidden"})
    if not (entry.is_public and entry.open_type == OpenType.ON_APPLICATION):
        raise ApplicationError("Only datasets open on application are applied for.")
    if not scenario.strip() or not purpose.strip():
        raise ApplicationError("Describe the application scenario and the use.")
    if period_end < period_start or period_end - period_start > MAX_PERIOD:
        raise ApplicationError("The period ends after it starts, and lasts at most three years.")
    with transaction.atomic():
        if unit.kind == UnitKind.ENTERPRISE and not unit.declares_domestic_controlled:
            Unit.objects.filter(pk=unit.pk).update(declares_domestic_controlled=True)
        application = OpenApplication.objects.create(
            entry=entry,
            organization=unit,
            applicant=actor,
            scenario=scenario,
            purpose=purpose,
            use_kind=use_kind,
            requirements=requirements,
            period_start=period_start,
            period_end=period_end,
            declares_domestic_controlled=declares_domestic_controlled,
        )
        OpenApplicationChange.objects.create(
            application=application, from_status=S.SUBMITTED, to_status=S.SUBMITTED, actor=actor
        )
        audit_record(
            action="open_application.submit",
            actor=actor,
            request=request,
            target=application,
            owner_unit=entry.resource.producer,
            purpose=purpose[:300],
            detail={"use_kind": use_kind, "domestic_controlled": declares_domestic_controlled},
        )
        notify(
            recipients=User.objects.filter(role_assignments__role=Role.EVALUATOR),
            title=f"开放数据申请待评估：{entry.resource.name}",
            url=f"/open/applications/{application.pk}/",
        )
    return application


def open_application_transition(
    *,
    application: OpenApplication,
    action: str,
    actor: User,
    note: str = "",
    agreement_version: str = "",
    request=None,
) -> OpenApplication:
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise ApplicationError(f"Unknown action {action!r}.")
    note = note.strip()
    with transaction.atomic():
        application = (
            OpenApplication.objects.select_for_update()
            .select_related("entry__resource__producer", "organization")
            .get(pk=application.pk)
        )
        if application.status not in transition.sources:
            raise ApplicationError(
                f"An application that is {application.get_status_display()} cannot be: {transition.title}."
            )
        if not transition.allowed(actor, application):
            raise ApplicationError("It is not your step.", extra={"code": "forbidden"})
        if transition.needs_note and not note:
            raise ApplicationError("Give the reason.")
        before = application.status
        application.status = transition.target
        if action in ("evaluate", "reject_evaluation"):
            application.evaluation_note = note
        elif action in ("confirm", "reject"):
            application.decision_note = note
        grant = _grant(application, actor, agreement_version) if action == "accept_agreement" else None
        application.save()
        OpenApplicationChange.objects.create(
            application=application, from_status=before, to_status=application.status, actor=actor, note=note
        )
        audit_record(
            action=f"open_application.{action}",
            actor=actor,
            request=request,
            target=application,
            owner_unit=application.entry.resource.producer,
            purpose=application.purpose[:300],
            detail={
                "from": before,
                "to": application.status,
                "note": note,
                "grant": grant.pk if grant else None,
            },
        )
        _notify(application, action)
    return application


def _grant(application: OpenApplication, actor: User, agreement_version: str) -> OpenGrant:
    if agreement_version != AGREEMENT_VERSION:
        raise ApplicationError(f"Accept the current agreement, version {AGREEMENT_VERSION}.")
    org = application.organization
    application.agreement_version = agreement_version
    application.agreement_accepted_at, application.agreement_accepted_by = timezone.now(), actor
    research_only = org.kind in (UnitKind.UNIVERSITY, UnitKind.RESEARCH)
    return OpenGrant.objects.create(
        application=application,
        organization=org,
        entry=application.entry,
        use_kind=application.use_kind,
        research_and_education_only=research_only,
        commercial_use_allowed=not research_only and application.use_kind == UseKind.COMMERCIAL,
        agreement_version=agreement_version,
        start_date=max(application.period_start, timezone.localdate()),
        end_date=application.period_end,
    )


def _notify(application: OpenApplication, action: str) -> None:
    url = f"/open/applications/{application.pk}/"
    name = application.entry.resource.name
    if action == "evaluate":
        notify(
            recipients=reviewers_of(application.entry.resource.producer.region_id),
            title=f"开放数据申请待确认：{name}",
            url=url,
        )
    else:
        notify(
            recipients=data_admins(application.organization),
            title=f"开放数据申请（{application.get_status_display()}）：{name}",
            url=url,
        )


def usable_grant(*, unit_id: int, entry: OpenEntry) -> OpenGrant | None:
    today = timezone.localdate()
    grants = OpenGrant.objects.filter(organization_id=unit_id, entry=entry, is_active=True)
    return next((g for g in grants if g.usable_on(today)), None)
