"""The full-text index of catalog search, on PostgreSQL only: SQLite (the embedded demo) has no tsvector,
and its search falls back to substring tests (catalog/search.py)."""

from django.db import migrations

INDEX = "resource_search_text"


def create_index(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    # The expression must stay the one catalog.search.SearchVector writes, or the planner ignores the index.
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON catalog_resource "
        "USING gin (to_tsvector('simple'::regconfig, search_text))"
    )


def drop_index(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
