"""Opening's links in the navigation bar (NAVIGATION_PROVIDERS): the portal for everyone, signed in or
not (F10: it needs no login); the open catalog for producers and the authority; applications for public
organizations and those who evaluate and confirm them."""

from django.urls import reverse
from django.utils.translation import gettext as _

from dataplatform.core.models import Role
from dataplatform.core.people import acts_for_proven_organization, is_government_staff


def public_links(user) -> list[tuple[str, str]]:
    return [(_("Open data"), reverse("open-home"))]


def opening_links(user) -> list[tuple[str, str]]:
    links = public_links(user)
    if user.has_role(Role.REVIEWER) or is_government_staff(user):
        links.append((_("Open catalog"), reverse("open-manage")))
    if user.has_role(Role.REVIEWER, Role.EVALUATOR) or acts_for_proven_organization(user):
        links.append((_("Open data applications"), reverse("open-applications")))
    return links
