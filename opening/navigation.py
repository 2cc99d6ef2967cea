"""Opening's links in the navigation bar (NAVIGATION_PROVIDERS): the portal for everyone, signed in or
not (F10: it needs no login); the open catalog for producers and the authority; applications for public
organizations and those who evaluate and confirm them."""

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.module_loading import import_string
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


def portal_menu(request: HttpRequest) -> dict:
    """Context processor: the portal header's links that the apps above opening add (PORTAL_MENU_PROVIDERS,
    such as the lower nodes' open data on a province's portal). Lazy: only the portal's pages read it."""
    user = getattr(request, "user", None) or AnonymousUser()

    def links() -> list[tuple[str, str]]:
        return [link for path in settings.PORTAL_MENU_PROVIDERS for link in import_string(path)(user)]

    return {"portal_menu_links": SimpleLazyObject(links)}
