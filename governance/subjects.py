"""Writes for data subjects (G39, G41–G43): the verified identity, the holdings search, copies,
objections (into the correction flow), authorizations of a third party and their use, complaints."""

import datetime as dt

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from audit.models import Outcome
from audit.services import audit_record
from catalog.models import Resource
from correction.models import CorrectionTicket
from correction.services import ticket_report
from dataplatform.core.audit_actions import AuditAction
from dataplatform.core.business_days import due_after
from dataplatform.core.errors import ApplicationError, Forbidden
from dataplatform.core.models import Region, Role, Unit, User
from dataplatform.core.models.units import UnitKind
from dataplatform.core.notifications import notify
from dataplatform.core.people import data_admins, reviewers_of

from .holdings import Holding, Subject, subject_holdings, subject_of, subject_records
from .models import (
    AuthorizationStatus,
    Complaint,
    CopyRequest,
    SubjectAuthorization,
    SubjectIdentity,
)
from .workflow import record_step

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
# G42 asks for copies "in time" and names no number; the platform holds producers to 10 business days.
COPY_DAYS = 10


def id_number_valid(value: str) -> bool:
    """GB 11643: 17 digits and a check character."""
    if len(value) != 18 or not value[:17].isdigit():
        return False
    check = "10X98765432"[sum(int(d) * w for d, w in zip(value[:17], ID_WEIGHTS, strict=True)) % 11]
    return value[17].upper() == check


def subject_identity_verify(
    *, actor: User, user: User, id_number: str, method: str, request=None
) -> SubjectIdentity:
    """A platform administrator records a citizen's ID number, verified in person or through the
    province's unified identity authentication: from then on the citizen acts as that data subject."""
    if not isinstance(actor, User) or not actor.has_role(Role.PLATFORM_ADMIN):
        raise Forbidden(_("A platform administrator verifies identities."))
    id_number = id_number.strip().upper()
    if user.unit_id is not None:
        raise ApplicationError(_("Identities are verified for citizens; a company acts through its unit."))
    if not id_number_valid(id_number):
        raise ApplicationError(_("This is not a valid resident ID number (GB 11643)."))
    if SubjectIdentity.objects.filter(id_number=id_number).exclude(user=user).exists():
        raise ApplicationError(_("This ID number is already verified for another account."))
    if not method.strip():
        raise ApplicationError(_("Say how the identity was verified."))
    with transaction.atomic():
        identity, _created = SubjectIdentity.objects.update_or_create(
            user=user,
            defaults={
                "id_number": id_number,
                "method": method.strip(),
                "verified_by": actor,
                "verified_at": timezone.now(),
            },
        )
        audit_record(
            action=AuditAction.GOVERNANCE_IDENTITY_VERIFY,
            actor=actor,
            request=request,
            target=user,
            detail={"method": identity.method},
        )
    return identity


def _subject(actor) -> Subject:
    subject = subject_of(actor)
    if subject is None:
        raise Forbidden(
            _(
                "Only a citizen whose identity the platform has verified, or a company's data administrator, acts as a data subject."
            )
        )
    return subject


def holdings_search(*, actor, request=None) -> tuple[Subject, list[Holding]]:
    """G42: the units holding data about the subject acting; the search itself is audited."""
    subject = _subject(actor)
    holdings = subject_holdings(subject)
    with transaction.atomic():
        audit_record(
            action=AuditAction.GOVERNANCE_SUBJECT_HOLDINGS,
            actor=actor,
            request=request,
            record_count=sum(h.count for h in holdings),
            data_items=[f"{h.resource.code}:{name}" for h in holdings for name in h.items],
            detail={"subject_kind": subject.kind, "resources": [h.resource.code for h in holdings]},
        )
    return subject, holdings


def _holding(subject: Subject, resource: Resource) -> Holding:
    for holding in subject_holdings(subject):
        if holding.resource.pk == resource.pk:
            return holding
    raise ApplicationError(_("%(resource)s holds no data about you.") % {"resource": resource.name})


def copy_request_create(*, actor: User, resource: Resource, request=None) -> CopyRequest:
    """G42 查阅、复制: the producer provides a copy of the records about the subject."""
    subject = _subject(actor)
    _holding(subject, resource)
    now = timezone.now()
    with transaction.atomic():
        copy = CopyRequest.objects.create(
            subject_kind=subject.kind,
            subject_id=subject.identifier,
            requested_by=actor,
            resource=resource,
            producer=resource.producer,
            due=due_after(now, COPY_DAYS).date,
            created_at=now,
        )
        record_step(copy, "request", "", actor=actor, request=request)
        notify(
            recipients=data_admins(resource.producer_id),
            title=gettext_noop(
                "A data subject asks for a copy of their data: %(resource)s (provide it by %(due)s)"
            ),
            params={"resource": resource.name, "due": copy.due},
            url="/governance/copies/",
        )
    return copy


def copy_download(*, actor: User, copy: CopyRequest, request=None) -> list[dict]:
    if copy.copy is None:
        raise ApplicationError(_("The copy has not been provided."))
    with transaction.atomic():
        audit_record(
            action=AuditAction.GOVERNANCE_COPY_DOWNLOAD,
            actor=actor,
            request=request,
            target=copy,
            owner_unit=copy.producer,
            record_count=len(copy.copy),
        )
    return copy.copy


def objection_file(
    *,
    actor: User,
    resource: Resource,
    keys: list[str],
    items: list[str],
    description: str,
    proposed_value: str = "",
    evidence: str = "",
    attachment: UploadedFile | None = None,
    request=None,
) -> CorrectionTicket:
    """G42: a subject objects to wrong data about it. Only its own records; the ticket then goes the
    correction flow's way (triage, the producer's decision and correction, Q7.2)."""
    subject = _subject(actor)
    own = set(_holding(subject, resource).keys)
    foreign = [key for key in keys if key not in own]
    if not keys or foreign:
        raise ApplicationError(_("Object to records about you only."), extra={"keys": foreign})
    return ticket_report(
        actor=actor,
        resource=resource,
        keys=keys,
        items=items,
        description=description,
        proposed_value=proposed_value,
        evidence=evidence,
        attachment=attachment,
        request=request,
    )


def authorization_grant(
    *,
    actor: User,
    grantee: Unit,
    resources: list[Resource],
    purpose: str,
    starts_on: dt.date,
    ends_on: dt.date,
    request=None,
) -> SubjectAuthorization:
    """G41: the subject authorizes a named unit to use its sensitive data for a purpose and a period."""
    subject = _subject(actor)
    held = {h.resource.pk for h in subject_holdings(subject)}
    if not resources or any(r.pk not in held for r in resources):
        raise ApplicationError(_("Authorize the use of entries that hold data about you."))
    if not purpose.strip():
        raise ApplicationError(_("State the purpose."))
    if ends_on < starts_on or ends_on < timezone.localdate():
        raise ApplicationError(_("The period must end on or after its start, and not in the past."))
    if not grantee.is_active:
        raise ApplicationError(_("The authorized unit is not active."))
    if not grantee.identity_proven:
        # Issue 18: a unit registered under a name nobody has checked may be posing as another.
        raise ApplicationError(_("The authorized unit's identity has not been verified."))
    with transaction.atomic():
        authorization = SubjectAuthorization.objects.create(
            subject_kind=subject.kind,
            subject_id=subject.identifier,
            requested_by=actor,
            grantee=grantee,
            purpose=purpose.strip(),
            starts_on=starts_on,
            ends_on=ends_on,
        )
        authorization.resources.set(resources)
        record_step(
            authorization,
            "grant",
            "",
            actor=actor,
            request=request,
            detail={
                "grantee": grantee.pk,
                "resources": [r.code for r in resources],
                "from": str(starts_on),
                "until": str(ends_on),
            },
        )
        notify(
            recipients=data_admins(grantee),
            title=gettext_noop("A data subject authorizes your unit to use their data: %(purpose)s"),
            params={"purpose": purpose.strip()[:60]},
            url="/governance/authorizations/",
        )
    return authorization


REFUSALS = {
    "no_authorization": gettext_noop("The subject has not authorized your unit to use this data."),
    "authorization_revoked": gettext_noop("The subject revoked the authorization."),
    "authorization_expired": gettext_noop("The authorization's period is over."),
    "authorization_not_started": gettext_noop("The authorization's period has not begun."),
}


def _authorization_for(
    unit: Unit, subject_id: str, resource: Resource
) -> tuple[SubjectAuthorization | None, str]:
    today = timezone.localdate()
    candidates = list(
        SubjectAuthorization.objects.filter(grantee=unit, subject_id=subject_id, resources=resource).order_by(
            "-ends_on"
        )
    )
    active = [a for a in candidates if a.status == AuthorizationStatus.ACTIVE]
    for authorization in active:
        if authorization.starts_on <= today <= authorization.ends_on:
            return authorization, ""
    if any(a.starts_on > today for a in active):
        return None, "authorization_not_started"
    if active:
        return None, "authorization_expired"
    return None, "authorization_revoked" if candidates else "no_authorization"


def authorized_use(*, actor, subject_id: str, resource: Resource, purpose: str, request=None) -> list[dict]:
    """An authorized unit (a person of it, or its system by API key) reads the subject's records.
    Every call checks the authorization and is audited, refusals too."""
    unit = getattr(actor, "unit", None)
    if unit is None:
        raise Forbidden(_("Authorized use is made by a unit."))
    authorization, refusal = _authorization_for(unit, subject_id.strip().upper(), resource)
    if authorization is None:
        with transaction.atomic():
            audit_record(
                action=AuditAction.GOVERNANCE_AUTHORIZATION_USE,
                actor=actor,
                request=request,
                outcome=Outcome.DENIED,
                owner_unit=resource.producer,
                purpose=purpose,
                detail={"resource": resource.code, "refusal": refusal},
            )
        raise Forbidden(_(REFUSALS[refusal]), extra={"reason": refusal})
    if not purpose.strip():
        raise ApplicationError(_("State the purpose of this use."))
    records = subject_records(resource, Subject(authorization.subject_kind, authorization.subject_id))
    with transaction.atomic():
        audit_record(
            action=AuditAction.GOVERNANCE_AUTHORIZATION_USE,
            actor=actor,
            request=request,
            target=authorization,
            owner_unit=resource.producer,
            record_count=len(records),
            data_items=[f"{resource.code}:{item.name}" for item in resource.items.all()],
            purpose=f"{authorization.purpose} · {purpose.strip()}"[:500],
            detail={"resource": resource.code, "authorization": authorization.pk},
        )
    return [{"key": record.key, **record.data} for record in records]


def authority_for(region: Region) -> Unit:
    """G43, G51: the data authority of a region's own level; for a region without one, the city's."""
    for level in (region, region.parent):
        if level is None:
            continue
        authority = Unit.objects.filter(kind=UnitKind.AUTHORITY, region=level).first()
        if authority is not None:
            return authority
    raise ApplicationError(_("No data authority is registered for this unit's region."))


def complaint_submit(*, actor: User, against: Unit, description: str, request=None) -> Complaint:
    subject = _subject(actor)
    if not description.strip():
        raise ApplicationError(_("Say what the unit did and how it harmed your rights."))
    authority = authority_for(against.region)
    with transaction.atomic():
        complaint = Complaint.objects.create(
            subject_kind=subject.kind,
            subject_id=subject.identifier,
            requested_by=actor,
            against=against,
            authority=authority,
            description=description.strip(),
        )
        record_step(complaint, "submit", "", actor=actor, request=request)
        notify(
            recipients=reviewers_of(authority.region_id).filter(unit=authority),
            title=gettext_noop("A data subject's complaint: %(unit)s"),
            params={"unit": against.name},
            body=description.strip()[:200],
            url="/governance/complaints/",
        )
    return complaint
