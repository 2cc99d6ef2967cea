"""Correction's link in the navigation bar (NAVIGATION_PROVIDERS)."""

from django.urls import reverse
from django.utils.translation import gettext as _


def correction_links(user) -> list[tuple[str, str]]:
    return [(_("Corrections"), reverse("correction-home"))]  # reports, objections, queues: everyone
