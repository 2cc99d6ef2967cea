"""The catalog's links in the navigation bar (NAVIGATION_PROVIDERS)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from dataplatform.core.models import Role
from dataplatform.core.people import is_government_staff


def catalog_links(user) -> list[tuple[str, str]]:
    links = []
    unit = user.unit
    if unit is not None and unit.is_government:
        links.append((_("Catalog search"), reverse("catalog-search")))
        if user.has_role(Role.DATA_ADMIN, Role.LEADER):
            links.append((_("My catalog"), reverse("catalog-mine")))
    if user.has_role(Role.REVIEWER):
        links.append((_("Catalog review"), reverse("catalog-review")))
    if (unit is not None and unit.is_government) or user.has_role(Role.PLATFORM_ADMIN):
        # Q3.1–Q3.3: the legal source of each item; Q3.2, G40: temporary and emergency collection.
        links.append((_("Collection catalog"), reverse("catalog-collection")))
        links.append((_("Temporary collection"), reverse("catalog-temporary")))
    if user.has_role(Role.REVIEWER) or is_government_staff(user):
        links.append((_("Interface requests"), reverse("catalog-interface-requests")))
    return links
