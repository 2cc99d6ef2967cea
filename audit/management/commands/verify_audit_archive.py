from django.core.management.base import BaseCommand, CommandError

from audit.archive_verify import verify_archive


class Command(BaseCommand):
    help = (
        "Verify an audit archive file, and its link to the previous one if given. The same check runs "
        "without Django: python audit/archive_verify.py FILE [PREVIOUS_FILE]."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file")
        parser.add_argument("previous", nargs="?")

    def handle(self, *args, **options) -> None:
        report = verify_archive(options["file"], options["previous"])
        for problem in report.problems:
            self.stdout.write(f"BROKEN {problem}")
        if not report.ok:
            raise CommandError(f"{report.path} fails verification.")
        self.stdout.write(f"OK {report.path}: {report.events} events verified.")
