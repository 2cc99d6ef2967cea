"""A resource's records table: its name, and its columns from the data items of the published version.

Each resource keeps its records in a table of its own (CKAN's DataStore does the same): a typed column
per data item, the record key as primary key, an index for each query item, and the platform's own
columns, whose names start with ``_`` (no item's may). On PostgreSQL the tables live in the ``records``
schema, where the app role may create them and nothing else lives; on SQLite (the demo) they sit beside
the others, named ``records_r<id>``, and hold the canonical values as text (a simpler layout).
"""

import hashlib
from dataclasses import dataclass
from typing import Any

from django.db import connection

from ..models import ItemType

SCHEMA = "records"
KEY = "_key"
CREATED = "_created_at"
UPDATED = "_updated_at"
BATCH = "_batch_id"
RESERVED = (KEY, CREATED, UPDATED, BATCH)

INTEGER_MAX = 2**63 - 1  # bigint: an integer item's values are checked against it when aggregated

_PG_TYPES: dict[str, str] = {
    ItemType.INTEGER: "bigint",
    ItemType.DECIMAL: "numeric",
    ItemType.DATE: "date",
    ItemType.DATETIME: "timestamp with time zone",
    ItemType.BOOLEAN: "boolean",
}
# SQLite keeps canonical values: text for decimals, dates and times; "bool" is Django's converter's name.
_SQLITE_TYPES: dict[str, str] = {ItemType.INTEGER: "integer", ItemType.BOOLEAN: "bool"}


@dataclass(frozen=True)
class Column:
    """A data item as a column: its type and length, and whether consumers filter by it (indexed)."""

    name: str
    item_type: str = ItemType.STRING
    length: int | None = None
    is_key: bool = False
    is_query: bool = False

    @property
    def indexed(self) -> bool:
        # The key item's values are the primary key (``_key``): it needs no index of its own.
        return self.is_query and not self.is_key

    def sql_type(self, vendor: str | None = None) -> str:
        if (vendor or connection.vendor) == "postgresql":
            if self.item_type in _PG_TYPES:
                return _PG_TYPES[self.item_type]
            return f"character varying({self.length})" if self.length else "text"
        return _SQLITE_TYPES.get(self.item_type, "text")

    def term(self, value: Any) -> tuple[str, Any]:
        """The column a filter on this item compares, and the value: the key item's values are the
        primary key (``_key``, text), which needs no index of its own."""
        if self.is_key:
            return KEY, "" if value is None else str(value)
        return self.name, value

    def definition(self) -> str:
        """The type as a column is declared: text on PostgreSQL in the "C" collation, which compares
        bytes (equal values are equal in any collation; indexes build in about half the time)."""
        sql_type = self.sql_type()
        if connection.vendor == "postgresql" and self.item_type == ItemType.STRING:
            return f'{sql_type} COLLATE "C"'
        return sql_type


def columns_of(items: list[dict]) -> tuple[Column, ...]:
    """The columns of item dicts as a published version's snapshot (or the items' values) holds them.
    Snapshots older than query items lack ``is_query``: their key is their only query item."""
    return tuple(
        Column(
            name=item["name"],
            item_type=item.get("item_type") or ItemType.STRING,
            length=item.get("length") or None,
            is_key=bool(item.get("is_key")),
            is_query=bool(item.get("is_query")) or bool(item.get("is_key")),
        )
        for item in items
    )


def planner_fence() -> str:
    """Ends a subquery that PostgreSQL must plan on its own, not folded into the query around it (an
    increment's rows taken by the ``_updated_at`` index first). SQLite plans such a subquery alone anyway
    and knows no OFFSET without a LIMIT."""
    return " OFFSET 0" if connection.vendor == "postgresql" else ""


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


def table_name(resource_id: int) -> str:
    """The resource's table, quoted (and qualified on PostgreSQL), for SQL."""
    if connection.vendor == "postgresql":
        return f'{SCHEMA}."r{int(resource_id)}"'
    return f'"records_r{int(resource_id)}"'


def bare_name(resource_id: int) -> str:
    """The table's own name, unquoted: as the database's catalog lists it."""
    return f"r{int(resource_id)}" if connection.vendor == "postgresql" else f"records_r{int(resource_id)}"


def index_name(resource_id: int, column: str) -> str:
    """An index's name: unique in the schema, short whatever the item's name (PostgreSQL's 63 bytes)."""
    digest = hashlib.blake2s(column.encode(), digest_size=4).hexdigest()
    return (
        f"r{int(resource_id)}_{digest}"
        if connection.vendor == "postgresql"
        else f"records_r{resource_id}_{digest}"
    )
