"""A chain's head only moves forward (issue 18, item 4).

The application's role updates the head row when it seals (``audit.services._seal_batch``), so column
privileges cannot stop it from moving a head back: it could then seal new events at positions already
given out, and the old events beyond the new head would stand outside the chain. ``verify_audit`` reports
such a head (``audit.selectors``); this trigger refuses it in the first place: an update must keep the
chain's owner, may only raise ``head_seq`` (or keep it with the same hash), and a chain is never deleted.
TRUNCATE fires no row trigger; the application's role holds no TRUNCATE privilege (``audit/privileges.py``).
"""

from django.db import migrations

POSTGRESQL = [
    """
    CREATE FUNCTION audit_chain_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            RAISE EXCEPTION 'audit chains cannot be deleted (Q8.4)' USING ERRCODE = 'restrict_violation';
        END IF;
        IF NEW.owner_unit_id IS DISTINCT FROM OLD.owner_unit_id
           OR NEW.head_seq < OLD.head_seq
           OR (NEW.head_seq = OLD.head_seq AND NEW.head_hash IS DISTINCT FROM OLD.head_hash) THEN
            RAISE EXCEPTION 'audit chain % only moves forward (Q8.4)', OLD.id USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN NEW;
    END $$;
    """,
    "CREATE TRIGGER audit_chain_guard BEFORE UPDATE OR DELETE ON audit_auditchain "
    "FOR EACH ROW EXECUTE FUNCTION audit_chain_guard();",
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER audit_chain_guard ON audit_auditchain;",
    "DROP FUNCTION audit_chain_guard();",
]
SQLITE = [
    "CREATE TRIGGER audit_chain_refuse_update BEFORE UPDATE ON audit_auditchain FOR EACH ROW WHEN "
    "NEW.owner_unit_id IS NOT OLD.owner_unit_id OR NEW.head_seq < OLD.head_seq "
    "OR (NEW.head_seq = OLD.head_seq AND NEW.head_hash IS NOT OLD.head_hash) "
    "BEGIN SELECT RAISE(ABORT, 'audit chains only move forward (Q8.4)'); END;",
    "CREATE TRIGGER audit_chain_refuse_delete BEFORE DELETE ON audit_auditchain "
    "BEGIN SELECT RAISE(ABORT, 'audit chains cannot be deleted (Q8.4)'); END;",
]
SQLITE_REVERSE = [
    "DROP TRIGGER audit_chain_refuse_delete;",
    "DROP TRIGGER audit_chain_refuse_update;",
]


def _run(statements: dict[str, list[str]]):
    def run(apps, schema_editor) -> None:
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0012_anchors_and_seal_once")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRESQL, "sqlite": SQLITE}),
            _run({"postgresql": POSTGRESQL_REVERSE, "sqlite": SQLITE_REVERSE}),
            elidable=False,
        ),
    ]
