"""The federation's link in the navigation bar (NAVIGATION_PROVIDERS): the platform administrator's only."""

from django.urls import reverse
from django.utils.translation import gettext as _

from dataplatform.core.models import Role


def federation_links(user) -> list[tuple[str, str]]:
    if user.has_role(Role.PLATFORM_ADMIN):
        return [(_("Federation"), reverse("federation-peers"))]
    return []
