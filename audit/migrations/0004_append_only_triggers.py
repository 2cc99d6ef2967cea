"""The database itself refuses to change or remove audit rows (Q8.4: 不可篡改).

An audit event may be UPDATEd once, by the sealer: while it is unsealed and only in its seal columns
(chain_seq, prev_hash, hash, sealed_at). Every other UPDATE and every DELETE is refused, whoever asks;
checkpoints are never changed at all. The errors are integrity errors (SQLSTATE 23001 on PostgreSQL,
RAISE(ABORT) on SQLite), so Django raises IntegrityError.

What the triggers cannot stop: a database superuser disabling them, and TRUNCATE on PostgreSQL (row
triggers do not fire; pytest-django flushes test databases that way). Those are left to the hash
chain and its checkpoints outside the database (``manage.py verify_audit``). On SQLite, flush is a
DELETE: ``audit/management/commands/flush.py`` lifts these triggers for the flush only, so that
``manage.py flush`` empties the audit tables on both vendors alike.

The SQLite trigger lists the event's columns: a column added to AuditEvent later must be added to it
(the PostgreSQL one compares whole rows). A later migration that makes SQLite rebuild the table
drops the triggers with it: such a migration must create them again.
"""

from django.db import migrations

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
)

POSTGRESQL = [
    f"""
    CREATE FUNCTION audit_event_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            RAISE EXCEPTION 'audit events cannot be deleted (Q8.4)' USING ERRCODE = 'restrict_violation';
        END IF;
        IF OLD.sealed_at IS NOT NULL THEN
            RAISE EXCEPTION 'sealed audit event % cannot be changed (Q8.4)', OLD.id
                USING ERRCODE = 'restrict_violation';
        END IF;
        IF (to_jsonb(NEW) - ARRAY{list(SEAL_COLUMNS)}) IS DISTINCT FROM (to_jsonb(OLD) - ARRAY{list(SEAL_COLUMNS)}) THEN
            RAISE EXCEPTION 'audit event % can only be sealed, not changed (Q8.4)', OLD.id
                USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN NEW;
    END $$;
    """,
    """
    CREATE TRIGGER audit_event_guard BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_event_guard();
    """,
    """
    CREATE FUNCTION audit_checkpoint_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'audit checkpoints cannot be changed or deleted (Q8.4)' USING ERRCODE = 'restrict_violation';
    END $$;
    """,
    """
    CREATE TRIGGER audit_checkpoint_guard BEFORE UPDATE OR DELETE ON audit_auditcheckpoint
    FOR EACH ROW EXECUTE FUNCTION audit_checkpoint_guard();
    """,
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER audit_checkpoint_guard ON audit_auditcheckpoint;",
    "DROP FUNCTION audit_checkpoint_guard();",
    "DROP TRIGGER audit_event_guard ON audit_auditevent;",
    "DROP FUNCTION audit_event_guard();",
]

_content_changed = " OR ".join(f"NEW.{column} IS NOT OLD.{column}" for column in CONTENT_COLUMNS)
SQLITE = [
    f"""
    CREATE TRIGGER audit_event_refuse_update BEFORE UPDATE ON audit_auditevent
    FOR EACH ROW WHEN OLD.sealed_at IS NOT NULL OR {_content_changed}
    BEGIN SELECT RAISE(ABORT, 'audit events can only be sealed, once, not changed (Q8.4)'); END;
    """,
    """
    CREATE TRIGGER audit_event_refuse_delete BEFORE DELETE ON audit_auditevent
    BEGIN SELECT RAISE(ABORT, 'audit events cannot be deleted (Q8.4)'); END;
    """,
    """
    CREATE TRIGGER audit_checkpoint_refuse_update BEFORE UPDATE ON audit_auditcheckpoint
    BEGIN SELECT RAISE(ABORT, 'audit checkpoints cannot be changed (Q8.4)'); END;
    """,
    """
    CREATE TRIGGER audit_checkpoint_refuse_delete BEFORE DELETE ON audit_auditcheckpoint
    BEGIN SELECT RAISE(ABORT, 'audit checkpoints cannot be deleted (Q8.4)'); END;
    """,
]
SQLITE_REVERSE = [
    "DROP TRIGGER audit_checkpoint_refuse_delete;",
    "DROP TRIGGER audit_checkpoint_refuse_update;",
    "DROP TRIGGER audit_event_refuse_delete;",
    "DROP TRIGGER audit_event_refuse_update;",
]


def _run(statements: dict[str, list[str]]):
    def run(apps, schema_editor) -> None:
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_seal")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRESQL, "sqlite": SQLITE}),
            _run({"postgresql": POSTGRESQL_REVERSE, "sqlite": SQLITE_REVERSE}),
            elidable=False,
        ),
    ]
