from django.core.management.base import BaseCommand, CommandError

from audit.archive import audit_archive_expired, retention_cutoff
from audit.partitions import is_partitioned, partitions_ensure, partitions_maintainable
from dataplatform.core.db_roles import owner_connection


class Command(BaseCommand):
    help = (
        "Create the coming months' audit partitions, then export every month older than the retention "
        "(AUDIT_RETENTION_DAYS, at least three years) to AUDIT_ARCHIVE_DIR and drop it (PostgreSQL only)."
    )

    def handle(self, *args, **options) -> None:
        with owner_connection():  # DATABASE_OWNER_URL: only the table's owner may create and drop partitions
            self.maintain()

    def maintain(self) -> None:
        if not is_partitioned():
            self.stdout.write("The audit table is not partitioned (SQLite): nothing to archive.")
            return
        if not partitions_maintainable():
            raise CommandError(
                "This connection's role does not own the audit table: set DATABASE_OWNER_URL to the owner's."
            )
        for name in partitions_ensure():
            self.stdout.write(f"Created partition {name}.")
        self.stdout.write(f"Archiving the months before {retention_cutoff():%Y-%m-%d}.")
        for archive in audit_archive_expired():
            self.stdout.write(
                f"Archived {archive.event_count} events to {archive.file_name} ({archive.sha256})."
            )
