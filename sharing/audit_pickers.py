"""The audit search's lookups of resources, grants and data items (``audit.lookups``), registered by
``SharingConfig.ready``: the audit app sits below the catalog and sharing and imports neither.

Outside the platform administrators, a person's search covers the events of some units (``units``): it
offers the resources those units produce or hold a grant on, and the grants they hold or give.
"""

import re
from collections.abc import Collection, Iterable

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from audit.lookups import Choice
from catalog.models import DataItem, Resource

from .models import Grant


def resources_find(*, text: str, ids: Collection[int], units: QuerySet | None, limit: int) -> list[Choice]:
    found = Resource.objects.select_related("producer")
    if ids:
        found = found.filter(pk__in=ids)
    if text:
        found = found.filter(Q(name__icontains=text) | Q(code__iexact=text))
    if units is not None:
        found = found.filter(
            Q(producer__in=units) | Q(pk__in=Grant.objects.filter(unit__in=units).values("resource"))
        )
    found = found.order_by("name", "code")[:limit]
    return [Choice(r.pk, r.name, f"{r.code} · {r.producer.name}") for r in found]


def grants_find(*, text: str, ids: Collection[int], units: QuerySet | None, limit: int) -> list[Choice]:
    found = Grant.objects.select_related("unit", "resource")
    if ids:
        found = found.filter(pk__in=ids)
    if text:
        # "5", "#5" or the box's own "Grant 5: …" name the grant by its number.
        numbers = [int(n) for n in re.findall(r"\d+", text)[:3]]
        found = found.filter(
            Q(pk__in=numbers) | Q(resource__name__icontains=text) | Q(unit__name__icontains=text)
        )
    if units is not None:
        found = found.filter(Q(unit__in=units) | Q(resource__producer__in=units))
    found = found.order_by("-granted_at", "-pk")[:limit]
    return [Choice(g.pk, grant_label(g), f"{g.unit.name} · {g.get_status_display()}") for g in found]


def grant_label(grant: Grant) -> str:
    return _("Grant %(id)s: %(resource)s") % {"id": grant.pk, "resource": grant.resource.name}


def item_labels(resources: Iterable[int | str]) -> dict[int | str, dict[str, str]]:
    """The labels of the data items of these resources (by id or by code), by identifier."""
    ids = {r for r in resources if isinstance(r, int)}
    codes = {r for r in resources if isinstance(r, str)}
    labels: dict[int | str, dict[str, str]] = {}
    items = DataItem.objects.filter(Q(resource_id__in=ids) | Q(resource__code__in=codes))
    for resource_id, code, name, label in items.values_list("resource_id", "resource__code", "name", "label"):
        for key in {resource_id} & ids | {code} & codes:
            labels.setdefault(key, {})[name] = label
    return labels
