"""The navigation bar, assembled from the links each app declares.

An app names a function in NAVIGATION_PROVIDERS (settings) that returns the links a signed-in person
may follow, as ``(label, url)`` pairs, by the person's roles; the bar shows them in the order of that
list. Visitors who are not signed in see the links of PUBLIC_NAVIGATION_PROVIDERS. The core knows no
app's pages, as with the home page's pending work (PENDING_WORK_PROVIDERS).

The core's own links come in three places of the bar: the home page first, the people's pages (API keys,
administrators) after the apps' work, the platform's (API docs, administration) last.
"""

from django.conf import settings
from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from .models import Role
from .people import awaits_role, is_government_staff

Link = tuple[str, str]  # (label, url)


def navigation_links(user) -> list[Link]:
    """Every link the person may follow, in the bar's order."""
    if not user.is_authenticated:
        return _links(settings.PUBLIC_NAVIGATION_PROVIDERS, user)
    if awaits_role(user):
        # Q9.2: a person at a unit holds no role until the authority approves one, so none of the unit's
        # work is theirs yet: their home page (whose approval they await) and the open-data portal.
        return home_links(user) + _links(settings.PUBLIC_NAVIGATION_PROVIDERS, user)
    return _links(settings.NAVIGATION_PROVIDERS, user)


def _links(providers: list[str], user) -> list[Link]:
    return [link for path in providers for link in import_string(path)(user)]


def home_links(user) -> list[Link]:
    return [(_("Home"), reverse("home"))]


def people_links(user) -> list[Link]:
    links = []
    if user.has_role(Role.DATA_ADMIN, Role.LEADER):
        links.append((_("API keys"), reverse("api-keys")))
    if user.has_role(Role.REVIEWER, Role.PLATFORM_ADMIN) or (
        is_government_staff(user, Role.DATA_ADMIN, Role.LEADER)
    ):
        links.append((_("Administrators and leaders"), reverse("administrators")))  # Q9.2
    unit = user.unit
    if user.has_role(Role.REVIEWER, Role.PLATFORM_ADMIN) or (
        unit is not None and unit.is_public_organization and user.has_role(Role.DATA_ADMIN)
    ):
        links.append((_("Organization registrations"), reverse("organization-verifications")))  # issue 18
    return links


def platform_links(user) -> list[Link]:
    links = [(_("API docs"), reverse("swagger-ui"))]
    if user.has_role(Role.PLATFORM_ADMIN):
        links.append((_("Administration"), reverse("admin:index")))
    return links
