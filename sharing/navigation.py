"""Sharing's links in the navigation bar (NAVIGATION_PROVIDERS): the unit's applications for its own
people; the queue for whoever owes steps (evaluators, reviewers, producers' data administrators); grants
for holders and authorities."""

from django.urls import reverse
from django.utils.translation import gettext as _

from dataplatform.core.models import Role
from dataplatform.core.people import is_government_staff


def sharing_links(user) -> list[tuple[str, str]]:
    links = []
    unit_people = is_government_staff(user, Role.DATA_ADMIN, Role.LEADER)
    if unit_people:
        links.append((_("Applications"), reverse("sharing-applications")))
    if user.has_role(Role.REVIEWER, Role.EVALUATOR) or is_government_staff(user):
        links.append((_("Sharing queue"), reverse("sharing-queue")))
    if unit_people or user.has_role(Role.REVIEWER):
        links.append((_("Grants"), reverse("sharing-grants")))
    if user.has_role(Role.EVALUATOR):
        links.append((_("Verification rules"), reverse("sharing-verification-rules")))
    return links
