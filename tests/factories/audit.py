"""Audit helpers: changing the audit tables behind the application's back, as a tamperer would."""

from django.db import connection


def behind_the_applications_back(sql: str, params: list) -> None:
    """Run SQL on the audit tables as a database superuser could: with the guard triggers out of the way.

    PostgreSQL: replica mode fires no ordinary trigger (superusers only). SQLite: the triggers are
    dropped and created again; the test's rollback would bring them back too.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute(sql, params)
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")
            return
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name LIKE 'audit%'"
        )
        triggers = cursor.fetchall()
        for name, _ in triggers:
            cursor.execute(f'DROP TRIGGER "{name}"')
        cursor.execute(sql, params)
        for _, create in triggers:
            cursor.execute(create)
