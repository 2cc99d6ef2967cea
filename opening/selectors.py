"""Reads of the open catalog: what the public sees (open entries only), searched and browsed."""

from dataclasses import dataclass

from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.search.text import query_terms, terms_q

from .models import OpenEntry, OpenEntryStatus
from .public import public_dataset, public_name_order

# How the portal orders a list, the first by default; the slug breaks ties, so pages never shuffle.
PORTAL_SORTS = {
    "newest": _("Newest"),
    "downloads": _("Most downloaded"),
    "name": _("Name"),
}


def public_entries() -> QuerySet[OpenEntry]:
    return OpenEntry.objects.filter(status=OpenEntryStatus.OPEN).select_related("resource__producer")


def public_search(
    *,
    q: str = "",
    unit: int | None = None,
    category: str = "",
    open_type: str = "",
    tag: str = "",
    sort: str = "",
):
    """Open entries with every word of ``q`` (jieba's words, as the catalog search), filtered, in the
    order ``sort`` names (``PORTAL_SORTS``)."""
    entries = public_entries()
    if unit:
        entries = entries.filter(resource__producer_id=unit)
    if category:
        entries = entries.filter(resource__category=category)
    if open_type:
        entries = entries.filter(open_type=open_type)
    if tag:
        entries = entries.filter(tags_text__contains=OpenEntry.tag_token(tag))
    terms = query_terms(q)
    if terms:
        entries = entries.filter(
            terms_q("resource__search_text", terms) | Q(tags_text__contains=OpenEntry.tag_token(q.strip()))
        )
    return entries.order_by(*_portal_order(sort))


def _portal_order(sort: str) -> tuple:
    if sort == "downloads":
        return ("-download_count", "slug")
    if sort == "name":
        return (public_name_order(), "slug")
    return (F("opened_at").desc(nulls_last=True), "slug")  # newest: the latest opened first


def public_entry(slug: str) -> OpenEntry:
    """An open dataset by its public name; anything else is 404. A withdrawn one is found too, so its
    page can say why it was withdrawn (F33)."""
    entry = (
        OpenEntry.objects.filter(slug=slug, status__in=(OpenEntryStatus.OPEN, OpenEntryStatus.WITHDRAWN))
        .select_related("resource__producer__region", "resource__providing_unit")
        .first()
    )
    if entry is None:
        raise Http404
    return entry


@dataclass(frozen=True)
class Provenance:
    """Q6.7, F17: what a data product must state about the data it used."""

    source_unit: str
    dataset: str
    dataset_code: str
    acquired_on: str  # the data's last aggregation, China Standard Time
    downloaded_at: str
    url: str

    def as_dict(self) -> dict:
        return {
            "source_unit": self.source_unit,
            "dataset": self.dataset,
            "dataset_code": self.dataset_code,
            "acquired_on": self.acquired_on,
            "downloaded_at": self.downloaded_at,
            "url": self.url,
        }


def provenance(entry: OpenEntry, *, url: str) -> Provenance:
    resource = public_dataset(entry)  # the reviewed name and code, never a revision's draft
    acquired = resource.last_aggregated_at or resource.published_at
    return Provenance(
        source_unit=resource.producer.name,
        dataset=resource.name,
        dataset_code=resource.code,
        acquired_on=timezone.localtime(acquired).date().isoformat() if acquired else "",
        downloaded_at=timezone.localtime().isoformat(timespec="seconds"),
        url=url,
    )
