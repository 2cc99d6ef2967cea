"""Deleting records from a resource's table, each leaving a tombstone (``RecordDeletion``) that carries
the deletion to the applicants' copies (pushes) and to other nodes."""

import datetime as dt

from django.db import connection
from django.db.models import F

from ..models import RecordDeletion, ResourceVersion
from .layout import KEY, quote, table_name
from .reads import stamp

REGION_LENGTH = RecordDeletion._meta.get_field("region").max_length


def region_item(resource_id: int) -> str | None:
    """The name of the published version's region item (``is_region``: each record's division code), or
    None. The table's columns follow the published version, so its snapshot says, not the working copy."""
    snapshot = (
        ResourceVersion.objects.filter(resource_id=resource_id, number=F("resource__published_version"))
        .values_list("snapshot", flat=True)
        .first()
    )
    items = (snapshot or {}).get("items") or []
    return next((item["name"] for item in items if item.get("is_region")), None)


def delete_records(*, resource_id: int, keys: list[str] | None, batch_id: int, now: dt.datetime) -> int:
    """Delete the records with these keys (every record when None); answer how many there were. The
    tombstones are written by the database from the records themselves: a purged entry's million keys
    never pass through this process. Each keeps the record's division code when the entry has a region
    item (FB12: a lower node is sent the deletions of its own region's records only)."""
    table = table_name(resource_id)
    condition, params = (
        ("TRUE", []) if keys is None else (f"{KEY} IN ({', '.join(['%s'] * len(keys))})", keys)
    )
    if keys == []:
        return 0
    item = region_item(resource_id)
    region = f"COALESCE(substr(CAST({quote(item)} AS text), 1, {REGION_LENGTH}), '')" if item else "''"
    tombstones = quote(RecordDeletion._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {tombstones} (resource_id, key, region, deleted_at, batch_id) "
            f"SELECT %s, {KEY}, {region}, %s, %s FROM {table} WHERE {condition}",
            [resource_id, stamp(now), batch_id, *params],
        )
        cursor.execute(f"DELETE FROM {table} WHERE {condition}", params)
        return cursor.rowcount
