"""The application's database role, granted by the owner of the tables (issue 18, item 3).

Web, worker and beat connect as a role that owns nothing: PostgreSQL lets only a table's owner alter
it (DISABLE TRIGGER), drop its triggers, drop or detach its partitions, and only a role granted
TRUNCATE truncate it. The role gets, in the schema of the platform's tables:

- USAGE on the schema, and no CREATE (taken from PUBLIC too, as PostgreSQL 15 does by itself);
- SELECT, INSERT, UPDATE, DELETE on every table, but never TRUNCATE, REFERENCES or TRIGGER;
- on the audit tables only what the code does (audit/privileges.py), on the migrations' record SELECT;
- USAGE and SELECT on the sequences;
- the same on the tables and sequences the owner creates later (ALTER DEFAULT PRIVILEGES), so that a
  migration's new table works before this is run again;
- in the ``records`` schema, where each resource's records live in a table of their own (catalog.records),
  USAGE and CREATE, and the ownership of those tables: the role makes a resource's table when the
  resource is made and alters it when a version is published. Nothing else lives in that schema: owning
  a records table gives no power over the audit, which stays in the schema above. Run it after every ``migrate``: it is
  idempotent, and it takes back what the default privileges gave a new audit table.
"""

import re

from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder

from audit.privileges import ORDINARY, app_privileges
from dataplatform.core.errors import ApplicationError

ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def app_role_grant(*, role: str, password: str = "", login: bool = True) -> None:
    """Create ``role`` if missing and give it exactly the privileges above, in one transaction, as the
    owner of the tables (the connection's role). PostgreSQL only."""
    if not ROLE_NAME.match(role):
        raise ApplicationError(f"{role!r} is not a plain role name (lower-case letters, digits, _).")
    with transaction.atomic(), connection.cursor() as cursor:
        # Another role's GRANT on tables it does not own only warns: refuse to pretend.
        cursor.execute(
            "SELECT bool_and(pg_has_role(current_user, relowner, 'USAGE')) FROM pg_class "
            "WHERE relnamespace = current_schema()::regnamespace AND relkind IN ('r', 'p')"
        )
        if not cursor.fetchone()[0]:
            raise ApplicationError(
                "Grant as the owner of the tables: set DATABASE_OWNER_URL to its connection."
            )
        _role_ensure(cursor, role=role, password=password, login=login)
        cursor.execute("SELECT quote_ident(current_schema())")
        schema = cursor.fetchone()[0]
        for sql in _grants(cursor, role=f'"{role}"', schema=schema):
            cursor.execute(sql)
        for sql in _records_grants(cursor, role=f'"{role}"'):
            cursor.execute(sql)


def _role_ensure(cursor, *, role: str, password: str, login: bool) -> None:
    cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [role])
    row = cursor.fetchone()
    options = ("LOGIN" if login else "NOLOGIN") + (" PASSWORD %s" if password else "")
    if row is None:
        cursor.execute(f'CREATE ROLE "{role}" {options}', [password] if password else None)
    elif row[0]:
        raise ApplicationError(f"{role} is a superuser: no grant can hold it back.")
    elif password:  # the password of DATABASE_URL, which may have been changed since
        cursor.execute(f'ALTER ROLE "{role}" {options}', [password])
    # A member of the tables' owner holds the owner's rights, whatever is granted or revoked here.
    cursor.execute(
        "SELECT EXISTS (SELECT FROM pg_class WHERE relnamespace = current_schema()::regnamespace "
        "AND pg_has_role(%s, relowner, 'USAGE'))",
        [role],
    )
    if cursor.fetchone()[0]:
        raise ApplicationError(f"{role} owns the tables, or is a member of their owner's role.")


def _restricted(cursor) -> dict[str, str]:
    """Table -> the role's privileges, for the tables of the schema it may not write as it likes."""
    cursor.execute(
        "SELECT relname, relispartition FROM pg_class "
        "WHERE relnamespace = current_schema()::regnamespace AND relkind IN ('r', 'p')"
    )
    tables = dict(cursor.fetchall())
    # Partitions are written through their parent, whose grants PostgreSQL checks (audit/partitions.py).
    restricted = {name: "SELECT" for name, partition in tables.items() if partition}
    restricted[MigrationRecorder.Migration._meta.db_table] = "SELECT"  # migrate writes it, as the owner
    restricted.update({model._meta.db_table: grant for model, grant in app_privileges().items()})
    return {connection.ops.quote_name(name): grant for name, grant in restricted.items() if name in tables}


def _columns(cursor, table: str) -> str:
    cursor.execute(
        "SELECT string_agg(quote_ident(attname), ', ') FROM pg_attribute "
        "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
        [table],
    )
    return cursor.fetchone()[0]


def _grants(cursor, *, role: str, schema: str) -> list[str]:
    statements = [
        f"REVOKE CREATE ON SCHEMA {schema} FROM PUBLIC",
        f"GRANT USAGE ON SCHEMA {schema} TO {role}",
        # From scratch each time, in this one transaction: what an earlier run or the default
        # privileges gave and should not have is taken back.
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {role}",
        f"GRANT {ORDINARY} ON ALL TABLES IN SCHEMA {schema} TO {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {role}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT {ORDINARY} ON TABLES TO {role}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT USAGE, SELECT ON SEQUENCES TO {role}",
    ]
    for table, grant in _restricted(cursor).items():
        statements += [
            f"REVOKE ALL ON {table} FROM {role}",
            f"REVOKE ALL ({_columns(cursor, table)}) ON {table} FROM {role}",  # column grants of earlier runs
            f"GRANT {grant} ON {table} TO {role}",
        ]
    return statements


def _records_grants(cursor, *, role: str) -> list[str]:
    """The records schema: the role creates, alters and owns the resources' tables (catalog.records)."""
    from catalog.records.layout import SCHEMA

    cursor.execute(
        "SELECT quote_ident(c.relname) FROM pg_class c WHERE c.relnamespace = %s::regnamespace "
        "AND c.relkind = 'r' AND NOT pg_has_role(%s, c.relowner, 'USAGE')",
        [SCHEMA, role.strip('"')],
    )
    others = [name for (name,) in cursor.fetchall()]
    return [
        f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}",
        f"REVOKE ALL ON SCHEMA {SCHEMA} FROM PUBLIC",
        f"GRANT USAGE, CREATE ON SCHEMA {SCHEMA} TO {role}",
        # Tables made by the owner (the migration that moved the records in) pass to the role, which
        # alters them at the next publication.
        *(f"ALTER TABLE {SCHEMA}.{name} OWNER TO {role}" for name in others),
    ]
