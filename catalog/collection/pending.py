"""The collection catalog's part of a person's pending work (home page): source checks to decide
(Q3.1) and emergency data to seal or destroy (G40)."""

from django.utils.translation import gettext as _

from dataplatform.core.models import Role
from dataplatform.core.pending import PendingItem
from dataplatform.core.people import regions_reviewed_by

from ..models import SourceCheckStatus, SourceConflict, TemporaryCollection
from .emergency import awaiting_disposal


def collection_pending_work(user) -> list[PendingItem]:
    items: list[PendingItem] = []
    if user.has_role(Role.REVIEWER):
        checks = SourceConflict.objects.filter(
            status=SourceCheckStatus.PENDING, resource__producer__region__in=regions_reviewed_by(user)
        ).select_related("resource", "collection_item__source_unit")
        for check in checks:
            items.append(
                PendingItem(
                    _("Check the source: %(resource)s · %(item)s (%(unit)s)")
                    % {
                        "resource": check.resource.name,
                        "item": check.item_label,
                        "unit": check.collection_item.source_unit,
                    },
                    f"/catalog/{check.resource_id}/",
                )
            )
    if user.unit_id and user.has_role(Role.DATA_ADMIN):
        own = TemporaryCollection.objects.filter(unit_id=user.unit_id).select_related("emergency")
        for collection in awaiting_disposal(own):
            assert collection.emergency is not None  # only an emergency's collections await disposal
            items.append(
                PendingItem(
                    _("Seal or destroy emergency data: %(title)s") % {"title": collection.title},
                    f"/catalog/emergencies/{collection.emergency_id}/",
                    collection.emergency.ended_on,
                )
            )
    return items
