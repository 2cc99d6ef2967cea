"""A unit's leader in charge and data administrators, registered by real name (Q9.2).

Who holds a role is ``people.role_assign`` / ``role_revoke`` and nothing else: a change of person is
filed here with the incoming person's real name and contact details, and only the authority's approval
moves the role.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from .actors import acts_for
from .audit_actions import AuditAction
from .errors import ApplicationError, Forbidden
from .events import record_event
from .models import PersonnelChange, PersonnelChangeStatus, Role, RoleAssignment, Unit, User
from .models.administrators import REGISTERED_ROLES
from .models.units import UnitKind
from .notifications import notify
from .pending import PendingItem
from .people import data_admins, regions_reviewed_by, reviewers_of, reviews_for_unit, role_assign, role_revoke


def can_file_for(user: User, unit: Unit) -> bool:
    """The unit's own data administrators and leader, or the authority reviewing its region (for a
    unit left with nobody to file)."""
    own = acts_for(user, unit, Role.DATA_ADMIN, Role.LEADER)
    return own or reviews_for_unit(user, unit)


def personnel_change_file(
    *,
    actor: User,
    unit: Unit,
    role: str,
    incoming: User | None = None,
    outgoing: User | None = None,
    real_name: str = "",
    phone: str = "",
    email: str = "",
    reason: str = "",
    request=None,
) -> PersonnelChange:
    if role not in REGISTERED_ROLES:
        raise ApplicationError(_("A unit registers its leader in charge and its data administrators."))
    if not can_file_for(actor, unit):
        raise Forbidden(_("You do not act for this unit."))
    if incoming is None and outgoing is None:
        raise ApplicationError(_("Name the person taking the role, the person leaving it, or both."))
    if incoming is not None:
        if incoming.unit_id != unit.pk:
            raise ApplicationError(
                _("%(incoming)s does not work at %(unit)s.") % {"incoming": incoming, "unit": unit}
            )
        if incoming.has_role(role):
            raise ApplicationError(_("%(incoming)s holds this role already.") % {"incoming": incoming})
        real_name, phone = real_name.strip() or incoming.real_name, phone.strip() or incoming.phone
        email = email.strip() or incoming.email
        if not real_name or not phone:
            # Q9.2: registered by real name, with contact details.
            raise ApplicationError(_("Give the incoming person's real name and phone number."))
    if outgoing is not None and not acts_for(outgoing, unit, role):
        raise ApplicationError(
            _("%(outgoing)s does not hold this role at %(unit)s.") % {"outgoing": outgoing, "unit": unit}
        )
    change = PersonnelChange(
        unit=unit,
        role=role,
        incoming=incoming,
        outgoing=outgoing,
        real_name=real_name,
        phone=phone,
        email=email,
        reason=reason,
        filed_by=actor,
    )
    change.full_clean()
    with transaction.atomic():
        change.save()
        record_event(
            action=AuditAction.PERSONNEL_CHANGE_FILE,
            actor=actor,
            request=request,
            target=change,
            owner_unit=unit,
            detail=_detail(change),
        )
        notify(
            recipients=reviewers_of(unit.region),
            title=gettext_noop("Change of person to approve: %(unit)s · %(role)s"),
            params={"unit": unit, "role": Role(change.role).label},
            body=reason,
            url="/units/administrators/",
        )
    return change


def personnel_change_decide(
    *, actor: User, change: PersonnelChange, approve: bool, note: str = "", request=None
) -> PersonnelChange:
    """The authority approves (the roles move, the contact details are written) or rejects."""
    with transaction.atomic():
        change = (
            PersonnelChange.objects.select_for_update(of=("self",))
            .select_related("unit", "incoming", "outgoing")
            .get(pk=change.pk)
        )
        if not reviews_for_unit(actor, change.unit):
            raise Forbidden(_("Only the unit's data authority decides."))
        if change.status != PersonnelChangeStatus.FILED:
            raise ApplicationError(
                _("This change is %(status)s already.") % {"status": change.get_status_display()}
            )
        if not approve and not note.strip():
            raise ApplicationError(_("Give the reason for the rejection."))
        if approve:
            _apply(actor, change)
        change.status = PersonnelChangeStatus.APPROVED if approve else PersonnelChangeStatus.REJECTED
        change.decided_by = actor
        change.decided_at = timezone.now()
        change.decision_note = note
        change.save()
        record_event(
            action=AuditAction.PERSONNEL_CHANGE_APPROVE if approve else AuditAction.PERSONNEL_CHANGE_REJECT,
            actor=actor,
            request=request,
            target=change,
            owner_unit=change.unit,
            detail={**_detail(change), "note": note},
        )
        recipients = {change.filed_by, *data_admins(change.unit)}
        notify(
            recipients=recipients,
            title=gettext_noop("Change of person %(status)s: %(unit)s · %(role)s"),
            params={
                "status": PersonnelChangeStatus(change.status).label,
                "unit": change.unit,
                "role": Role(change.role).label,
            },
            body=note,
            url="/units/administrators/",
        )
    return change


def _apply(actor: User, change: PersonnelChange) -> None:
    if change.incoming is not None:
        person = change.incoming
        person.real_name, person.phone, person.email = change.real_name, change.phone, change.email
        try:
            person.full_clean(exclude=["password", "username"])
        except ValidationError as exc:
            raise ApplicationError("; ".join(exc.messages)) from exc
        person.save(update_fields=["real_name", "phone", "email"])
        role_assign(actor=actor, user=person, role=change.role)
    if change.outgoing is not None:
        role_revoke(actor=actor, user=change.outgoing, role=change.role)


def _detail(change: PersonnelChange) -> dict:
    return {
        "role": change.role,
        "incoming": change.incoming_id,
        "outgoing": change.outgoing_id,
        "real_name": change.real_name,
    }


# --- reads ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Registered:
    role: str
    person: User


def unit_registered_people(unit: Unit) -> list[Registered]:
    """The unit's leader(s) in charge and data administrators as they stand, with contact details."""
    assignments = (
        RoleAssignment.objects.filter(user__unit=unit, role__in=REGISTERED_ROLES)
        .select_related("user")
        .order_by("role", "user__real_name")
    )
    return [Registered(a.role, a.user) for a in assignments]


def units_visible_for_registration(user: User) -> QuerySet[Unit]:
    if user.has_role(Role.PLATFORM_ADMIN):
        return Unit.objects.all()
    visible = Q(region__in=regions_reviewed_by(user))
    if user.unit_id is not None:
        visible |= Q(pk=user.unit_id)
    return Unit.objects.filter(visible)


def personnel_changes_visible_to(user: User) -> QuerySet[PersonnelChange]:
    changes = PersonnelChange.objects.select_related("unit", "incoming", "outgoing", "filed_by", "decided_by")
    return changes.filter(unit__in=units_visible_for_registration(user))


def units_without_data_admin(units: QuerySet[Unit]) -> QuerySet[Unit]:
    """Active government units that no one serves as data administrator (Q9.2), for supervision."""
    has_admin = RoleAssignment.objects.filter(
        user__unit=OuterRef("pk"), role=Role.DATA_ADMIN, user__is_active=True
    )
    return (
        units.filter(kind=UnitKind.GOVERNMENT, is_active=True)
        .annotate(has_admin=Exists(has_admin))
        .filter(has_admin=False)
        .order_by("region__code", "name")
    )


def personnel_pending_work(user: User) -> list:
    """The authority's part of the home page: changes of person awaiting its decision (Q9.2)."""
    if not user.has_role(Role.REVIEWER):
        return []
    filed = PersonnelChange.objects.filter(
        status=PersonnelChangeStatus.FILED, unit__region__in=regions_reviewed_by(user)
    ).select_related("unit")
    return [
        PendingItem(
            _("Decide a change of person: %(unit)s · %(role)s")
            % {"unit": c.unit, "role": c.get_role_display()},
            "/units/administrators/",
        )
        for c in filed
    ]
