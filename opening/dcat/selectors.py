"""Reads for the DCAT outputs: the catalog's publisher and region, its dates, the publishers' pages."""

import datetime as dt

from django.db.models import Max, Min, Q
from django.http import Http404

from dataplatform.core.models import Region, Unit
from dataplatform.core.models.units import UnitKind

from ..selectors import public_entries
from .graph import Site


def catalog_site(base: str) -> Site:
    """The catalog's publisher is the data authority of the top region (the city), whose region the
    catalog covers."""
    authority = (
        Unit.objects.filter(kind=UnitKind.AUTHORITY, region__parent=None, is_active=True)
        .select_related("region")
        .first()
    )
    region = authority.region if authority else Region.objects.filter(parent=None).first()
    return Site(base=base, region=region, publisher=authority)


def catalog_dates() -> tuple[dt.datetime | None, dt.datetime | None]:
    """When the catalog was first issued (its first opening) and last modified (its latest opening,
    revision or data)."""
    dates = public_entries().aggregate(
        issued=Min("opened_at"),
        opened=Max("opened_at"),
        published=Max("resource__published_at"),
        aggregated=Max("resource__last_aggregated_at"),
    )
    latest = [dates[k] for k in ("opened", "published", "aggregated") if dates[k] is not None]
    return dates["issued"], max(latest, default=None)


def public_publisher(code: str) -> Unit:
    """A unit by its credit code, if it publishes an open dataset or is a data authority (the catalog's
    publisher); anything else is 404."""
    unit = (
        Unit.objects.filter(credit_code__iexact=code)
        .filter(Q(kind=UnitKind.AUTHORITY) | Q(resources__open_entry__in=public_entries()))
        .select_related("region")
        .distinct()
        .first()
    )
    if unit is None:
        raise Http404
    return unit


def publisher_entries(unit: Unit):
    return public_entries().filter(resource__producer=unit).order_by("slug")
