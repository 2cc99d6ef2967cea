from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from audit.services import audit_record
from dataplatform.core.audit_actions import AuditAction
from federation.node import fingerprint, generate_key_file


class Command(BaseCommand):
    help = (
        "Make this node's Ed25519 key pair: the private key goes to NODE_KEY_FILE (mode 0600), the public "
        "key and its fingerprint are printed for the peers' administrators to confirm."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--force", action="store_true", help="replace an existing key (every peer must then be told)"
        )

    def handle(self, *args, force: bool, **options) -> None:
        path = Path(settings.NODE_KEY_FILE)
        with transaction.atomic():
            try:
                public = generate_key_file(path, force=force)
            except FileExistsError as exc:
                raise CommandError(f"{exc} Peers trust the present key.") from exc
            audit_record(
                action=AuditAction.FEDERATION_KEY_GENERATE,
                detail={
                    "node_id": settings.NODE_ID,
                    "public_key": public,
                    "fingerprint": fingerprint(public),
                    "replaced": force,
                },
            )
        self.stdout.write(f"Private key: {path}")
        self.stdout.write(f"Public key:  {public}")
        self.stdout.write(f"Fingerprint: {fingerprint(public)}")
