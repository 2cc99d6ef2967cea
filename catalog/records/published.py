"""The columns of a resource's table as its published version states them, known per process: a data
call filters by them on every request, and a version never changes once published."""

import functools

from ..models import Resource, ResourceVersion
from .layout import Column, columns_of

ITEM_VALUES = ("name", "item_type", "length", "is_key", "is_query")


@functools.lru_cache(maxsize=4096)
def _version_columns(resource_id: int, number: int, published_at: object) -> tuple[Column, ...]:
    # The publication's time belongs to the key: SQLite may give a later resource a number it had
    # given one rolled back, with versions of its own.
    snapshot = (
        ResourceVersion.objects.filter(resource_id=resource_id, number=number)
        .values_list("snapshot", flat=True)
        .first()
    )
    return columns_of((snapshot or {}).get("items") or [])


def published_columns(resource: Resource) -> tuple[Column, ...]:
    """The columns of the published version (the current items of an entry never published)."""
    if resource.published_version:
        found = _version_columns(resource.pk, resource.published_version, resource.published_at)
        if found:
            return found
    return columns_of(list(resource.items.values(*ITEM_VALUES)))
