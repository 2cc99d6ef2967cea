"""The application's database role (``manage.py grant_app_role``; issue 18, item 3) cannot undo the audit
log, and can do the platform's work.

A second connection logs in to the test database as the role, as web, worker and beat do in
docker-compose, and tries what a compromised process might: PostgreSQL itself refuses each statement
(InsufficientPrivilege), before any trigger is reached. PostgreSQL only.
"""

import datetime as dt
import io
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from psycopg import errors

from audit.partitions import DEFAULT_PARTITION, PARENT, partitions_ensure
from audit.privileges import app_privileges

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="database roles are PostgreSQL's"),
    pytest.mark.django_db,  # the test database exists (what the role's connection does is its own)
]

REFUSED = {
    "disable the guard trigger": f"ALTER TABLE {PARENT} DISABLE TRIGGER audit_event_guard",
    "disable every trigger": f"ALTER TABLE {PARENT} DISABLE TRIGGER ALL",
    "drop the guard trigger": f"DROP TRIGGER audit_event_guard ON {PARENT}",
    "drop the guard function": "DROP FUNCTION audit_event_guard() CASCADE",
    "truncate the events": f"TRUNCATE {PARENT}",
    "truncate a partition": f"TRUNCATE {DEFAULT_PARTITION}",
    "truncate the chains": "TRUNCATE audit_auditchain CASCADE",
    "truncate the checkpoints": "TRUNCATE audit_auditcheckpoint",
    "truncate an ordinary table": "TRUNCATE django_session",
    "drop the event table": f"DROP TABLE {PARENT}",
    "drop a partition": f"DROP TABLE {DEFAULT_PARTITION}",
    "detach a partition": f"ALTER TABLE {PARENT} DETACH PARTITION {DEFAULT_PARTITION}",
    "create a partition": f"CREATE TABLE {PARENT}_p2099_01 PARTITION OF {PARENT} "
    "FOR VALUES FROM ('2099-01-01') TO ('2099-02-01')",
    "create a table": "CREATE TABLE app_role_table (id int)",
    "delete events": f"DELETE FROM {PARENT}",
    "delete from a partition": f"DELETE FROM {DEFAULT_PARTITION}",
    "change what an event says": f"UPDATE {PARENT} SET action = 'auth.login'",
    "change an event's detail": f"UPDATE {PARENT} SET detail = '{{}}'",
    "seal in a partition directly": f"UPDATE {DEFAULT_PARTITION} SET sealed_at = now()",
    "move a chain to another unit": "UPDATE audit_auditchain SET owner_unit_id = NULL",
    "delete a chain": "DELETE FROM audit_auditchain",
    "rewrite a checkpoint": "UPDATE audit_auditcheckpoint SET hash = ''",
    "delete a checkpoint": "DELETE FROM audit_auditcheckpoint",
    "delete an anchor": "DELETE FROM audit_auditanchor",
    "delete an archive's row": "DELETE FROM audit_auditarchive",
    "forge an applied migration": "INSERT INTO django_migrations (app, name, applied) VALUES ('audit', 'x', now())",
}

EVENT = (
    f"INSERT INTO {PARENT} (occurred_at, action, outcome, actor_name, object_type, object_id, object_repr, "
    "data_items, purpose, detail, request_id, prev_hash, hash) "
    "VALUES (now(), 'auth.login', 'ok', 'platform', '', '', '', '[]', '', '{}', '', '', '') "
    "RETURNING id, occurred_at"
)
# audit.services._seal_rows, for one event.
SEAL = (
    f"UPDATE {PARENT} AS e SET chain_seq = v.seq, prev_hash = v.prev, hash = v.hash, sealed_at = %s "
    "FROM (VALUES (%s::bigint, %s::timestamptz, %s::bigint, %s, %s)) AS v (id, occurred_at, seq, prev, hash) "
    "WHERE e.id = v.id AND e.occurred_at = v.occurred_at AND e.sealed_at IS NULL"
)


@pytest.fixture
def as_app(app_role):
    """A connection to the test database as the application's role (trust authentication on 127.0.0.1)."""
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        dbname=db["NAME"],
        user=app_role,
        autocommit=True,
    ) as app:
        yield app


@pytest.mark.parametrize("statement", REFUSED.values(), ids=REFUSED.keys())
def test_the_application_role_may_not(as_app, statement):
    with pytest.raises(errors.InsufficientPrivilege):
        as_app.execute(statement)


@pytest.mark.django_db(
    transaction=True
)  # what the role writes is committed; the flush after the test clears it
def test_the_application_role_records_seals_and_chains_events_and_writes_ordinary_tables(as_app):
    event_id, occurred_at = as_app.execute(EVENT).fetchone()
    sealed = as_app.execute(SEAL, [dt.datetime.now(dt.UTC), event_id, occurred_at, 1, "0" * 64, "a" * 64])
    assert sealed.rowcount == 1
    assert as_app.execute(f"SELECT hash FROM {PARENT} WHERE id = %s", [event_id]).fetchone() == ("a" * 64,)

    with as_app.transaction():  # audit.services._seal_batch and audit_checkpoint
        (chain,) = as_app.execute(
            "INSERT INTO audit_auditchain (head_seq, head_hash, updated_at) VALUES (0, '', now()) RETURNING id"
        ).fetchone()
        as_app.execute("SELECT id FROM audit_auditchain WHERE id = %s FOR UPDATE", [chain])
        as_app.execute(
            "UPDATE audit_auditchain SET head_seq = 1, head_hash = %s, updated_at = now() WHERE id = %s",
            ["a" * 64, chain],
        )
        as_app.execute(
            "INSERT INTO audit_auditcheckpoint (chain_id, seq, hash, created_at) VALUES (%s, 1, %s, now())",
            [chain, "a" * 64],
        )

    as_app.execute("INSERT INTO django_session VALUES ('k', 'data', now())")
    as_app.execute("UPDATE django_session SET session_data = 'other' WHERE session_key = 'k'")
    as_app.execute("DELETE FROM django_session WHERE session_key = 'k'")
    with as_app.transaction():  # catalog.aggregation stages an upload in a temporary table with COPY
        as_app.execute("CREATE TEMPORARY TABLE stage (key text) ON COMMIT DROP")
        with as_app.cursor().copy("COPY stage (key) FROM STDIN") as copy:
            copy.write_row(["a"])


def test_a_partition_made_after_the_grant_is_read_only_to_the_application_role(app_role):
    [created] = partitions_ensure(since=dt.date(2024, 3, 1), months_ahead=0)[:1]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT has_table_privilege(%s, %s, 'SELECT'), has_table_privilege(%s, %s, 'DELETE'), "
            "has_table_privilege(%s, %s, 'UPDATE'), has_table_privilege(%s, %s, 'INSERT')",
            [app_role, created] * 4,
        )
        assert cursor.fetchone() == (True, False, False, False)


@pytest.mark.django_db(transaction=True)  # the second grant commits, for the role's connection to see
def test_granting_again_keeps_what_the_role_may_and_may_not_do(app_role, as_app):
    call_command("grant_app_role", role=app_role, stdout=io.StringIO())
    with pytest.raises(errors.InsufficientPrivilege):
        as_app.execute(f"DELETE FROM {PARENT}")
    as_app.execute(f"SELECT count(*) FROM {PARENT}")  # raises if reading was taken away


def test_every_table_of_the_audit_app_has_its_privileges_decided():
    assert set(apps.get_app_config("audit").get_models()) == set(app_privileges())


def url(user: str) -> str:
    db = connection.settings_dict
    return f"postgres://{user}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def manage(*args: str, database_url: str, owner_url: str = "") -> subprocess.CompletedProcess:
    """manage.py as a deployment runs it, with the application's and maybe the owner's connection."""
    env = {
        key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "DATABASE_OWNER_URL")
    }
    env.update(DATABASE_URL=database_url, **({"DATABASE_OWNER_URL": owner_url} if owner_url else {}))
    command = [sys.executable, "manage.py", *args]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_with_the_owners_url_the_maintenance_and_the_grant_run_as_the_owner(app_role):
    owner = url(connection.settings_dict["USER"])
    maintained = manage("archive_audit", database_url=url(app_role), owner_url=owner)
    assert maintained.returncode == 0, maintained.stderr
    assert "Archiving the months before" in maintained.stdout

    granted = manage("grant_app_role", database_url=url(app_role), owner_url=owner)
    assert granted.returncode == 0, granted.stderr
    assert f"to {app_role}." in granted.stdout  # the role of DATABASE_URL


def test_without_the_owners_url_the_application_role_may_neither_maintain_nor_grant(app_role):
    maintained = manage("archive_audit", database_url=url(app_role))
    assert maintained.returncode != 0
    assert "DATABASE_OWNER_URL" in maintained.stderr

    granted = manage("grant_app_role", "--role", app_role, database_url=url(app_role))
    assert granted.returncode != 0
    assert "owner of the tables" in granted.stderr


@pytest.mark.django_db(transaction=True)  # the grant commits, for the role's connection to see it
def test_the_application_role_makes_and_alters_the_records_tables_and_nothing_beside_them(app_role, as_app):
    # A table the owner made (the migration that moved the records in) passes to the role at the grant.
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE records.r_owner_made (_key text PRIMARY KEY)")
    try:
        call_command("grant_app_role", role=app_role, stdout=io.StringIO())
        as_app.execute("ALTER TABLE records.r_owner_made ADD COLUMN name text")
        as_app.execute("CREATE TABLE records.r_app_made (_key text PRIMARY KEY, n bigint)")
        as_app.execute("CREATE INDEX r_app_made_n ON records.r_app_made (n, _key)")
        as_app.execute("INSERT INTO records.r_app_made VALUES ('a', 1)")
        as_app.execute("DROP TABLE records.r_app_made")
        with pytest.raises(errors.InsufficientPrivilege):
            as_app.execute("CREATE TABLE public.records_beside (id int)")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS records.r_owner_made, records.r_app_made")
