import subprocess
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dataplatform.core.backup import backup_restore
from dataplatform.core.errors import ApplicationError


class Command(BaseCommand):
    help = (
        "Restore a folder written by `manage.py backup` into the configured database, which must be newly "
        "created and empty, and into empty audit and media folders. Then run `manage.py verify_audit`."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("source", type=Path)

    def handle(self, *args, source: Path, **options) -> None:
        try:
            backup_restore(source=source)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        except subprocess.CalledProcessError as exc:
            raise CommandError(f"pg_restore failed: {exc.stderr.decode(errors='replace')}") from exc
        self.stdout.write(f"Restored {source}. Check it: python manage.py verify_audit")
