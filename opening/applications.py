"""On-application opening (依申请开放, Q6.4, Q6.5, F10, G26): a public organization applies, the technical
service unit evaluates, the authority confirms, the organization accepts the data-use and security
agreement, and a grant follows: the application's lifecycle, a table of actions on the core's workflow
machine."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from audit.services import audit_record
from catalog.models import OpenType
from catalog.workflow import is_reviewer
from dataplatform.core.actors import Actor, acts_for
from dataplatform.core.errors import ApplicationError, Forbidden
from dataplatform.core.models import Role, Unit, User
from dataplatform.core.models.units import UnitKind
from dataplatform.core.notifications import notify
from dataplatform.core.people import acts_for_proven_organization, data_admins, reviewers_of
from dataplatform.core.workflow import Action, Lifecycle, Move, act
from dataplatform.core.workflow import allowed_actions as lifecycle_actions

from .models import OpenApplication, OpenApplicationChange, OpenEntry, OpenGrant, UseKind
from .models import OpenApplicationStatus as S

# The agreement's text is in templates/opening/agreement.html; a new text gets a new version, and
# each grant keeps the version its organization accepted.
AGREEMENT_VERSION = "2026.1"
RESEARCH_USES = (UseKind.RESEARCH, UseKind.EDUCATION)
MAX_PERIOD = dt.timedelta(days=3 * 366)
REASON_MESSAGE = _("Give the reason.")


def is_applicant(user: Actor, application: OpenApplication) -> bool:
    return acts_for(user, application.organization_id)


def is_evaluator(user: Actor, application: OpenApplication) -> bool:
    return isinstance(user, User) and user.has_role(Role.EVALUATOR)


def is_confirming_reviewer(user: Actor, application: OpenApplication) -> bool:
    return is_reviewer(user, application.entry.resource)


def _check_organization(actor: User, use_kind: str, declares_domestic_controlled: bool) -> Unit:
    unit = actor.unit
    if unit is None or not unit.is_public_organization:
        raise Forbidden(
            _("Domestic-controlled enterprises, universities and research institutes apply (Q6.4).")
        )
    if not acts_for_proven_organization(actor):
        # Issue 18: the credit code is the organization's own only once its documents are verified.
        raise Forbidden(
            _("Your organization applies once the data authority has verified its registration documents.")
        )
    if use_kind not in UseKind.values:
        raise ApplicationError(_("Unknown kind of use %(use_kind)s.") % {"use_kind": repr(use_kind)})
    if unit.kind in (UnitKind.UNIVERSITY, UnitKind.RESEARCH) and use_kind not in RESEARCH_USES:
        # Q6.5, G26: universities and research institutes: research and education only, never commercial.
        raise ApplicationError(
            _("Universities and research institutes use open data for research and education only.")
        )
    if unit.kind == UnitKind.ENTERPRISE and not declares_domestic_controlled:
        raise ApplicationError(_("An enterprise declares that it is domestic-controlled (Q6.4)."))
    return unit


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
    unit = _check_organization(actor, use_kind, declares_domestic_controlled)
    if not actor.has_role(Role.DATA_ADMIN):
        raise Forbidden(_("The organization's data administrator applies."))
    if not (entry.is_public and entry.open_type == OpenType.ON_APPLICATION):
        raise ApplicationError(_("Only datasets open on application are applied for."))
    if not scenario.strip() or not purpose.strip():
        raise ApplicationError(_("Describe the application scenario and the use."))
    if period_end < period_start or period_end - period_start > MAX_PERIOD:
        raise ApplicationError(_("The period ends after it starts, and lasts at most three years."))
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
            application=application,
            action="submit",
            from_status=S.SUBMITTED,
            to_status=S.SUBMITTED,
            actor=actor,
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
            title=gettext_noop("Open data application to evaluate: %(resource)s"),
            params={"resource": entry.resource.name},
            url=f"/open/applications/{application.pk}/",
        )
    return application


def _enter_evaluation(move: Move[OpenApplication]) -> None:
    move.obj.evaluation_note = move.reason


def _enter_decision(move: Move[OpenApplication]) -> None:
    move.obj.decision_note = move.reason


def _enter_granted(move: Move[OpenApplication]) -> None:
    application, agreement_version = move.obj, move.inputs.get("agreement_version", "")
    if agreement_version != AGREEMENT_VERSION:
        raise ApplicationError(
            _("Accept the current agreement, version %(agreement_version)s.")
            % {"agreement_version": AGREEMENT_VERSION}
        )
    org = application.organization
    application.agreement_version = agreement_version
    application.agreement_accepted_at, application.agreement_accepted_by = timezone.now(), move.person
    research_only = org.kind in (UnitKind.UNIVERSITY, UnitKind.RESEARCH)
    grant = OpenGrant.objects.create(
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
    move.detail["grant"] = grant.pk


def _audit(move: Move[OpenApplication]) -> dict:
    return {"purpose": move.obj.purpose[:300], "detail": {"grant": move.detail.get("grant")}}


def _notify(move: Move[OpenApplication]) -> None:
    application = move.obj
    url = f"/open/applications/{application.pk}/"
    name = application.entry.resource.name
    if move.name == "evaluate":
        notify(
            recipients=reviewers_of(application.entry.resource.producer.region_id),
            title=gettext_noop("Open data application to confirm: %(resource)s"),
            params={"resource": name},
            url=url,
        )
    else:
        notify(
            recipients=data_admins(application.organization),
            title=gettext_noop("Open data application (%(status)s): %(resource)s"),
            params={"status": S(application.status).label, "resource": name},
            url=url,
        )


# --- the table --------------------------------------------------------------------------------

ACTIONS: dict[str, Action[OpenApplication]] = {
    "evaluate": Action(
        title=_("Evaluated: reasonable"),
        sources=(S.SUBMITTED,),
        to=S.EVALUATED,
        allowed=is_evaluator,
        enter=_enter_evaluation,
    ),
    "reject_evaluation": Action(
        title=_("Not reasonable"),
        sources=(S.SUBMITTED,),
        to=S.REJECTED,
        allowed=is_evaluator,
        needs_reason=True,
        reason_message=REASON_MESSAGE,
        enter=_enter_evaluation,
    ),
    "confirm": Action(
        title=_("Confirm"),
        sources=(S.EVALUATED,),
        to=S.CONFIRMED,
        allowed=is_confirming_reviewer,
        enter=_enter_decision,
    ),
    "reject": Action(
        title=_("Reject"),
        sources=(S.EVALUATED,),
        to=S.REJECTED,
        allowed=is_confirming_reviewer,
        needs_reason=True,
        reason_message=REASON_MESSAGE,
        enter=_enter_decision,
    ),
    "accept_agreement": Action(
        title=_("Accept the agreement"),
        sources=(S.CONFIRMED,),
        to=S.GRANTED,
        allowed=is_applicant,
        enter=_enter_granted,
    ),
}

LIFECYCLE = Lifecycle(
    name="open_application",
    noun="an application",
    model=OpenApplication,
    actions=ACTIONS,
    history=OpenApplicationChange,
    history_link=lambda application: {"application": application},
    owner=lambda application: application.entry.resource.producer,
    related=("entry__resource__producer", "organization"),
    reason_key="note",
    audit=_audit,
    notify=_notify,
)


def allowed_actions(user: Actor, application: OpenApplication) -> list[tuple[str, Action[OpenApplication]]]:
    return lifecycle_actions(LIFECYCLE, user, application)


def open_application_transition(
    *,
    application: OpenApplication,
    action: str,
    actor: Actor,
    note: str = "",
    agreement_version: str = "",
    request=None,
) -> OpenApplication:
    return act(
        LIFECYCLE,
        obj=application,
        action=action,
        actor=actor,
        reason=note,
        request=request,
        agreement_version=agreement_version,
    )


def usable_grant(*, unit_id: int, entry: OpenEntry) -> OpenGrant | None:
    today = timezone.localdate()
    grants = OpenGrant.objects.filter(organization_id=unit_id, entry=entry, is_active=True)
    return next((g for g in grants if g.usable_on(today)), None)
