"""Each resource's records in a table of its own (issue 19): typed columns from its data items, the record
key as primary key, an index for each query item; change stamps and tombstones for increments.

``layout`` names tables and columns, ``tables`` creates and alters them, ``staging`` brings aggregated
rows in, ``reads`` and ``writes`` are everything else that touches them.
"""

from .layout import KEY, Column, columns_of, table_name
from .published import published_columns
from .reads import (
    RecordRow,
    Where,
    all_records,
    changed_count,
    grouped_counts,
    has_records,
    iter_columns,
    iter_records,
    record_by_key,
    record_count,
    records_by_keys,
    records_where,
    stamp,
)
from .tables import drop_table, ensure_table, layout_changes
from .writes import delete_records

__all__ = [
    "KEY",
    "Column",
    "RecordRow",
    "Where",
    "all_records",
    "changed_count",
    "columns_of",
    "delete_records",
    "drop_table",
    "ensure_table",
    "grouped_counts",
    "has_records",
    "iter_columns",
    "iter_records",
    "layout_changes",
    "published_columns",
    "record_by_key",
    "record_count",
    "records_by_keys",
    "records_where",
    "stamp",
    "table_name",
]
