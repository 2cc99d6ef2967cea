"""``flush``, which on SQLite lifts the audit triggers for the flush only.

Django flushes SQLite with DELETE, which the append-only triggers refuse (migration 0004); on
PostgreSQL it TRUNCATEs, which row triggers never see. This keeps ``flush`` (and pytest-django's
transactional tests, which flush after each test) emptying the audit tables on both vendors alike.
The triggers are put back, as they were, in the same transaction.
"""

from django.core.management.commands import flush
from django.db import connections, transaction

AUDIT_TRIGGERS = (
    "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name LIKE 'audit\\_%' ESCAPE '\\'"
)


class Command(flush.Command):
    def handle(self, **options) -> None:
        connection = connections[options["database"]]
        if connection.vendor != "sqlite":
            return super().handle(**options)
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute(AUDIT_TRIGGERS)
            triggers = cursor.fetchall()
            for name, _sql in triggers:
                cursor.execute(f'DROP TRIGGER "{name}"')
            super().handle(**options)
            for _name, sql in triggers:
                cursor.execute(sql)
