"""Who may see and manage what in the core. Outsiders get 404, never a hint that a thing exists."""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from .models import ApiKey, Role


def api_keys_visible_to(user) -> QuerySet[ApiKey]:
    """A unit's keys are managed by its data administrators and seen by its leader in charge."""
    if getattr(user, "unit", None) is None or not user.has_role(Role.DATA_ADMIN, Role.LEADER):
        return ApiKey.objects.none()
    return ApiKey.objects.filter(unit=user.unit)


def api_key_for_user(user, pk: int, *, write: bool = False) -> ApiKey:
    api_key = api_keys_visible_to(user).filter(pk=pk).first()
    if api_key is None:
        raise Http404
    if write and not user.has_role(Role.DATA_ADMIN):
        raise PermissionDenied
    return api_key


def can_manage_api_keys(user) -> bool:
    return getattr(user, "unit", None) is not None and user.has_role(Role.DATA_ADMIN)
