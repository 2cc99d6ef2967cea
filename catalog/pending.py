"""The catalog's part of a person's pending work (home page)."""

from django.db.models import Q
from django.utils.translation import gettext as _

from dataplatform.core.models import Role
from dataplatform.core.pending import PendingItem
from dataplatform.core.people import regions_reviewed_by

from .models import (
    InterfaceRequest,
    InterfaceRequestStatus,
    InterfaceStatus,
    Resource,
    ResourceStatus,
    ServiceInterface,
)


def catalog_pending_work(user) -> list[PendingItem]:
    items: list[PendingItem] = []
    if user.has_role(Role.REVIEWER):
        regions = regions_reviewed_by(user)
        for resource in Resource.objects.filter(
            status=ResourceStatus.SUBMITTED, producer__region__in=regions
        ):
            items.append(
                PendingItem(
                    _("Review the catalog entry: %(resource)s") % {"resource": resource.name},
                    f"/catalog/{resource.pk}/",
                    resource.review_due,
                )
            )
        for ask in InterfaceRequest.objects.filter(
            status=InterfaceRequestStatus.EXTENSION_REQUESTED, producer__region__in=regions
        ):
            items.append(
                PendingItem(
                    _("Decide an interface extension request: %(unit)s") % {"unit": ask.producer},
                    "/catalog/interface-requests/",
                    ask.due,
                )
            )
    if user.unit_id and user.has_role(Role.DATA_ADMIN):
        owed = Resource.objects.filter(producer=user.unit_id).filter(
            Q(status=ResourceStatus.RETURNED) | Q(update_due__isnull=False)
        )
        for resource in owed:
            if resource.status == ResourceStatus.RETURNED:
                title = _("Amend the returned catalog entry: %(resource)s")
            else:
                title = _("Update the catalog entry for its changed legal basis: %(resource)s")
            items.append(
                PendingItem(
                    title % {"resource": resource.name}, f"/catalog/{resource.pk}/", resource.update_due
                )
            )
        for ask in InterfaceRequest.objects.filter(producer=user.unit_id).exclude(
            status=InterfaceRequestStatus.FULFILLED
        ):
            items.append(
                PendingItem(
                    _("Provide a service interface: %(description)s") % {"description": ask.description[:30]},
                    "/catalog/interface-requests/",
                    ask.due,
                )
            )
    if user.has_role(Role.EVALUATOR):
        for interface in ServiceInterface.objects.filter(status=InterfaceStatus.REGISTERED):
            title = _("Review the service interface: %(interface)s") % {"interface": interface.name}
            items.append(PendingItem(title, f"/catalog/{interface.resource_id}/"))
    return items
