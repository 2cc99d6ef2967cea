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

from collections.abc import Iterable
from typing import Any

from django.db.models import Q

from catalog.models import Resource, ResourceStatus, ResourceVersion
from catalog.snapshots import UNIT_FIELDS

from .models import OpenEntry

# The working copy is the reviewed copy only in these states: a draft, a submission and a returned
# revision are unreviewed.
REVIEWED = (ResourceStatus.PUBLISHED, ResourceStatus.RETIRED)
_CACHE = "_public_dataset"


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
