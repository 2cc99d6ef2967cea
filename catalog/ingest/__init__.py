"""Reading aggregation files and checking their rows against a resource's data items.

Nothing here touches the database: ``catalog.aggregation`` stages and applies the rows this package accepts.
``values`` turns one cell into its canonical form, ``rows`` checks rows, ``readers`` reads CSV, XLSX and
JSON files (``sniff`` checks them before they are stored), ``schema`` describes a resource's data items. The public names are re-exported here.
"""

from .readers import (
    CHUNK_ROWS,
    FORMATS,
    RowChunk,
    Table,
    check_file_name,
    chunked,
    read_table,
)
from .rows import (
    KEY_MAX_LENGTH,
    MAX_LISTED_ERRORS,
    Chunk,
    RowChecker,
)
from .schema import (
    IngestError,
    Item,
    Schema,
    schema_from_items,
)
from .sniff import FALLBACK_ENCODING, check_upload
from .values import (
    CONVERTERS,
    FAST_TEXT_CONVERTERS,
    to_boolean,
    to_date,
    to_datetime,
    to_decimal,
    to_integer,
    to_string,
)

__all__ = [
    "CHUNK_ROWS",
    "CONVERTERS",
    "Chunk",
    "FALLBACK_ENCODING",
    "FAST_TEXT_CONVERTERS",
    "FORMATS",
    "IngestError",
    "Item",
    "KEY_MAX_LENGTH",
    "MAX_LISTED_ERRORS",
    "RowChecker",
    "RowChunk",
    "Schema",
    "Table",
    "check_file_name",
    "check_upload",
    "chunked",
    "read_table",
    "schema_from_items",
    "to_boolean",
    "to_date",
    "to_datetime",
    "to_decimal",
    "to_integer",
    "to_string",
]
