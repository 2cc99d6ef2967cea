"""The public face of an open entry: the one place the portal, downloads, CKAN and DCAT read a dataset's
title, description, metadata and data items from.

A published catalog entry is revised by going back to draft: the producer then edits the working copy
(the ``Resource`` row) while the entry stays open under its last published version. The public must see
reviewed content only, so ``public_dataset(entry)`` answers the working copy while it *is* the reviewed
one (published or retired: nothing edits it then), and the frozen snapshot of ``published_version``
(``ResourceVersion``) while a revision is in draft, submitted or returned.

``PublicDataset`` reads like a ``Resource`` (``.name``, ``.description``, ``.items``,
``.get_category_display``, ``.producer``), so templates and code written against the resource work on it
unchanged.
"""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import Case, CharField, F, OuterRef, Q, Subquery, When
from django.db.models.fields.json import KT
from django.db.models.functions import Collate
from django.utils import timezone

from catalog.models import OpenType, Resource, ResourceStatus, ResourceVersion
from catalog.snapshots import UNIT_FIELDS

from .models import OpenEntry

# The working copy is the reviewed copy only in these states: a draft, a submission and a returned
# revision are unreviewed.
REVIEWED = (ResourceStatus.PUBLISHED, ResourceStatus.RETIRED)
_CACHE = "_public_dataset"
# The portal marks a dataset "updated" for this long after its data or its description changed.
RECENTLY_UPDATED = dt.timedelta(days=7)
# PostgreSQL's ICU collation for Chinese orders names by pinyin, as people look them up.
NAME_COLLATION = "zh-x-icu"


class PublicItem:
    """A data item as it was reviewed. A field an older snapshot did not record yet (one added to the
    catalog since) is read from the working copy's item of the same name, or is None."""

    def __init__(self, values: dict, live: Any = None) -> None:
        self._values = values
        self._live = live

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if name in self._values:
            return self._values[name]
        return getattr(self._live, name, None)

    def __repr__(self) -> str:
        return f"PublicItem({self._values.get('name')!r})"


class PublicDataset:
    """An open entry's reviewed description, attribute for attribute like its ``Resource``.

    Units (producer, providing unit, …) are the live rows: a snapshot keeps only their names, and pages
    link to the unit itself. Facts about the data rather than its description (record count, last
    aggregation) are live too: they are not reviewed content.
    """

    def __init__(self, entry: OpenEntry, snapshot: dict | None) -> None:
        self.entry = entry
        self.resource: Resource = entry.resource
        self._snapshot = snapshot
        self.is_revision_pending = snapshot is not None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        snapshot = self._snapshot
        if snapshot is not None and name.startswith("get_") and name.endswith("_display"):
            field = name[4:-8]
            if field in snapshot and field not in UNIT_FIELDS:
                return lambda: _display(field, snapshot[field])
        if snapshot is not None and name in snapshot and name not in UNIT_FIELDS and name != "items":
            return snapshot[name]
        return getattr(self.resource, name)

    @property
    def items(self) -> "_Items":
        """The reviewed data items, with ``.all()`` like a related manager."""
        if self._snapshot is None:
            return _Items(list(self.resource.items.all()))
        live = {item.name: item for item in self.resource.items.all()}
        return _Items(
            [PublicItem(values, live.get(values.get("name"))) for values in self._snapshot.get("items", [])]
        )

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def formats(self) -> list[str]:
        """How the public gets the data: the files of a universally open dataset, else the authorised
        API."""
        from .downloads import FORMATS  # downloads reads provenance through the selectors, which read us

        if self.entry.open_type == OpenType.UNIVERSAL:
            return [fmt.upper() for fmt in FORMATS]
        return ["API"]

    @property
    def modified_at(self) -> dt.datetime:
        """The last change the public can see: the opening, the reviewed description's or the data's."""
        resource = self.resource
        moments = [self.entry.opened_at, resource.published_at, resource.last_aggregated_at]
        return max((m for m in moments if m is not None), default=resource.created_at)

    @property
    def is_recently_updated(self) -> bool:
        return timezone.now() - self.modified_at <= RECENTLY_UPDATED


class _Items(list):
    def all(self) -> list:
        return list(self)


def _display(field: str, value: Any) -> str:
    choices = dict(getattr(Resource._meta.get_field(field), "flatchoices", None) or ())
    return str(choices.get(value, value))


def _needs_snapshot(resource: Resource) -> bool:
    return resource.published_version is not None and resource.status not in REVIEWED


def public_dataset(entry: OpenEntry) -> PublicDataset:
    """The reviewed view of ``entry`` (one query for the snapshot while a revision is pending, none
    otherwise; kept on the entry for the rest of the request)."""
    cached = entry.__dict__.get(_CACHE)
    if cached is not None:
        return cached
    resource = entry.resource
    snapshot = None
    if _needs_snapshot(resource):
        number: int = resource.published_version  # type: ignore[assignment]  # (set: _needs_snapshot)
        snapshot = (
            ResourceVersion.objects.filter(resource_id=resource.pk, number=number)
            .values_list("snapshot", flat=True)
            .first()
        )
    public = PublicDataset(entry, snapshot)
    entry.__dict__[_CACHE] = public
    return public


def public_datasets(entries: Iterable[OpenEntry]) -> list[PublicDataset]:
    """``public_dataset`` for many entries, with one query for all the snapshots they need (none when no
    entry is under revision)."""
    entries = list(entries)
    pending = [e for e in entries if _CACHE not in e.__dict__ and _needs_snapshot(e.resource)]
    snapshots: dict[tuple[int, int], dict] = {}
    if pending:
        wanted = Q()
        for e in pending:
            wanted |= Q(resource_id=e.resource.pk, number=e.resource.published_version)
        versions = ResourceVersion.objects.filter(wanted).values_list("resource_id", "number", "snapshot")
        snapshots = {(rid, n): s for rid, n, s in versions}
    for entry in pending:
        key = (entry.resource.pk, entry.resource.published_version or 0)
        entry.__dict__[_CACHE] = PublicDataset(entry, snapshots.get(key))
    return [public_dataset(entry) for entry in entries]


def public_name_order() -> Any:
    """An ordering expression for open entries by the name the public sees: the reviewed version's
    while a revision is pending (as ``public_dataset``), in pinyin order on PostgreSQL."""
    reviewed_name = ResourceVersion.objects.filter(
        resource_id=OuterRef("resource_id"), number=OuterRef("resource__published_version")
    ).values(name=KT("snapshot__name"))[:1]
    name = Case(
        When(
            Q(resource__published_version__isnull=False) & ~Q(resource__status__in=REVIEWED),
            then=Subquery(reviewed_name),
        ),
        default=F("resource__name"),
        output_field=CharField(),
    )
    return Collate(name, NAME_COLLATION) if connection.vendor == "postgresql" else name
