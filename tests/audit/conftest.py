import pytest
from django.db import connection

from audit.models import AuditEvent
from audit.services import audit_record


@pytest.fixture(autouse=True)
def checkpoint_dir(settings, tmp_path):
    """Checkpoint files of a test stay in its own folder."""
    settings.AUDIT_CHECKPOINT_DIR = tmp_path / "audit-checkpoints"
    return settings.AUDIT_CHECKPOINT_DIR


@pytest.fixture
def record(producer_unit):
    """``record(3)``: three events about the producing unit's data, in order."""

    def make(count: int = 1, owner_unit=producer_unit, **fields) -> list[AuditEvent]:
        return [
            audit_record(action="record.view", owner_unit=owner_unit, record_count=n, **fields)
            for n in range(count)
        ]

    return make


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
