"""Rules for a data item's identifier and flags. Each published entry keeps its records in a table of its
own whose columns are named by the items' identifiers, so an identifier must make a safe column name."""

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# The records table's own columns (the key, the load, the times) start with "_": never an item's.
RESERVED_PREFIX = "_"


def item_name_validate(name: str) -> None:
    """A model field validator: an item's identifier never takes a name the platform keeps."""
    if name.startswith(RESERVED_PREFIX):
        raise ValidationError(
            _(
                "A data item identifier must not start with “_”: the platform keeps such names for its own columns."
            ),
            code="reserved",
        )


def item_names_clashing(names: Iterable[Any]) -> list[str]:
    """The identifiers equal to another of the entry's but for case: as column names they would be one."""
    groups: dict[str, list[str]] = {}
    for name in names:
        groups.setdefault(str(name or "").lower(), []).append(str(name or ""))
    return sorted({name for group in groups.values() if len(group) > 1 for name in group})


def item_names_clash_message(clashing: Iterable[str]) -> str:
    return _("Data item identifiers must be unique, whatever their case: %(duplicates)s.") % {
        "duplicates": ", ".join(clashing)
    }


def item_flags_settle(item: dict[str, Any]) -> dict[str, Any]:
    """The item with its flags as the catalog keeps them: the record key is always a query item."""
    if item.get("is_key"):
        return {**item, "is_query": True}
    return item
