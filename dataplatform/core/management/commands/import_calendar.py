from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from dataplatform.core.audit_actions import AuditAction
from dataplatform.core.calendar_import import calendar_seed_from_package, import_calendar_file
from dataplatform.core.events import record_event


class Command(BaseCommand):
    help = (
        "Import one year's holidays and adjusted working days from a YAML or CSV file "
        "(the format is in dataplatform/core/calendar_import.py), or --from-package to seed "
        "every year the chinesecalendar package covers."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", nargs="?", help="a .yaml, .yml or .csv file")
        parser.add_argument("--notice", default="", help="the State Council notice it comes from")
        parser.add_argument("--from-package", action="store_true")

    def handle(self, *args, file: str | None, notice: str, from_package: bool, **options) -> None:
        if from_package:
            self.stdout.write(f"Seeded {calendar_seed_from_package()} year(s) from chinesecalendar.")
            return
        if not file:
            raise CommandError("Name a file, or give --from-package.")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No file at {path}.")
        try:
            year = import_calendar_file(path.name, path.read_text(encoding="utf-8-sig"), notice=notice)
        except (ValidationError, UnicodeDecodeError, ValueError) as exc:
            messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
            raise CommandError("; ".join(messages)) from exc
        record_event(action=AuditAction.CALENDAR_IMPORT, detail={"year": year.year, "file": path.name})
        days = year.year
        self.stdout.write(
            self.style.SUCCESS(f"Imported the {days} arrangement ({year.notice or 'no notice given'}).")
        )
