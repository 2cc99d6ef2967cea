from django.core.management.base import BaseCommand
from django.test.utils import override_settings

from catalog.aggregation.services import records_upsert
from catalog.collection.demo import seed_collection
from catalog.demo import seed_catalog
from correction.demo import seed_correction
from dataplatform.core.demo.administrators import seed_administrators
from dataplatform.core.demo.core import DEMO_PASSWORD, seed_core
from federation.demo import federation_demo_seed
from governance.demo import seed_governance
from opening.demo import seed_opening
from operations.demo.audit import seed_audit
from sharing.demo import seed_sharing


def load_records(resource, rows, actor) -> None:
    records_upsert(actor=actor, resource=resource, records=rows)


class Command(BaseCommand):
    help = "Create the demo setting (idempotent). The passwords are for the demo only."

    def handle(self, *args, **options) -> None:
        # The demo's notifications stay in-app: their e-mails to made-up addresses would only bury this
        # command's output (the console backend prints each one).
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            people = self.seed()
        self.stdout.write(self.style.SUCCESS("Demo data is ready. Log in at http://127.0.0.1:8000/ as:"))
        for person in people:
            unit = person.unit or "(citizen)"
            self.stdout.write(
                f"  {person.username:<16} {DEMO_PASSWORD}  {person.real_name} · {unit} — {person.sees}"
            )

    def seed(self) -> list:
        people = seed_core()
        resources = seed_catalog(load_records=load_records)
        if resources:
            self.stdout.write(f"Catalog: {len(resources)} demo entries with their records.")
        seed_collection()  # after the catalog: it flags the entries carrying another unit's items
        seed_administrators()
        applications = seed_sharing()
        if applications:
            self.stdout.write(f"Sharing: {len(applications)} demo applications.")
        seed_correction()  # after the catalog and sharing: it reports on their records through grants
        if made := seed_governance():  # a project, a data subject, a dispute (issue 10, items 2–4)
            self.stdout.write(f"Governance: {len(made)} demo examples.")
        if entries := seed_opening():  # after the catalog: its published entries, decided for opening
            self.stdout.write(f"Opening: {len(entries)} demo open catalog decisions.")
        # Only on a city node ready to federate (NODE_ID set, key made) with no peers yet: a made-up province
        # and county, and what they exchanged (federation/demo.py).
        if peers := federation_demo_seed():
            self.stdout.write(f"Federation: {len(peers)} demo peer nodes, their entries and back-flows.")
        if events := seed_audit():  # last: three months of history over the people, resources and grants
            self.stdout.write(f"Audit: {events} demo events over the last three months, sealed.")
        return people
