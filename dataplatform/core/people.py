"""Units, people and roles: the writes, and the few reads that decide who acts for whom."""

from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, get_objects_for_user, remove_perm

from .audit_actions import AuditAction
from .errors import ApplicationError
from .events import record_event
from .models import Region, Role, RoleAssignment, Unit, User
from .models.units import UnitKind

if TYPE_CHECKING:
    from .authentication import ApiClient

REVIEW_REGION = "core.review_region"

# Which kind of unit a role may be held at.
ROLE_UNIT_KINDS: dict[str, tuple[str, ...] | None] = {
    Role.DATA_ADMIN: None,  # any unit
    Role.LEADER: None,
    Role.REVIEWER: (UnitKind.AUTHORITY,),
    Role.EVALUATOR: (UnitKind.TECH_SERVICE,),
    Role.PLATFORM_ADMIN: (UnitKind.TECH_SERVICE, UnitKind.AUTHORITY),
}


def unit_create(*, actor: User | None, **fields) -> Unit:
    unit = Unit(**fields)
    unit.full_clean()
    with transaction.atomic():
        unit.save()
        record_event(action=AuditAction.UNIT_CREATE, actor=actor, target=unit)
    return unit


def role_assign(*, actor: User | None, user: User, role: str) -> RoleAssignment:
    allowed = ROLE_UNIT_KINDS[role]
    if user.unit is None:
        raise ApplicationError(
            _("%(user)s acts for no unit, so cannot hold the role %(role)s.")
            % {"user": user, "role": Role(role).label}
        )
    if allowed is not None and user.unit.kind not in allowed:
        kinds = ", ".join(str(UnitKind(kind).label) for kind in allowed)
        raise ApplicationError(
            _("The role %(role)s is held only at: %(kinds)s.") % {"role": Role(role).label, "kinds": kinds}
        )
    with transaction.atomic():
        assignment, created = RoleAssignment.objects.get_or_create(user=user, role=role)
        if role == Role.REVIEWER:
            # An authority reviews for its own region: the county authority its county (Q-A2.4).
            assign_perm(REVIEW_REGION, user, user.unit.region)
        if role == Role.PLATFORM_ADMIN:
            User.objects.filter(pk=user.pk).update(is_staff=True, is_superuser=True)
        if created:
            record_event(action=AuditAction.ROLE_ASSIGN, actor=actor, target=user, detail={"role": role})
    user.__dict__.pop("roles", None)
    return assignment


def role_revoke(*, actor: User | None, user: User, role: str) -> None:
    with transaction.atomic():
        deleted, _ = RoleAssignment.objects.filter(user=user, role=role).delete()
        if role == Role.REVIEWER and user.unit is not None:
            remove_perm(REVIEW_REGION, user, user.unit.region)
        if role == Role.PLATFORM_ADMIN:
            User.objects.filter(pk=user.pk).update(is_staff=False, is_superuser=False)
        if deleted:
            record_event(action=AuditAction.ROLE_REVOKE, actor=actor, target=user, detail={"role": role})
    user.__dict__.pop("roles", None)


def works_for_government(user) -> bool:
    """The caller acts in a government unit: a person with a role there, or its information system (not a
    citizen, a public organization's person, or one whose role awaits approval)."""
    unit = getattr(user, "unit", None)
    return working_unit_id(user) is not None and unit is not None and unit.is_government


def is_government_staff(user, *roles: str) -> bool:
    """The person acts for a government unit (not a public organization) in one of ``roles``, the data
    administrator's by default. False for anonymous visitors, citizens and API clients."""
    unit = getattr(user, "unit", None)
    return unit is not None and unit.is_government and user.has_role(*(roles or (Role.DATA_ADMIN,)))


def acts_for_proven_organization(user) -> bool:
    """The person acts for a public organization (an enterprise, a university, a research institute)
    whose identity the data authority has verified (issue 18). Anyone may register an organization
    under any name and credit code; only this makes the code its own, so every right keyed on being
    that organization (applying for open data, being the data subject, authorizing) asks it here."""
    unit = getattr(user, "unit", None)
    return unit is not None and unit.is_public_organization and unit.identity_proven


def awaits_identity(user) -> bool:
    """The person acts for a public organization whose registration is not (yet) verified: they browse
    the open data and are told whose verification they await."""
    unit = getattr(user, "unit", None)
    return unit is not None and unit.is_public_organization and not unit.identity_proven


def awaits_role(user) -> bool:
    """The person works at a unit but holds no role there yet: filed with the authority and awaiting its
    approval, or not filed at all (Q9.2). None of the unit's work is theirs until a role is."""
    return getattr(user, "unit_id", None) is not None and not user.roles


def working_unit_id(user) -> int | None:
    """The unit whose work the caller may see (issue 18: roles, not membership): an API client's, the unit
    its key was issued to; a person's, his unit once he holds a role there. None for a person with no role
    or a pending one, a citizen, a visitor: they see their own profile and what the public sees."""
    if not getattr(user, "is_authenticated", False):
        return None
    if getattr(user, "api_key", None) is not None:
        return user.unit.pk
    return user.unit_id if user.unit_id is not None and user.roles else None


def data_admins(unit: Unit | int | None) -> QuerySet[User]:
    """A unit's data administrators (a unit, its id, or None for nobody): whom its notices go to."""
    if unit is None:
        return User.objects.none()
    return User.objects.filter(unit=unit, role_assignments__role=Role.DATA_ADMIN)


def reviewers_of(*regions: Region | int | None) -> QuerySet[User]:
    """The reviewers at the data authority of these regions."""
    return User.objects.filter(
        role_assignments__role=Role.REVIEWER, unit__kind=UnitKind.AUTHORITY, unit__region__in=regions
    ).distinct()


def regions_reviewed_by(user: "User | ApiClient") -> QuerySet[Region]:
    if not isinstance(user, User) or not user.has_role(Role.REVIEWER):  # an API client reviews nothing
        return Region.objects.none()
    return get_objects_for_user(user, REVIEW_REGION, klass=Region, with_superuser=False)


def reviews_for_unit(user: User, unit: Unit) -> bool:
    """Whether ``user`` reviews for ``unit``: a reviewer of its region (the county authority)."""
    return regions_reviewed_by(user).filter(pk=unit.region_id).exists()
