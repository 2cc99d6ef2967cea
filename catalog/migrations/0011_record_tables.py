"""Each resource's records move from the shared ``catalog_record`` (JSON) into a typed table of its own
(``catalog.records``), made from the data items of its published version (its current items if it was
never published); ``catalog_record`` is then dropped. Tombstones stay where they are."""

import json

from django.db import migrations


def _items(Resource, ResourceVersion, resource) -> list[dict]:
    version = ResourceVersion.objects.filter(resource=resource, number=resource.published_version).first()
    if version and version.snapshot.get("items"):
        return version.snapshot["items"]
    return list(resource.items.values("name", "item_type", "length", "is_key", "is_query"))


def move_records(apps, schema_editor):
    from catalog.records.layout import BATCH, CREATED, KEY, UPDATED, columns_of, quote, table_name
    from catalog.records.tables import _PATTERNS, ensure_table

    Resource = apps.get_model("catalog", "Resource")
    ResourceVersion = apps.get_model("catalog", "ResourceVersion")
    connection = schema_editor.connection
    postgres = connection.vendor == "postgresql"
    if postgres:
        schema_editor.execute("CREATE SCHEMA IF NOT EXISTS records")
    for resource in Resource.objects.order_by("pk"):
        columns = columns_of(_items(Resource, ResourceVersion, resource))
        ensure_table(resource.pk, columns)
        names = ", ".join(quote(c.name) for c in columns)
        head = f"INSERT INTO {table_name(resource.pk)} ({KEY}, {names}{', ' if columns else ''}{CREATED}, {UPDATED}, {BATCH}) "
        if postgres:
            values, params = [], []
            for c in columns:
                text = "(data ->> %s)"
                if c.item_type in _PATTERNS:  # a typed column: only a value of its type's shape is cast
                    text = f"CASE WHEN btrim({text}) ~* '{_PATTERNS[c.item_type]}' THEN {text}::{c.sql_type()} END"
                    params += [c.name, c.name]
                else:
                    params.append(c.name)
                    if c.length:
                        text = f"left({text}, {c.length})"
                values.append(text + ", ")
            with connection.cursor() as cursor:
                cursor.execute(
                    head
                    + f"SELECT key, {''.join(values)}created_at, updated_at, batch_id FROM catalog_record "
                    "WHERE resource_id = %s",
                    [*params, resource.pk],
                )
            continue
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT key, data, created_at, updated_at, batch_id FROM catalog_record WHERE resource_id = %s",
                [resource.pk],
            )
            rows = [
                (
                    key,
                    *[(json.loads(data) if isinstance(data, str) else data).get(c.name) for c in columns],
                    *rest,
                )
                for key, data, *rest in cursor.fetchall()
            ]
            marks = ", ".join(["%s"] * (len(columns) + 4))
            cursor.executemany(head + f"VALUES ({marks})", rows)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0010_dataitem_is_query"),
    ]

    operations = [
        migrations.RunPython(move_records, migrations.RunPython.noop),
        migrations.DeleteModel(name="Record"),
    ]
