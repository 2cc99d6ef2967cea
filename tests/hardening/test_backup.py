"""Backups (issue 9, item 7): `manage.py backup` (the real pg_dump) and `manage.py restore` (pg_restore)
into a newly created database, after which `manage.py verify_audit` passes; tampering after the restore
is still caught."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from audit.models import AuditEvent
from audit.services import audit_checkpoint, audit_seal
from sharing.services import attachment_add
from tests.factories.sharing import apply

REPO = Path(__file__).resolve().parent.parent.parent

pytestmark = [
    pytest.mark.django_db(transaction=True),  # pg_dump reads committed rows only
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql", reason="PostgreSQL"
    ),
]


def admin_connection() -> psycopg.Connection:
    db = settings.DATABASES["default"]
    return psycopg.connect(
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )


@pytest.fixture
def fresh_database():
    name = f"dp_restore_{uuid.uuid4().hex[:10]}"
    with admin_connection() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    yield name, f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"
    with admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
    )


def restored_environment(url: str, root: Path) -> dict:
    env = {**os.environ, "DATABASE_URL": url}
    env.pop("REDIS_URL", None)
    for name in ("AUDIT_CHECKPOINT_DIR", "AUDIT_ARCHIVE_DIR", "MEDIA_ROOT"):
        env[name] = str(root / name.lower())
    return env


@pytest.fixture
def platform_with_history(applicant, unconditional, settings, tmp_path):
    settings.AUDIT_ARCHIVE_DIR = tmp_path / "archives"
    application = apply(applicant, unconditional)
    attachment_add(
        actor=applicant, application=application, title="方案", file=SimpleUploadedFile("plan.pdf", b"%PDF-1")
    )
    audit_seal()
    audit_checkpoint()  # chain heads into the database and the checkpoint files
    assert list(Path(settings.AUDIT_CHECKPOINT_DIR).glob("*.jsonl"))
    return AuditEvent.objects.count()


def test_a_backup_restored_into_a_new_database_passes_audit_verification(
    platform_with_history, fresh_database, tmp_path
):
    backup = tmp_path / "backup"
    call_command("backup", str(backup))
    assert (backup / "database.dump").stat().st_size > 0
    assert list((backup / "audit-checkpoints").glob("*.jsonl"))
    assert list((backup / "media").rglob("plan*.pdf"))

    name, url = fresh_database
    env = restored_environment(url, tmp_path / "restored")
    restored = manage("restore", str(backup), env=env)
    assert restored.returncode == 0, restored.stderr

    verified = manage("verify_audit", env=env)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM audit_auditevent").fetchone()[0] == platform_with_history
    assert list((tmp_path / "restored" / "media_root").rglob("plan*.pdf"))
    assert manage("migrate", "--check", env=env).returncode == 0  # the schema came back whole

    # Verification after a restore is not a formality: an event altered in the copy is caught.
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET session_replication_role = replica")  # past the audit triggers, as an intruder
        conn.execute(
            "UPDATE audit_auditevent SET actor_name = 'someone else' WHERE id = (SELECT min(id) FROM audit_auditevent)"
        )
    assert manage("verify_audit", env=env).returncode != 0


def test_restore_refuses_a_database_that_is_not_empty(platform_with_history, tmp_path):
    backup = tmp_path / "backup"
    call_command("backup", str(backup))
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("restore", str(backup))  # the test database itself is full
