"""The catalog's part of a person's pending work (home page)."""

from django.db.models import Q

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
                PendingItem(f"审核目录：{resource.name}", f"/catalog/{resource.pk}/", resource.review_due)
            )
        for ask in InterfaceRequest.objects.filter(
            status=InterfaceRequestStatus.EXTENSION_REQUESTED, producer__region__in=regions
        ):
            items.append(
                PendingItem(f"审批接口延期申请：{ask.producer}", "/catalog/interface-requests/", ask.due)
            )
    if user.unit_id and user.has_role(Role.DATA_ADMIN):
        owed = Resource.objects.filter(producer=user.unit_id).filter(
            Q(status=ResourceStatus.RETURNED) | Q(update_due__isnull=False)
        )
        for resource in owed:
            title = "修改被退回的目录" if resource.status == ResourceStatus.RETURNED else "按依据变更更新目录"
            items.append(
                PendingItem(f"{title}：{resource.name}", f"/catalog/{resource.pk}/", resource.update_due)
            )
        for ask in InterfaceRequest.objects.filter(producer=user.unit_id).exclude(
            status=InterfaceRequestStatus.FULFILLED
        ):
            items.append(
                PendingItem(f"提供服务接口：{ask.description[:30]}", "/catalog/interface-requests/", ask.due)
            )
    if user.has_role(Role.EVALUATOR):
        for interface in ServiceInterface.objects.filter(status=InterfaceStatus.REGISTERED):
            items.append(PendingItem(f"审核服务接口：{interface.name}", f"/catalog/{interface.resource_id}/"))
    return items
