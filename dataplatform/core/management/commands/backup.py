import subprocess
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dataplatform.core.backup import backup_make
from dataplatform.core.errors import ApplicationError


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump) with the audit checkpoint files, the audit archives and the uploaded "
        "files into a new folder. Restore with `manage.py restore FOLDER` into a new database."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("destination", type=Path)

    def handle(self, *args, destination: Path, **options) -> None:
        try:
            dump = backup_make(destination=destination)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        except subprocess.CalledProcessError as exc:
            raise CommandError(f"pg_dump failed: {exc.stderr.decode(errors='replace')}") from exc
        self.stdout.write(f"Backed up into {destination} ({dump.stat().st_size} bytes of database).")
