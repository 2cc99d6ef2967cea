"""Who sees what in governance. Outsiders get 404."""

from django.db.models import Q, QuerySet
from django.http import Http404

from dataplatform.core.models import Role, User
from dataplatform.core.people import regions_reviewed_by

from .holdings import subject_of
from .models import Complaint, CopyRequest, Dispute, InfoProject, SubjectAuthorization

STAFF_ROLES = (Role.DATA_ADMIN, Role.LEADER, Role.REVIEWER)


def _authenticated(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def _unit_staff(user) -> bool:
    """A person acting for a unit (or its information system by API key)."""
    return getattr(user, "unit", None) is not None and (
        not isinstance(user, User) or user.has_role(*STAFF_ROLES)
    )


def _sees_all(user) -> bool:
    return isinstance(user, User) and user.has_role(Role.PLATFORM_ADMIN)


def _get(queryset: QuerySet, pk):
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def projects_visible_to(user) -> QuerySet[InfoProject]:
    """The project unit, the approving department, the authority over the project unit."""
    projects = InfoProject.objects.select_related("unit", "approving_unit")
    if not _authenticated(user):
        return projects.none()
    if _sees_all(user):
        return projects
    if not _unit_staff(user):
        return projects.none()
    visible = Q(unit=user.unit) | Q(approving_unit=user.unit)
    if isinstance(user, User) and user.has_role(Role.REVIEWER):
        regions = regions_reviewed_by(user)
        visible |= Q(unit__region__in=regions) | Q(unit__region__parent__in=regions)
    return projects.filter(visible)


def project_for_user(user, pk) -> InfoProject:
    return _get(projects_visible_to(user), pk)


def _subject_q(user) -> Q:
    subject = subject_of(user)
    if subject is None:
        return Q(pk__in=[])
    return Q(subject_kind=subject.kind, subject_id=subject.identifier)


def copies_visible_to(user) -> QuerySet[CopyRequest]:
    """The subject, and the producing unit's people."""
    copies = CopyRequest.objects.select_related("resource", "producer", "requested_by")
    if not _authenticated(user) or not isinstance(user, User):
        return copies.none()
    visible = _subject_q(user)
    if user.unit_id is not None and user.has_role(Role.DATA_ADMIN, Role.LEADER):
        visible |= Q(producer=user.unit_id)
    return copies if _sees_all(user) else copies.filter(visible)


def copy_for_user(user, pk) -> CopyRequest:
    return _get(copies_visible_to(user), pk)


def authorizations_visible_to(user) -> QuerySet[SubjectAuthorization]:
    """The subject, and the authorized unit (its people and its systems)."""
    authorizations = SubjectAuthorization.objects.select_related("grantee").prefetch_related("resources")
    if not _authenticated(user):
        return authorizations.none()
    visible = _subject_q(user) if isinstance(user, User) else Q(pk__in=[])
    if _unit_staff(user):
        visible |= Q(grantee=user.unit)
    return authorizations if _sees_all(user) else authorizations.filter(visible)


def authorization_for_user(user, pk) -> SubjectAuthorization:
    return _get(authorizations_visible_to(user), pk)


def complaints_visible_to(user) -> QuerySet[Complaint]:
    """The subject, and the authority complained to (the unit complained of is told the answer by it)."""
    complaints = Complaint.objects.select_related("against", "authority", "requested_by")
    if not _authenticated(user) or not isinstance(user, User):
        return complaints.none()
    visible = _subject_q(user)
    if user.has_role(Role.REVIEWER):
        visible |= Q(authority=user.unit_id)
    return complaints if _sees_all(user) else complaints.filter(visible)


def complaint_for_user(user, pk) -> Complaint:
    return _get(complaints_visible_to(user), pk)


def disputes_visible_to(user) -> QuerySet[Dispute]:
    """Both parties, the authority handling it and the authority above it."""
    disputes = Dispute.objects.select_related("raised_by", "other_party", "authority")
    if not _authenticated(user) or not isinstance(user, User):
        return disputes.none()
    if _sees_all(user):
        return disputes
    if not _unit_staff(user):
        return disputes.none()
    visible = Q(raised_by=user.unit_id) | Q(other_party=user.unit_id) | Q(authority=user.unit_id)
    if user.has_role(Role.REVIEWER):
        regions = regions_reviewed_by(user)
        visible |= Q(authority__region__in=regions) | Q(authority__region__parent__in=regions)
    return disputes.filter(visible)


def dispute_for_user(user, pk) -> Dispute:
    return _get(disputes_visible_to(user), pk)
