"""Who may see what outside the public portal. Outsiders get 404."""

from django.db.models import Q, QuerySet
from django.http import Http404

from catalog.models import Resource
from dataplatform.core.models import Role
from dataplatform.core.people import regions_reviewed_by

from .models import OpenApplication, OpenEntry


def entries_managed_by(user) -> QuerySet[OpenEntry]:
    """The producer's data administrators see their unit's entries; reviewers those of their regions."""
    visible = Q(pk__in=[])
    if user.unit_id is not None and user.has_role(Role.DATA_ADMIN, Role.LEADER):
        visible |= Q(resource__producer_id=user.unit_id)
    if user.has_role(Role.REVIEWER):
        visible |= Q(resource__producer__region__in=regions_reviewed_by(user))
    return OpenEntry.objects.filter(visible).select_related("resource__producer")


def entry_for_manager(user, pk: int) -> OpenEntry:
    entry = entries_managed_by(user).filter(pk=pk).first()
    if entry is None:
        raise Http404
    return entry


def resources_to_propose(user) -> QuerySet[Resource]:
    """Published entries of the unit not yet in the open catalog."""
    if user.unit_id is None or not user.has_role(Role.DATA_ADMIN):
        return Resource.objects.none()
    return (
        Resource.objects.filter(
            producer_id=user.unit_id, published_version__isnull=False, open_entry__isnull=True
        )
        .exclude(status="retired")
        .order_by("code")
    )


def applications_visible_to(user) -> QuerySet[OpenApplication]:
    visible = Q(organization_id=user.unit_id) if user.unit_id is not None else Q(pk__in=[])
    if user.has_role(Role.EVALUATOR):
        visible |= Q(pk__isnull=False)
    if user.has_role(Role.REVIEWER):
        visible |= Q(entry__resource__producer__region__in=regions_reviewed_by(user))
    return OpenApplication.objects.filter(visible).select_related("entry__resource__producer", "organization")


def application_for_user(user, pk: int) -> OpenApplication:
    application = applications_visible_to(user).filter(pk=pk).first()
    if application is None:
        raise Http404
    return application
