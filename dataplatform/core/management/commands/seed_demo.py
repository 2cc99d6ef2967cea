from django.core.management.base import BaseCommand

from catalog.aggregation import records_upsert
from catalog.demo import seed_catalog
from correction.demo import seed_correction
from dataplatform.core.demo.core import DEMO_PASSWORD, seed_core
from sharing.demo import seed_sharing


def load_records(resource, rows, actor) -> None:
    records_upsert(actor=actor, resource=resource, records=rows)


class Command(BaseCommand):
    help = "Create the demo setting (idempotent). The passwords are for the demo only."

    def handle(self, *args, **options) -> None:
        people = seed_core()
        resources = seed_catalog(load_records=load_records)
        if resources:
            self.stdout.write(f"Catalog: {len(resources)} demo entries with their records.")
        applications = seed_sharing()
        if applications:
            self.stdout.write(f"Sharing: {len(applications)} demo applications.")
        seed_correction()  # after the catalog and sharing: it reports on their records through grants
        self.stdout.write(self.style.SUCCESS("Demo data is ready. Log in at http://127.0.0.1:8000/ as:"))
        for person in people:
            unit = person.unit or "(citizen)"
            self.stdout.write(
                f"  {person.username:<16} {DEMO_PASSWORD}  {person.real_name} · {unit} — {person.sees}"
            )
