"""Audit anchors (``audit.anchoring``), and an event sealed once, whole, from nothing (issue 18, item 4).

The guard of migration 0004 let an unsealed event's seal columns be written piecemeal and more than once
(a ``hash`` without ``sealed_at``, then another). Now an UPDATE of an event must take it from unsealed (no
position, no hashes, no seal time) to sealed (all four set, hashes of 64 characters) in one statement, and
leave every content column as it was; a sealed event is never updated again. Together with the refused
content change this leaves nothing that the application's role can alter between the insert and the seal.
DELETE stays refused; archiving detaches and drops whole partitions, which no row trigger sees.

Anchors are guarded like checkpoints: never changed, never deleted.

The SQLite update trigger is made again (it lists the content columns, ``request_id`` included since 0010);
the PostgreSQL function is replaced in place, so the trigger on the partitioned table and its clones on
every partition call the new body.
"""

import django.utils.timezone
from django.db import migrations, models

SEAL_COLUMNS = ("chain_seq", "prev_hash", "hash", "sealed_at")
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
    "request_id",
)
UNSEALED = "OLD.sealed_at IS NULL AND OLD.chain_seq IS NULL AND OLD.hash = '' AND OLD.prev_hash = ''"
SEALED = (
    "NEW.sealed_at IS NOT NULL AND NEW.chain_seq IS NOT NULL "
    "AND length(NEW.hash) = 64 AND length(NEW.prev_hash) = 64"
)


def _event_guard(unsealed: str, sealed: str) -> str:
    return f"""
    CREATE OR REPLACE FUNCTION audit_event_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            RAISE EXCEPTION 'audit events cannot be deleted (Q8.4)' USING ERRCODE = 'restrict_violation';
        END IF;
        IF ({unsealed}) IS NOT TRUE THEN
            RAISE EXCEPTION 'sealed audit event % cannot be changed (Q8.4)', OLD.id
                USING ERRCODE = 'restrict_violation';
        END IF;
        IF ({sealed}) IS NOT TRUE THEN
            RAISE EXCEPTION 'audit event % is sealed whole, in one update (Q8.4)', OLD.id
                USING ERRCODE = 'restrict_violation';
        END IF;
        IF (to_jsonb(NEW) - ARRAY{list(SEAL_COLUMNS)}) IS DISTINCT FROM (to_jsonb(OLD) - ARRAY{list(SEAL_COLUMNS)}) THEN
            RAISE EXCEPTION 'audit event % can only be sealed, not changed (Q8.4)', OLD.id
                USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN NEW;
    END $$;
    """


def _sqlite_update_trigger(condition: str) -> str:
    return f"""
    CREATE TRIGGER audit_event_refuse_update BEFORE UPDATE ON audit_auditevent
    FOR EACH ROW WHEN {condition}
    BEGIN SELECT RAISE(ABORT, 'audit events can only be sealed, once, not changed (Q8.4)'); END;
    """


_content_changed = " OR ".join(f"NEW.{column} IS NOT OLD.{column}" for column in CONTENT_COLUMNS)

POSTGRESQL = [
    _event_guard(UNSEALED, SEALED),
    """
    CREATE FUNCTION audit_anchor_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'audit anchors cannot be changed or deleted (Q8.4)' USING ERRCODE = 'restrict_violation';
    END $$;
    """,
    "CREATE TRIGGER audit_anchor_guard BEFORE UPDATE OR DELETE ON audit_auditanchor "
    "FOR EACH ROW EXECUTE FUNCTION audit_anchor_guard();",
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER audit_anchor_guard ON audit_auditanchor;",
    "DROP FUNCTION audit_anchor_guard();",
    # 0004's rule: an unsealed event's seal columns may change, a sealed event nothing.
    _event_guard("OLD.sealed_at IS NULL", "true"),
]
SQLITE = [
    "DROP TRIGGER audit_event_refuse_update;",
    _sqlite_update_trigger(f"({UNSEALED}) IS NOT 1 OR ({SEALED}) IS NOT 1 OR {_content_changed}"),
    "CREATE TRIGGER audit_anchor_refuse_update BEFORE UPDATE ON audit_auditanchor "
    "BEGIN SELECT RAISE(ABORT, 'audit anchors cannot be changed (Q8.4)'); END;",
    "CREATE TRIGGER audit_anchor_refuse_delete BEFORE DELETE ON audit_auditanchor "
    "BEGIN SELECT RAISE(ABORT, 'audit anchors cannot be deleted (Q8.4)'); END;",
]
SQLITE_REVERSE = [
    "DROP TRIGGER audit_anchor_refuse_delete;",
    "DROP TRIGGER audit_anchor_refuse_update;",
    "DROP TRIGGER audit_event_refuse_update;",
    _sqlite_update_trigger(f"OLD.sealed_at IS NOT NULL OR {_content_changed}"),
]


def _run(statements: dict[str, list[str]]):
    def run(apps, schema_editor) -> None:
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0011_action_labels"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditAnchor",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[("tsa", "Timestamp authority"), ("witness", "Witness (the producing unit)")],
                        max_length=10,
                        verbose_name="kind",
                    ),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="time")),
                ("heads", models.JSONField(default=list, verbose_name="chain heads")),
                ("digest", models.CharField(max_length=64, verbose_name="digest")),
                ("token", models.BinaryField(blank=True, default=bytes, verbose_name="timestamp token")),
                ("where", models.CharField(max_length=500, verbose_name="held by")),
                ("error", models.CharField(blank=True, max_length=500, verbose_name="error")),
            ],
            options={
                "verbose_name": "audit anchor",
                "verbose_name_plural": "audit anchors",
                "ordering": ["-created_at", "-id"],
            },
        ),
        migrations.RunPython(
            _run({"postgresql": POSTGRESQL, "sqlite": SQLITE}),
            _run({"postgresql": POSTGRESQL_REVERSE, "sqlite": SQLITE_REVERSE}),
            elidable=False,
        ),
    ]
