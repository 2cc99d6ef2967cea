from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connection

from dataplatform.core.db_roles import owner_configured, owner_connection
from dataplatform.core.errors import ApplicationError
from operations.app_role import app_role_grant


class Command(BaseCommand):
    help = (
        "As the owner of the tables (DATABASE_OWNER_URL), create the application's database role if missing "
        "and grant it exactly what web, worker and beat need (operations/app_role.py). Run after every "
        "migrate; idempotent. PostgreSQL only."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--role",
            help="the role's name (default: the user of DATABASE_URL, with its password, "
            "when DATABASE_OWNER_URL is set); without a password it logs in by trust, peer or certificate",
        )
        parser.add_argument("--nologin", action="store_true", help="a group role, granted to login roles")

    def handle(self, *args, role: str | None, nologin: bool, **options) -> None:
        if connection.vendor != "postgresql":
            self.stdout.write("The database is not PostgreSQL: there are no roles to grant.")
            return
        application = settings.DATABASES[DEFAULT_DB_ALIAS]
        password = ""
        if role is None:
            if not owner_configured():
                raise CommandError(
                    "Name the role (--role), or set DATABASE_OWNER_URL to the owner's connection."
                )
            role, password = application["USER"], application.get("PASSWORD") or ""
        elif role == application.get("USER"):
            password = application.get("PASSWORD") or ""
        with owner_connection():
            try:
                app_role_grant(role=role, password=password, login=not nologin)
            except ApplicationError as error:
                raise CommandError(str(error)) from error
        self.stdout.write(f"Granted the application's privileges to {role}.")
