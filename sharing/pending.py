"""Sharing's part of a person's pending work (home page): the applications whose step they owe."""

from django.utils.translation import gettext as _

from dataplatform.core.pending import PendingItem

from .access import applications_visible_to
from .models import OPEN_STATUSES, ApplicationStatus
from .workflow import allowed_actions


def sharing_pending_work(user) -> list[PendingItem]:
    candidates = applications_visible_to(user).filter(status__in=[*OPEN_STATUSES, ApplicationStatus.RETURNED])
    items = []
    for application in candidates.prefetch_related("lines__resource__producer"):
        if allowed_actions(user, application):
            title = _("Sharing application: %(matter)s (%(status)s)") % {
                "matter": application.business_matter,
                "status": application.get_status_display(),
            }
            items.append(PendingItem(title, f"/sharing/applications/{application.pk}/", application.due))
    return items
