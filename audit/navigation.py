"""The audit's link in the navigation bar (NAVIGATION_PROVIDERS)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from dataplatform.core.models import Role


def audit_links(user) -> list[tuple[str, str]]:
    # Q8.4: every unit sees its own events and the use of its data; reviewers verify the chain.
    if user.unit is not None or user.has_role(Role.PLATFORM_ADMIN):
        return [(_("Audit"), reverse("audit-index"))]
    return []
