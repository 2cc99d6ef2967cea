"""``migrate`` as the owner of the tables when DATABASE_OWNER_URL is set (dataplatform/core/db_roles.py):
the tables it creates are the owner's, and the application's role can never alter or drop them."""

from django.core.management.commands import migrate
from django.db import DEFAULT_DB_ALIAS

from dataplatform.core.db_roles import owner_connection


class Command(migrate.Command):
    def handle(self, *args, **options) -> None:
        if options["database"] != DEFAULT_DB_ALIAS:  # another alias: as it is configured
            super().handle(*args, **options)
            return
        with owner_connection():
            super().handle(*args, **options)
