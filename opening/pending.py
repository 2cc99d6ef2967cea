"""Opening's part of a person's pending work (home page): proposals and applications whose step they owe,
and the year's review items still undecided."""

from dataplatform.core.pending import PendingItem

from . import applications, workflow
from .access import applications_visible_to, entries_managed_by
from .models import CatalogReviewItem, OpenApplicationStatus, OpenEntryStatus


def opening_pending_work(user) -> list[PendingItem]:
    items = []
    for entry in entries_managed_by(user).filter(status=OpenEntryStatus.PROPOSED):
        if any(name == "open" for name, _ in workflow.allowed_actions(user, entry)):
            items.append(PendingItem(f"开放目录待决定：{entry.resource.name}", f"/open/manage/{entry.pk}/"))
    waiting = (
        OpenApplicationStatus.SUBMITTED,
        OpenApplicationStatus.EVALUATED,
        OpenApplicationStatus.CONFIRMED,
    )
    for application in applications_visible_to(user).filter(status__in=waiting):
        if applications.allowed_actions(user, application):
            title = f"开放数据申请：{application.entry.resource.name}（{application.get_status_display()}）"
            items.append(PendingItem(title, f"/open/applications/{application.pk}/"))
    undecided = CatalogReviewItem.objects.filter(decision="", entry__in=entries_managed_by(user).values("pk"))
    if user.has_role("reviewer"):
        for year in sorted(set(undecided.values_list("review__year", flat=True))):
            items.append(PendingItem(f"{year} 年度开放目录调整", f"/open/manage/reviews/{year}/"))
    return items
