from django.core.management.base import BaseCommand

from dataplatform.core.demo.core import DEMO_PASSWORD, seed_core


class Command(BaseCommand):
    help = "Create the demo setting (idempotent). The passwords are for the demo only."

    def handle(self, *args, **options) -> None:
        people = seed_core()
        self.stdout.write(self.style.SUCCESS("Demo data is ready. Log in at http://127.0.0.1:8000/ as:"))
        for person in people:
            unit = person.unit or "(citizen)"
            self.stdout.write(
                f"  {person.username:<16} {DEMO_PASSWORD}  {person.real_name} · {unit} — {person.sees}"
            )
