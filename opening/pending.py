"""Opening's part of a person's pending work (home page): proposals and applications whose step they owe,
and the year's review items still undecided."""

from django.utils.translation import gettext as _

from dataplatform.core.pending import PendingItem

from . import applications, workflow
from .access import applications_visible_to, entries_managed_by
from .models import CatalogReviewItem, OpenApplicationStatus, OpenEntryStatus


def opening_pending_work(user) -> list[PendingItem]:
    items = []
    for entry in entries_managed_by(user).filter(status=OpenEntryStatus.PROPOSED):
        if any(name == "open" for name, _action in workflow.allowed_actions(user, entry)):
            title = _("Open catalog entry to decide: %(resource)s") % {"resource": entry.resource.name}
            items.append(PendingItem(title, f"/open/manage/{entry.pk}/"))
    waiting = (
        OpenApplicationStatus.SUBMITTED,
        OpenApplicationStatus.EVALUATED,
        OpenApplicationStatus.CONFIRMED,
    )
    for application in applications_visible_to(user).filter(status__in=waiting):
        if applications.allowed_actions(user, application):
            title = _("Open data application: %(resource)s (%(status)s)") % {
                "resource": application.entry.resource.name,
                "status": application.get_status_display(),
            }
            items.append(PendingItem(title, f"/open/applications/{application.pk}/"))
    undecided = CatalogReviewItem.objects.filter(decision="", entry__in=entries_managed_by(user).values("pk"))
    if user.has_role("reviewer"):
        for year in sorted(set(undecided.values_list("review__year", flat=True))):
            title = _("Open catalog review of %(year)s") % {"year": year}
            items.append(PendingItem(title, f"/open/manage/reviews/{year}/"))
    return items
