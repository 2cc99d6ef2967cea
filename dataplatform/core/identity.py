"""A public organization's identity (issue 18): the registrant uploads the unit's registration document
(business licence, legal-person certificate), and the data authority of the unit's region, or the platform
administrator, verifies it against the name and credit code typed in, or rejects it with the reason.

Until then the organization only browses open data: it applies for nothing, is no data subject and
authorizes nothing (``Unit.identity_proven``, read through ``people.acts_for_proven_organization``).
``identity_move`` is the one function that changes ``Unit.identity_status``, along ``TRANSITIONS``.
"""

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from .audit_actions import AuditAction
from .errors import ApplicationError, Forbidden
from .events import record_event
from .models import IdentityProof, IdentityStatus, Role, Unit, User
from .models.identity import PROOF_EXTENSIONS
from .models.units import PUBLIC_ORGANIZATION_KINDS, UnitKind
from .notifications import notify
from .pending import PendingItem
from .people import data_admins, regions_reviewed_by, reviewers_of, reviews_for_unit

MAX_PROOF_BYTES = 10 * 2**20
# What a document's first bytes say it is; its name and the browser's content type say nothing.
SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
# Which status may follow which: the authority decides a pending registration; a rejected one is pending
# again when the organization uploads new documents. A verified identity stays (deactivate the unit).
TRANSITIONS: dict[str, tuple[str, ...]] = {
    IdentityStatus.UNVERIFIED: (IdentityStatus.VERIFIED, IdentityStatus.REJECTED),
    IdentityStatus.REJECTED: (IdentityStatus.UNVERIFIED,),
    IdentityStatus.VERIFIED: (),
}
URL = "/units/verifications/"


def proof_type(upload: UploadedFile) -> str:
    """The document's content type from its first bytes, or a refusal: a PDF, JPEG or PNG scan of
    bounded size."""
    size = upload.size or 0
    if size > MAX_PROOF_BYTES:
        raise ApplicationError(
            _("The registration document is larger than %(size)s MB.") % {"size": MAX_PROOF_BYTES // 2**20}
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for signature, content_type in SIGNATURES:
        if size and head.startswith(signature):
            return content_type
    raise ApplicationError(_("Upload the registration document as a PDF, JPEG or PNG scan."))


def identity_proof_add(*, actor: User, unit: Unit, document: UploadedFile) -> IdentityProof:
    """Store a checked document (in the caller's transaction): under a name of our own."""
    proof = IdentityProof(
        unit=unit,
        content_type=proof_type(document),
        original_name=_display_name(document.name),
        size=document.size or 0,
        uploaded_by=actor,
    )
    proof.file.save(f"proof{PROOF_EXTENSIONS[proof.content_type]}", document, save=True)
    return proof


def _display_name(name: str | None) -> str:
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    return base[:200] or "document"


def identity_submitted(*, actor: User, unit: Unit, proof: IdentityProof, request=None) -> None:
    """Audit a submission and tell the verifiers (in the caller's transaction)."""
    record_event(
        action=AuditAction.UNIT_IDENTITY_SUBMIT,
        actor=actor,
        request=request,
        target=unit,
        owner_unit=unit,
        detail={"proof": proof.pk, "name": proof.original_name, "content_type": proof.content_type},
    )
    notify(
        recipients=verifiers_of(unit),
        title=gettext_noop("Registration to verify: %(unit)s"),
        params={"unit": unit.name},
        url=URL,
    )


def identity_proof_submit(*, actor: User, document: UploadedFile, request=None) -> IdentityProof:
    """The organization's data administrator uploads a (new) document: a rejected registration is
    pending again."""
    unit = actor.unit
    if unit is None or not unit.is_public_organization or not actor.has_role(Role.DATA_ADMIN):
        raise Forbidden(_("A public organization's data administrator submits its registration documents."))
    proof_type(document)  # refused before anything is written
    with transaction.atomic():
        unit = Unit.objects.select_for_update(of=("self",)).get(pk=unit.pk)
        if unit.identity_proven:
            raise ApplicationError(_("Your organization's identity is verified already."))
        if unit.identity_status == IdentityStatus.REJECTED:
            identity_move(unit=unit, to=IdentityStatus.UNVERIFIED, actor=actor)
        proof = identity_proof_add(actor=actor, unit=unit, document=document)
        identity_submitted(actor=actor, unit=unit, proof=proof, request=request)
    return proof


def identity_decide(*, actor: User, unit: Unit, approve: bool, note: str = "", request=None) -> Unit:
    """The authority verifies the documents (the organization then acts as itself) or rejects them."""
    with transaction.atomic():
        unit = Unit.objects.select_for_update(of=("self",)).get(pk=unit.pk)
        if not can_verify(actor, unit) or not unit.is_public_organization:
            raise Forbidden(_("Only the data authority of the organization's region verifies it."))
        if not approve and not note.strip():
            raise ApplicationError(_("Give the reason for the rejection."))
        if not unit.identity_proofs.exists():
            raise ApplicationError(_("The organization has uploaded no registration document."))
        to = IdentityStatus.VERIFIED if approve else IdentityStatus.REJECTED
        identity_move(unit=unit, to=to, actor=actor, note="" if approve else note.strip())
        record_event(
            action=AuditAction.UNIT_IDENTITY_VERIFY if approve else AuditAction.UNIT_IDENTITY_REJECT,
            actor=actor,
            request=request,
            target=unit,
            owner_unit=unit,
            detail={"credit_code": unit.credit_code, "note": note.strip()},
        )
        notify(
            recipients=data_admins(unit),
            title=gettext_noop("Registration %(status)s: %(unit)s"),
            params={"status": IdentityStatus(unit.identity_status).label, "unit": unit.name},
            body=note.strip(),
            url=URL,
        )
    return unit


def identity_move(*, unit: Unit, to: str, actor: User, note: str = "") -> None:
    """The one assignment of ``identity_status``, on a row the caller has locked."""
    if to not in TRANSITIONS[unit.identity_status]:
        raise ApplicationError(
            _("This registration is %(status)s already.") % {"status": unit.get_identity_status_display()}
        )
    unit.identity_status = to
    decided = to != IdentityStatus.UNVERIFIED
    unit.identity_decided_at = timezone.now() if decided else None
    unit.identity_decided_by = actor if decided else None
    unit.identity_note = note
    unit.save(
        update_fields=["identity_status", "identity_decided_at", "identity_decided_by", "identity_note"]
    )


def identity_proof_read(*, actor: User, proof: IdentityProof, request=None) -> IdentityProof:
    """Who read which registration document: it holds a legal person's particulars."""
    with transaction.atomic():
        record_event(
            action=AuditAction.UNIT_IDENTITY_PROOF_DOWNLOAD,
            actor=actor,
            request=request,
            target=proof.unit,
            owner_unit=proof.unit,
            detail={"proof": proof.pk, "name": proof.original_name},
        )
    return proof


# --- reads ------------------------------------------------------------------------------------------


def can_verify(user, unit: Unit) -> bool:
    """The reviewers of the organization's region, or the platform administrator."""
    if not isinstance(user, User):
        return False
    return user.has_role(Role.PLATFORM_ADMIN) or reviews_for_unit(user, unit)


def verifiers_of(unit: Unit) -> QuerySet[User]:
    """Whom a registration is put to: the region's reviewers, else the platform administrators."""
    reviewers = reviewers_of(unit.region_id)
    if reviewers.exists():
        return reviewers
    return User.objects.filter(role_assignments__role=Role.PLATFORM_ADMIN, is_active=True)


def organizations_for_verification(user) -> QuerySet[Unit]:
    """Public organizations whose registration the caller sees: the verifiers theirs, an organization's
    own people their own. Everyone else: none."""
    organizations = Unit.objects.filter(kind__in=PUBLIC_ORGANIZATION_KINDS).select_related(
        "region", "identity_decided_by"
    )
    if not isinstance(user, User) or not user.is_authenticated:
        return organizations.none()
    if user.has_role(Role.PLATFORM_ADMIN):
        return organizations
    visible = Q(region__in=regions_reviewed_by(user))
    if user.unit_id is not None and user.has_role(Role.DATA_ADMIN, Role.LEADER):
        visible |= Q(pk=user.unit_id)
    return organizations.filter(visible)


def proofs_visible_to(user) -> QuerySet[IdentityProof]:
    return IdentityProof.objects.filter(unit__in=organizations_for_verification(user)).select_related(
        "unit", "uploaded_by"
    )


def identity_pending_work(user) -> list[PendingItem]:
    """The verifiers' part of the home page: registrations awaiting their decision."""
    if not isinstance(user, User) or not user.has_role(Role.REVIEWER, Role.PLATFORM_ADMIN):
        return []
    waiting = organizations_for_verification(user).filter(
        identity_status=IdentityStatus.UNVERIFIED, identity_proofs__isnull=False
    )
    if not user.has_role(Role.REVIEWER):  # the platform administrator: only where no reviewer is
        waiting = waiting.exclude(region__in=_regions_with_reviewers())
    return [
        PendingItem(_("Verify the registration of %(unit)s") % {"unit": unit.name}, URL, kind="identity")
        for unit in waiting.distinct().order_by("created_at")
    ]


def _regions_with_reviewers() -> QuerySet:
    return User.objects.filter(role_assignments__role=Role.REVIEWER, unit__kind=UnitKind.AUTHORITY).values(
        "unit__region"
    )
