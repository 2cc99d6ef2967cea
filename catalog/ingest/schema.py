"""A resource's data items as aggregation sees them, and the error of a file that cannot be read."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext as _

from ..models import ItemType
from ..snapshots import item_is_query


class IngestError(Exception):
    """The file as a whole cannot be read: its format, its encoding, its header."""


@dataclass(frozen=True)
class Item:
    name: str
    label: str
    item_type: str
    required: bool = False
    is_key: bool = False
    is_query: bool = False  # consumers may filter by it; the key always is one
    length: int | None = None  # of a text value, in characters, as the catalog states it

    @property
    def type_label(self) -> str | Promise:
        return ItemType(self.item_type).label


class Schema:
    """A resource's data items as aggregation sees them: order, types, key, names and labels."""

    def __init__(self, items: Iterable[Item]) -> None:
        self.items = tuple(items)
        keys = [i for i, item in enumerate(self.items) if item.is_key]
        if len(keys) != 1:
            raise IngestError(_("The entry must have exactly one key data item to aggregate records."))
        self.key_index = keys[0]
        self.names = [item.name for item in self.items]
        self._columns = {item.name.lower(): i for i, item in enumerate(self.items)}
        for i, item in enumerate(self.items):
            self._columns.setdefault(item.label.strip(), i)

    @property
    def key_item(self) -> Item:
        return self.items[self.key_index]

    def index_of(self, column: str) -> int | None:
        """A column names an item by its identifier (any case) or by its label."""
        column = column.strip()
        found = self._columns.get(column.lower())
        return found if found is not None else self._columns.get(column)

    def expected_columns(self) -> str:
        return ", ".join(f"{item.name} ({item.label})" for item in self.items)


def schema_from_items(items: Iterable[dict]) -> Schema:
    """From item dicts as a published version's snapshot holds them."""
    return Schema(
        Item(
            name=item["name"],
            label=item.get("label") or item["name"],
            item_type=item.get("item_type") or ItemType.STRING,
            required=bool(item.get("required")) or bool(item.get("is_key")),
            is_key=bool(item.get("is_key")),
            is_query=item_is_query(item),
            length=item.get("length") or None,
        )
        for item in items
    )


# --- Canonical values ------------------------------------------------------------------------------
# A converter takes what a file holds (text from CSV; numbers, dates, bools from XLSX and JSON) and
# returns the canonical value, None for an empty one, or raises ValueError with a message for people.
