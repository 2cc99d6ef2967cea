"""Supervision's link in the navigation bar (NAVIGATION_PROVIDERS)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from dataplatform.core.models import Role


def supervision_links(user) -> list[tuple[str, str]]:
    if user.unit is not None or user.has_role(Role.PLATFORM_ADMIN):
        return [(_("Supervision"), reverse("supervision-dashboard"))]  # Q9.1: a unit sees its figures
    return []
