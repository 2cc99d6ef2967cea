"""Backup and restore of the whole platform: the PostgreSQL database (pg_dump's custom format) with the
folders that belong to it: the audit checkpoint files, the audit archives and the uploaded files.

Order matters, and is the reason this is a command and not a one-line pg_dump:
1. audit checkpoint files first: every checkpoint they hold is then also in the dump, whose chains reach
   at least that far, so `verify_audit` passes on the restored copy (a file newer than the dump would name
   a chain head the dump lacks);
2. the database;
3. the audit archives after it: a month archived (and its partition dropped) while the dump ran is then
   in the copied archives, never in neither;
4. uploaded files last: a file is written before its row commits, so every row of the dump finds its file.
"""

import os
import shutil
import subprocess  # runs pg_dump and pg_restore with an argument list, never through a shell
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection

from .errors import ApplicationError

DUMP_NAME = "database.dump"
FOLDERS = {  # the backup's sub-folder -> the setting naming the live folder
    "audit-checkpoints": "AUDIT_CHECKPOINT_DIR",
    "audit-archives": "AUDIT_ARCHIVE_DIR",
    "media": "MEDIA_ROOT",
}


@dataclass(frozen=True)
class PgConnection:
    args: list[str]
    env: dict[str, str]


def pg_connection(database: dict | None = None) -> PgConnection:
    database = database or settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.postgresql":
        raise ApplicationError(
            "Backups are made of PostgreSQL; for the SQLite demo copy the whole var/ folder."
        )
    args = ["--dbname", database["NAME"]]
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if database.get(key):
            args += [flag, str(database[key])]
    env = {**os.environ}
    if database.get("PASSWORD"):
        env["PGPASSWORD"] = database["PASSWORD"]
    return PgConnection(args=args, env=env)


def _copy_folder(source: Path, target: Path) -> None:
    if source.is_dir():
        shutil.copytree(source, target, dirs_exist_ok=True)
    else:
        target.mkdir(parents=True, exist_ok=True)


def backup_make(*, destination: Path) -> Path:
    """Write a backup into ``destination`` (a new or empty folder); return the dump's path."""
    destination.mkdir(parents=True, exist_ok=True)
    if any(destination.iterdir()):
        raise ApplicationError(f"{destination} is not empty: back up into a new folder.")
    pg = pg_connection()
    _copy_folder(Path(settings.AUDIT_CHECKPOINT_DIR), destination / "audit-checkpoints")
    dump = destination / DUMP_NAME
    subprocess.run(  # a fixed program; its arguments come from the settings
        ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(dump), *pg.args],
        env=pg.env,
        check=True,
        capture_output=True,
    )
    _copy_folder(Path(settings.AUDIT_ARCHIVE_DIR), destination / "audit-archives")
    _copy_folder(Path(settings.MEDIA_ROOT), destination / "media")
    return dump


def backup_restore(*, source: Path) -> None:
    """Restore a backup into the configured database, which must be new and empty, and its folders."""
    dump = source / DUMP_NAME
    if not dump.is_file():
        raise ApplicationError(f"{source} holds no {DUMP_NAME}.")
    if connection.introspection.table_names():
        raise ApplicationError("The database is not empty: restore into a newly created database.")
    for setting in FOLDERS.values():
        live = Path(getattr(settings, setting))
        if live.is_dir() and any(live.iterdir()):
            raise ApplicationError(f"{setting} ({live}) is not empty: restore into an empty folder.")
    pg = pg_connection()
    subprocess.run(  # a fixed program; its arguments come from the settings
        ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", *pg.args, str(dump)],
        env=pg.env,
        check=True,
        capture_output=True,
    )
    for folder, setting in FOLDERS.items():
        _copy_folder(source / folder, Path(getattr(settings, setting)))
