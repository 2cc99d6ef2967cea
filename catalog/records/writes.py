"""Deleting records from a resource's table, each leaving a tombstone (``RecordDeletion``) that carries
the deletion to the applicants' copies (pushes) and to other nodes."""

import datetime as dt

from django.db import connection

from ..models import RecordDeletion
from .layout import KEY, quote, table_name
from .reads import stamp


def delete_records(*, resource_id: int, keys: list[str] | None, batch_id: int, now: dt.datetime) -> int:
    """Delete the records with these keys (every record when None); answer how many there were. The
    tombstones are written by the database from the records themselves: a purged entry's million keys
    never pass through this process."""
    table = table_name(resource_id)
    condition, params = (
        ("TRUE", []) if keys is None else (f"{KEY} IN ({', '.join(['%s'] * len(keys))})", keys)
    )
    if keys == []:
        return 0
    tombstones = quote(RecordDeletion._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {tombstones} (resource_id, key, deleted_at, batch_id) "
            f"SELECT %s, {KEY}, %s, %s FROM {table} WHERE {condition}",
            [resource_id, stamp(now), batch_id, *params],
        )
        cursor.execute(f"DELETE FROM {table} WHERE {condition}", params)
        return cursor.rowcount
