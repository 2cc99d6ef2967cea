"""Governance's link in the navigation bar (NAVIGATION_PROVIDERS)."""

from django.urls import reverse
from django.utils.translation import gettext as _


def governance_links(user) -> list[tuple[str, str]]:
    # G39–G43, G50, G51: projects, data-subject rights (citizens too), disputes, complaints
    return [(_("Governance"), reverse("governance-home"))]
