"""An audit event carries the id of the request that wrote it, as the JSON logs do (issue 18, item 7).

The column is added by plain SQL rather than AddField, which on SQLite would rebuild the table and drop the
append-only triggers of migration 0004 with it (see 0008). The SQLite update trigger lists the content
columns: it is made again with the new one. PostgreSQL's trigger compares whole rows and needs nothing.
"""

from django.db import migrations, models

CONTENT_COLUMNS = (
    "id",
    "occurred_at",
    "action",
    "outcome",
    "actor_id",
    "actor_name",
    "actor_unit_id",
    "api_key_id",
    "owner_unit_id",
    "object_type",
    "object_id",
    "object_repr",
    "data_items",
    "record_count",
    "purpose",
    "client_ip",
    "detail",
)


def _update_trigger(columns: tuple[str, ...]) -> str:
    changed = " OR ".join(f"NEW.{column} IS NOT OLD.{column}" for column in columns)
    return f"""
    CREATE TRIGGER audit_event_refuse_update BEFORE UPDATE ON audit_auditevent
    FOR EACH ROW WHEN OLD.sealed_at IS NOT NULL OR {changed}
    BEGIN SELECT RAISE(ABORT, 'audit events can only be sealed, once, not changed (Q8.4)'); END;
    """


def add_column(apps, schema_editor) -> None:
    schema_editor.execute(
        "ALTER TABLE audit_auditevent ADD COLUMN request_id varchar(64) NOT NULL DEFAULT ''"
    )
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER audit_event_refuse_update")
        schema_editor.execute(_update_trigger((*CONTENT_COLUMNS, "request_id")))


def drop_column(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER audit_event_refuse_update")
        schema_editor.execute(_update_trigger(CONTENT_COLUMNS))
    schema_editor.execute("ALTER TABLE audit_auditevent DROP COLUMN request_id")


class Migration(migrations.Migration):
    dependencies = [("audit", "0009_action_choices")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="auditevent",
                    name="request_id",
                    field=models.CharField(blank=True, max_length=64, verbose_name="request id"),
                ),
            ],
            database_operations=[migrations.RunPython(add_column, drop_column, elidable=False)],
        ),
    ]
