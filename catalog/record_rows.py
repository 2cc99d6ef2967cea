"""One record by its key, as a row: the read of a key lookup on the data interface, which runs on
every such call. Raw SQL, written once per process, because the ORM's ``filter(...).first()`` cost
more CPU to compile than the indexed read (``record_key_unique``) costs the database, and the caller
wants three values, not a model."""

import functools
from typing import Any, NamedTuple

from django.db import connection

from dataplatform.core.row_models import RowPart, row_part

from .models import Record


class RecordRow(NamedTuple):
    key: str
    data: dict[str, Any]
    updated_at: Any


@functools.cache
def _statement() -> tuple[str, RowPart[Record]]:
    part = row_part(Record, "r", names=RecordRow._fields)
    sql = (
        f'SELECT {", ".join(part.columns)} FROM "{Record._meta.db_table}" r '
        "WHERE r.resource_id = %s AND r.key = %s"
    )
    return sql, part


def record_by_key(*, resource_id: int, key: str) -> RecordRow | None:
    """The resource's record of this key (one at most: ``record_key_unique``), or None."""
    sql, part = _statement()
    with connection.cursor() as cursor:
        cursor.execute(sql, [resource_id, key])
        row = cursor.fetchone()
    return None if row is None else RecordRow(*part.values(row))
