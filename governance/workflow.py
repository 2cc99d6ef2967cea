"""The lifecycles of this app, on the core's workflow machine: one table of actions per lifecycle; the
same tables decide which buttons a person sees. Every move writes one ``Step`` (the timeline row, with
the documents the step brought) and one audit event ``governance.<subject>.<action>``.

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
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from dataplatform.core import workflow as machine
from dataplatform.core.actors import Actor, acts_for
from dataplatform.core.errors import ApplicationError
from dataplatform.core.models import Role, User
from dataplatform.core.notifications import notify
from dataplatform.core.people import data_admins
from dataplatform.core.workflow import Action, Lifecycle, Move, record_move

from .documents import display_name, documents_check, documents_save
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
OPINION_MESSAGE = _("Give the reasons or the content of this step.")


# --- who is who ----------------------------------------------------------------------------------


def is_project_unit(user: Actor, project: InfoProject) -> bool:
    return acts_for(user, project.unit_id)


def is_approver(user: Actor, project: InfoProject) -> bool:
    return acts_for(user, project.approving_unit_id, Role.DATA_ADMIN, Role.REVIEWER)


def is_copy_producer(user: Actor, request: CopyRequest) -> bool:
    return acts_for(user, request.producer_id)


def is_subject(user: Actor, obj) -> bool:
    return isinstance(user, User) and is_subject_of(user, obj)


def is_authority(user: Actor, obj: Complaint | Dispute) -> bool:
    return acts_for(user, obj.authority_id, Role.REVIEWER)


def is_party(user: Actor, dispute: Dispute) -> bool:
    return any(
        acts_for(user, unit_id, Role.DATA_ADMIN, Role.LEADER)
        for unit_id in (dispute.raised_by_id, dispute.other_party_id)
    )


def is_party_or_authority(user: Actor, dispute: Dispute) -> bool:
    return is_party(user, dispute) or is_authority(user, dispute)


# --- checks and entries ------------------------------------------------------------------------------


def _has_assets(move: Move[InfoProject]) -> None:
    if not move.obj.assets.exists():
        raise ApplicationError(_("List the data assets the project will produce first (Q4.4)."))


def _ready(move: Move[InfoProject]) -> None:
    check_ready(move.obj)  # Q4.4: not accepted until every asset is registered and aggregated


def _both_grounds(move: Move[Dispute]) -> None:
    # G51: the report lists the grounds of every side.
    dispute = move.obj
    if not (dispute.raised_by_grounds.strip() and dispute.other_party_grounds.strip()):
        raise ApplicationError(_("Both units must state their grounds before the report."))


def _has_documents(move: Move[Dispute]) -> None:
    if not move.inputs.get("documents"):
        raise ApplicationError(_("Attach at least one document."))


def _enter_provided(move: Move[CopyRequest]) -> None:
    request = move.obj
    subject = Subject(request.subject_kind, request.subject_id)
    request.copy = [{"key": r.key, **r.data} for r in subject_records(request.resource, subject)]
    request.provided_at = timezone.now()


def _enter_grounds(move: Move[Dispute]) -> None:
    dispute = move.obj
    assert move.person is not None  # the parties' people state their grounds
    if move.person.unit_id == dispute.raised_by_id:
        dispute.raised_by_grounds = move.reason
    else:
        dispute.other_party_grounds = move.reason


def _enter_closed(move: Move[Dispute]) -> None:
    move.obj.outcome = move.reason
    move.obj.closed_at = timezone.now()


def _enter_report(move: Move[Dispute]) -> None:
    move.obj.authority_opinion = move.reason


def _set_time(field: str) -> Callable[[Move], None]:
    def enter(move: Move) -> None:
        setattr(move.obj, field, timezone.now())

    return enter


# --- the tables ------------------------------------------------------------------------------------


def _by(actor: Actor) -> dict[str, Any]:
    """The timeline row's own fields: who took the step, by name and unit (an API key's system too)."""
    return {
        "actor_name": str(actor) if actor is not None else "platform",
        "actor_unit": getattr(actor, "unit", None),
    }


def _on_timeline(move: Move) -> None:
    """The lifecycles' own step after every action: the timeline row names who took it."""
    move.history.update(_by(move.actor))


def _opinion(**fields: Any) -> dict[str, Any]:
    return {"needs_reason": True, "reason_message": OPINION_MESSAGE, **fields}


PROJECT_ACTIONS: dict[str, Action] = {
    "approve_feasibility": Action(
        title=_("Approve the feasibility study"),
        sources=(ProjectStage.FEASIBILITY,),
        to=ProjectStage.CONSTRUCTION,
        allowed=is_approver,
        check=_has_assets,
    ),
    "accept": Action(
        title=_("Final acceptance"),
        sources=(ProjectStage.CONSTRUCTION,),
        to=ProjectStage.ACCEPTED,
        allowed=is_approver,
        check=_ready,
        enter=_set_time("accepted_at"),
        style="success",
    ),
}

COPY_ACTIONS: dict[str, Action] = {
    "provide": Action(
        title=_("Provide the copy"),
        sources=(CopyStatus.REQUESTED,),
        to=CopyStatus.PROVIDED,
        allowed=is_copy_producer,
        enter=_enter_provided,
    ),
    "refuse": Action(
        title=_("Refuse"),
        sources=(CopyStatus.REQUESTED,),
        to=CopyStatus.REFUSED,
        allowed=is_copy_producer,
        style="danger",
        **_opinion(),
    ),
}

AUTHORIZATION_ACTIONS: dict[str, Action] = {
    "revoke": Action(
        title=_("Revoke"),
        sources=(AuthorizationStatus.ACTIVE,),
        to=AuthorizationStatus.REVOKED,
        allowed=is_subject,
        enter=_set_time("revoked_at"),
        style="danger",
    ),
}

COMPLAINT_ACTIONS: dict[str, Action] = {
    "accept": Action(
        title=_("Accept for handling"),
        sources=(ComplaintStatus.SUBMITTED,),
        to=ComplaintStatus.HANDLING,
        allowed=is_authority,
    ),
    "answer": Action(
        title=_("Answer"),
        sources=(ComplaintStatus.SUBMITTED, ComplaintStatus.HANDLING),
        to=ComplaintStatus.ANSWERED,
        allowed=is_authority,
        enter=_set_time("answered_at"),
        style="success",
        **_opinion(),
    ),
}

DISPUTE_ACTIONS: dict[str, Action] = {
    "settle": Action(
        title=_("Settled: record the agreement"),
        sources=(D.NEGOTIATING,),
        to=D.SETTLED,
        allowed=is_party,
        enter=_enter_closed,
        style="success",
        **_opinion(),
    ),
    "ask_coordination": Action(
        title=_("Negotiation failed: ask the authority to coordinate"),
        sources=(D.NEGOTIATING,),
        to=D.COORDINATING,
        allowed=is_party,
        **_opinion(),
    ),
    "coordinate_settle": Action(
        title=_("Settled by coordination"),
        sources=(D.COORDINATING,),
        to=D.SETTLED,
        allowed=is_authority,
        enter=_enter_closed,
        style="success",
        **_opinion(),
    ),
    "convene_consultation": Action(
        title=_("Coordination failed: convene a joint consultation"),
        sources=(D.COORDINATING,),
        to=D.CONSULTING,
        allowed=is_authority,
        **_opinion(),
    ),
    "consultation_settle": Action(
        title=_("Settled by joint consultation"),
        sources=(D.CONSULTING,),
        to=D.SETTLED,
        allowed=is_authority,
        enter=_enter_closed,
        style="success",
        **_opinion(),
    ),
    "prepare_report": Action(
        title=_("Consultation failed: prepare the report"),
        sources=(D.CONSULTING,),
        to=D.REPORTING,
        allowed=is_authority,
        **_opinion(),
    ),
    "state_grounds": Action(
        title=_("State our grounds"),
        sources=(D.REPORTING,),
        allowed=is_party,
        enter=_enter_grounds,
        **_opinion(),
    ),
    "report": Action(
        title=_("Report with the authority's opinion"),
        sources=(D.REPORTING,),
        to=D.REPORTED,
        allowed=is_authority,
        check=_both_grounds,
        enter=_enter_report,
        **_opinion(),
    ),
    "record_decision": Action(
        title=_("Record the government's decision"),
        sources=(D.REPORTED,),
        to=D.DECIDED,
        allowed=is_authority,
        enter=_enter_closed,
        style="success",
        **_opinion(),
    ),
    "add_documents": Action(
        title=_("Add documents"),
        sources=OPEN_DISPUTE,
        allowed=is_party_or_authority,
        check=_has_documents,
        style="secondary",
    ),
}


# --- the lifecycles ------------------------------------------------------------------------------


def _audit(move: Move) -> dict[str, Any]:
    documents = move.inputs.get("documents", ())
    return {"detail": {"opinion": move.reason[:500], "documents": [display_name(d.name) for d in documents]}}


def _after(move: Move) -> None:
    """The step's documents hang on its timeline row; then the other side is told."""
    documents = move.inputs.get("documents", ())
    if documents:
        assert isinstance(move.row, Step)  # the row act() has just written
        documents_save(move.row, documents)
    _notify(move)


def _lifecycle(
    subject: str,
    noun: str,
    model: type[models.Model],
    actions: dict[str, Action],
    owner: Callable,
    related: tuple[str, ...],
) -> Lifecycle:
    return Lifecycle(
        name=f"governance.{subject}",
        noun=noun,
        model=model,
        actions=actions,
        history=Step,
        history_link=lambda obj: {"subject": subject, "object_id": obj.pk},
        owner=owner,
        related=related,
        reason_key="opinion",
        enter=_on_timeline,
        audit=_audit,
        notify=_after,
    )


PROJECT = _lifecycle("project", "a project", InfoProject, PROJECT_ACTIONS, lambda p: p.unit, ("unit",))
COPY = _lifecycle(
    "copy",
    "a copy request",
    CopyRequest,
    COPY_ACTIONS,
    lambda c: c.producer,
    ("producer", "resource", "requested_by"),
)
AUTHORIZATION = _lifecycle(
    "authorization",
    "an authorization",
    SubjectAuthorization,
    AUTHORIZATION_ACTIONS,
    lambda a: a.grantee,
    ("grantee",),
)
COMPLAINT = _lifecycle(
    "complaint", "a complaint", Complaint, COMPLAINT_ACTIONS, lambda c: c.against, ("against", "requested_by")
)
DISPUTE = _lifecycle("dispute", "a dispute", Dispute, DISPUTE_ACTIONS, lambda d: d.raised_by, ("raised_by",))

LIFECYCLES: dict[type, Lifecycle] = {
    InfoProject: PROJECT,
    CopyRequest: COPY,
    SubjectAuthorization: AUTHORIZATION,
    Complaint: COMPLAINT,
    Dispute: DISPUTE,
}

URLS: dict[type, Callable[[Any], str]] = {
    InfoProject: lambda p: f"/governance/projects/{p.pk}/",
    CopyRequest: lambda c: "/governance/subject/",
    SubjectAuthorization: lambda a: "/governance/subject/",
    Complaint: lambda c: "/governance/complaints/",
    Dispute: lambda d: f"/governance/disputes/{d.pk}/",
}

# The first step of every lifecycle here, taken by its creation service (never from a table).
_CREATED: Action[Any] = Action(title=_("Created"), sources=(), allowed=lambda user, obj: False)


def allowed_actions(user: Actor, obj: models.Model) -> list[tuple[str, Action]]:
    return machine.allowed_actions(LIFECYCLES[type(obj)], user, obj)


def steps_of(obj: models.Model):
    steps = Step.objects.filter(**LIFECYCLES[type(obj)].history_link(obj))
    return steps.select_related("actor_unit").prefetch_related("documents")


def act(
    *,
    obj: models.Model,
    action: str,
    actor: Actor,
    opinion: str = "",
    documents: Iterable[UploadedFile] = (),
    request=None,
):
    """Take one action on the core's workflow machine, with the documents it brings."""
    documents = list(documents)
    documents_check(documents)
    return machine.act(
        LIFECYCLES[type(obj)],
        obj=obj,
        action=action,
        actor=actor,
        reason=opinion,
        request=request,
        documents=documents,
    )


def record_step(
    obj, action: str, source: str, *, actor: Actor, opinion="", documents=(), request=None, detail=None
) -> Step:
    """The timeline row, its documents and the audit event of a lifecycle's first step (a creation)."""
    documents = list(documents)
    move = Move(
        obj=obj,
        name=action,
        action=_CREATED,
        actor=actor,
        source=source,
        target=obj.status,
        reason=opinion,
        request=request,
        inputs={"documents": documents},
        detail=dict(detail or {}),
        history=_by(actor),
    )
    step = record_move(LIFECYCLES[type(obj)], move)
    assert isinstance(step, Step)  # every lifecycle here keeps its timeline in Step
    documents_save(step, documents)
    return step


def _notify(move: Move) -> None:
    """Tell the other side that a step was taken (notify writes the rows; e-mails go after commit)."""
    obj = move.obj
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
    status = dict(obj._meta.get_field("status").flatchoices)[obj.status]
    params = {"kind": obj._meta.verbose_name, "number": obj.pk, "status": status, "action": move.action.title}
    title = gettext_noop("%(status)s (%(action)s): %(kind)s #%(number)s")
    notify(recipients=recipients, title=title, params=params, url=URLS[type(obj)](obj))
