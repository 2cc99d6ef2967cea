"""The lifecycles of this app: one table of actions per lifecycle and the one function that takes
them. The same tables decide which buttons a person sees.

Projects (Q4.4, G50):   feasibility ─approve_feasibility─→ construction ─accept (every asset ready)─→ accepted
Copy requests (G42):    requested ─provide─→ provided | ─refuse─→ refused
Authorizations (G41):   active ─revoke (the subject)─→ revoked
Complaints (G43):       submitted ─accept─→ handling ─answer─→ answered (or answered at once)
Disputes (G51):         negotiating ─settle─→ settled
                          └─ask_coordination─→ coordinating ─settle─→ settled
                                                 └─convene_consultation─→ consulting ─settle─→ settled
                                                                            └─prepare_report─→ reporting
                        reporting: each side states its grounds; ─report (the authority's opinion)─→ reported
                        reported ─record_decision─→ decided.  Any open dispute: add_documents (no move).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.services import audit_record
from dataplatform.core.errors import ApplicationError
from dataplatform.core.models import Role, Unit, User
from dataplatform.core.notifications import notify
from dataplatform.core.people import data_admins

from .documents import documents_check, documents_save
from .holdings import Subject, is_subject_of, subject_records
from .models import (
    AuthorizationStatus,
    Complaint,
    ComplaintStatus,
    CopyRequest,
    CopyStatus,
    Dispute,
    DisputeStatus,
    InfoProject,
    ProjectStage,
    Step,
    SubjectAuthorization,
)
from .readiness import check_ready

D = DisputeStatus
OPEN_DISPUTE = (D.NEGOTIATING, D.COORDINATING, D.CONSULTING, D.REPORTING, D.REPORTED)


# --- who is who ----------------------------------------------------------------------------------


def _person(user) -> bool:
    return isinstance(user, User)


def is_project_unit(user, project: InfoProject) -> bool:
    return _person(user) and user.unit_id == project.unit_id and user.has_role(Role.DATA_ADMIN)


def is_approver(user, project: InfoProject) -> bool:
    return (
        _person(user)
        and user.unit_id == project.approving_unit_id
        and user.has_role(Role.DATA_ADMIN, Role.REVIEWER)
    )


def is_copy_producer(user, request: CopyRequest) -> bool:
    return _person(user) and user.unit_id == request.producer_id and user.has_role(Role.DATA_ADMIN)


def is_subject(user, obj) -> bool:
    return _person(user) and is_subject_of(user, obj)


def is_authority(user, obj: Complaint | Dispute) -> bool:
    return _person(user) and user.unit_id == obj.authority_id and user.has_role(Role.REVIEWER)


def is_party(user, dispute: Dispute) -> bool:
    return (
        _person(user)
        and user.unit_id in (dispute.raised_by_id, dispute.other_party_id)
        and user.has_role(Role.DATA_ADMIN, Role.LEADER)
    )


def is_party_or_authority(user, dispute: Dispute) -> bool:
    return is_party(user, dispute) or is_authority(user, dispute)


# --- checks and entries ------------------------------------------------------------------------------


def _has_assets(project: InfoProject) -> None:
    if not project.assets.exists():
        raise ApplicationError("List the data assets the project will produce first (Q4.4).")


def _both_grounds(dispute: Dispute) -> None:
    # G51: the report lists the grounds of every side.
    if not (dispute.raised_by_grounds.strip() and dispute.other_party_grounds.strip()):
        raise ApplicationError("Both units must state their grounds before the report.")


def _enter_provided(request: CopyRequest, actor, opinion: str) -> None:
    subject = Subject(request.subject_kind, request.subject_id)
    request.copy = [{"key": r.key, **r.data} for r in subject_records(request.resource, subject)]
    request.provided_at = timezone.now()


def _enter_grounds(dispute: Dispute, actor, opinion: str) -> None:
    if actor.unit_id == dispute.raised_by_id:
        dispute.raised_by_grounds = opinion
    else:
        dispute.other_party_grounds = opinion


def _enter_closed(dispute: Dispute, actor, opinion: str) -> None:
    dispute.outcome = opinion
    dispute.closed_at = timezone.now()


def _enter_report(dispute: Dispute, actor, opinion: str) -> None:
    dispute.authority_opinion = opinion


def _set_time(field: str) -> Callable:
    def enter(obj, actor, opinion: str) -> None:
        setattr(obj, field, timezone.now())

    return enter


# --- the tables ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    title: str
    sources: tuple[str, ...]
    to: str | None  # None: a step that leaves the status as it was
    allowed: Callable[[object, models.Model], bool]
    needs_opinion: bool = False
    needs_documents: bool = False
    check: Callable[[models.Model], None] | None = None
    enter: Callable[[models.Model, User, str], None] | None = None
    style: str = "primary"


PROJECT_ACTIONS = {
    "approve_feasibility": Action(
        _("Approve the feasibility study"),
        (ProjectStage.FEASIBILITY,),
        ProjectStage.CONSTRUCTION,
        is_approver,
        check=_has_assets,
    ),
    "accept": Action(
        _("Final acceptance"),
        (ProjectStage.CONSTRUCTION,),
        ProjectStage.ACCEPTED,
        is_approver,
        check=check_ready,  # Q4.4: not accepted until every asset is registered and aggregated
        enter=_set_time("accepted_at"),
        style="success",
    ),
}

COPY_ACTIONS = {
    "provide": Action(
        _("Provide the copy"),
        (CopyStatus.REQUESTED,),
        CopyStatus.PROVIDED,
        is_copy_producer,
        enter=_enter_provided,
    ),
    "refuse": Action(
        _("Refuse"),
        (CopyStatus.REQUESTED,),
        CopyStatus.REFUSED,
        is_copy_producer,
        needs_opinion=True,
        style="danger",
    ),
}

AUTHORIZATION_ACTIONS = {
    "revoke": Action(
        _("Revoke"),
        (AuthorizationStatus.ACTIVE,),
        AuthorizationStatus.REVOKED,
        is_subject,
        enter=_set_time("revoked_at"),
        style="danger",
    ),
}

COMPLAINT_ACTIONS = {
    "accept": Action(
        _("Accept for handling"), (ComplaintStatus.SUBMITTED,), ComplaintStatus.HANDLING, is_authority
    ),
    "answer": Action(
        _("Answer"),
        (ComplaintStatus.SUBMITTED, ComplaintStatus.HANDLING),
        ComplaintStatus.ANSWERED,
        is_authority,
        needs_opinion=True,
        enter=_set_time("answered_at"),
        style="success",
    ),
}

DISPUTE_ACTIONS = {
    "settle": Action(
        _("Settled: record the agreement"),
        (D.NEGOTIATING,),
        D.SETTLED,
        is_party,
        needs_opinion=True,
        enter=_enter_closed,
        style="success",
    ),
    "ask_coordination": Action(
        _("Negotiation failed: ask the authority to coordinate"),
        (D.NEGOTIATING,),
        D.COORDINATING,
        is_party,
        True,
    ),
    "coordinate_settle": Action(
        _("Settled by coordination"),
        (D.COORDINATING,),
        D.SETTLED,
        is_authority,
        needs_opinion=True,
        enter=_enter_closed,
        style="success",
    ),
    "convene_consultation": Action(
        _("Coordination failed: convene a joint consultation"),
        (D.COORDINATING,),
        D.CONSULTING,
        is_authority,
        True,
    ),
    "consultation_settle": Action(
        _("Settled by joint consultation"),
        (D.CONSULTING,),
        D.SETTLED,
        is_authority,
        needs_opinion=True,
        enter=_enter_closed,
        style="success",
    ),
    "prepare_report": Action(
        _("Consultation failed: prepare the report"), (D.CONSULTING,), D.REPORTING, is_authority, True
    ),
    "state_grounds": Action(
        _("State our grounds"), (D.REPORTING,), None, is_party, needs_opinion=True, enter=_enter_grounds
    ),
    "report": Action(
        _("Report with the authority's opinion"),
        (D.REPORTING,),
        D.REPORTED,
        is_authority,
        needs_opinion=True,
        check=_both_grounds,
        enter=_enter_report,
    ),
    "record_decision": Action(
        _("Record the government's decision"),
        (D.REPORTED,),
        D.DECIDED,
        is_authority,
        needs_opinion=True,
        enter=_enter_closed,
        style="success",
    ),
    "add_documents": Action(
        _("Add documents"), OPEN_DISPUTE, None, is_party_or_authority, needs_documents=True, style="secondary"
    ),
}


@dataclass(frozen=True)
class Flow:
    subject: str  # the Step rows' and audit actions' name for this lifecycle
    actions: dict[str, Action]
    owner: Callable[[models.Model], Unit | None]  # whose audit chain the events go to
    url: Callable[[models.Model], str]


FLOWS: dict[type, Flow] = {
    InfoProject: Flow(
        "project", PROJECT_ACTIONS, lambda p: p.unit, lambda p: f"/governance/projects/{p.pk}/"
    ),
    CopyRequest: Flow("copy", COPY_ACTIONS, lambda c: c.producer, lambda c: "/governance/subject/"),
    SubjectAuthorization: Flow(
        "authorization", AUTHORIZATION_ACTIONS, lambda a: a.grantee, lambda a: "/governance/subject/"
    ),
    Complaint: Flow("complaint", COMPLAINT_ACTIONS, lambda c: c.against, lambda c: "/governance/complaints/"),
    Dispute: Flow(
        "dispute", DISPUTE_ACTIONS, lambda d: d.raised_by, lambda d: f"/governance/disputes/{d.pk}/"
    ),
}


def allowed_actions(user, obj: models.Model) -> list[tuple[str, Action]]:
    return [
        (name, action)
        for name, action in FLOWS[type(obj)].actions.items()
        if obj.status in action.sources and action.allowed(user, obj)
    ]


def steps_of(obj: models.Model):
    steps = Step.objects.filter(subject=FLOWS[type(obj)].subject, object_id=obj.pk)
    return steps.select_related("actor_unit").prefetch_related("documents")


def act(
    *,
    obj: models.Model,
    action: str,
    actor,
    opinion: str = "",
    documents: Iterable[UploadedFile] = (),
    request=None,
):
    """Take one action: lock, check the table and the actor's right, move, record, notify."""
    flow = FLOWS[type(obj)]
    step = flow.actions.get(action)
    if step is None:
        raise ApplicationError(f"Unknown action {action!r}; one of: {', '.join(flow.actions)}.")
    documents = list(documents)
    documents_check(documents)
    with transaction.atomic():
        obj = type(obj).objects.select_for_update(of=("self",)).get(pk=obj.pk)
        if obj.status not in step.sources:
            raise ApplicationError(f"Cannot {action} when it is {obj.get_status_display()}.")
        if not step.allowed(actor, obj):
            raise ApplicationError(f"You may not {action} this.", extra={"code": "forbidden"})
        if step.needs_opinion and not opinion.strip():
            raise ApplicationError("Give the reasons or the content of this step.")
        if step.needs_documents and not documents:
            raise ApplicationError("Attach at least one document.")
        if step.check is not None:
            step.check(obj)
        source = obj.status
        if step.enter is not None:
            step.enter(obj, actor, opinion.strip())
        if step.to is not None:
            obj.status = step.to
        obj.save()
        record_step(
            obj, action, source, actor=actor, opinion=opinion.strip(), documents=documents, request=request
        )
        _notify(obj, flow, action)
    return obj


def record_step(
    obj, action: str, source: str, *, actor, opinion="", documents=(), request=None, detail=None
) -> Step:
    """The timeline row, its documents and the audit event of one step (the creation included)."""
    flow = FLOWS[type(obj)]
    user = actor if isinstance(actor, User) else None
    step = Step.objects.create(
        subject=flow.subject,
        object_id=obj.pk,
        action=action,
        from_status=source,
        to_status=obj.status,
        actor=user,
        actor_name=str(actor) if actor is not None else "platform",
        actor_unit=getattr(actor, "unit", None),
        opinion=opinion,
    )
    saved = documents_save(step, documents)
    audit_record(
        action=f"governance.{flow.subject}.{action}",
        actor=actor,
        request=request,
        target=obj,
        owner_unit=flow.owner(obj),
        detail={
            "from": source,
            "to": obj.status,
            "opinion": opinion[:500],
            "documents": [d.original_name for d in saved],
            **(detail or {}),
        },
    )
    return step


def _notify(obj, flow: Flow, action: str) -> None:
    """Tell the other side that a step was taken (notify writes the rows; e-mails go after commit)."""
    recipients: list[User] = []
    if isinstance(obj, InfoProject):
        recipients = list(data_admins(obj.unit_id))
    elif isinstance(obj, CopyRequest | Complaint):
        recipients = [obj.requested_by]
    elif isinstance(obj, SubjectAuthorization):
        recipients = list(data_admins(obj.grantee_id))
    elif isinstance(obj, Dispute):
        recipients = list(
            User.objects.filter(
                unit__in=(obj.raised_by_id, obj.other_party_id, obj.authority_id),
                role_assignments__role__in=(Role.DATA_ADMIN, Role.REVIEWER),
            ).distinct()
        )
    title = f"{obj._meta.verbose_name} #{obj.pk}: {obj.get_status_display()} ({action})"
    notify(recipients=recipients, title=title, url=flow.url(obj))
