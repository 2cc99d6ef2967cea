from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from federation.models import NodeLevel, Peer
from federation.node import fingerprint, fingerprints_match
from federation.peers import peer_save

FIELDS = ("node_id", "name", "url", "level", "region", "public_key")


class Command(BaseCommand):
    help = (
        "Trust another node: give its identity and public key, or --fetch its /federation/v1/node/ and confirm "
        "the fingerprint its administrator read to you (--fingerprint). A known node id is updated."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--fetch", metavar="URL", help="the node's base URL: read its identity from it")
        parser.add_argument("--fingerprint", help="the fingerprint confirmed out of band (with --fetch)")
        parser.add_argument("--node-id")
        parser.add_argument("--name")
        parser.add_argument("--url", help="the base URL this node posts to (default: the node's own)")
        parser.add_argument("--level", choices=NodeLevel.values)
        parser.add_argument("--region", help="its 6-digit division code")
        parser.add_argument("--public-key", help="raw Ed25519 public key, base64 (44 characters)")

    def handle(self, *args, fetch: str | None, **options) -> None:
        fields = self._fetched(fetch, options["fingerprint"]) if fetch else {}
        # What is given on the command line wins over what the node says of itself.
        fields.update({name: options[name] for name in FIELDS if options.get(name)})
        fields.setdefault("name", fields.get("node_id", ""))
        missing = [name for name in FIELDS if not fields.get(name)]
        if missing:
            raise CommandError(f"Missing: {', '.join('--' + name.replace('_', '-') for name in missing)}.")
        fields["url"] = fields["url"].rstrip("/")
        if fields["node_id"] == settings.NODE_ID:
            raise CommandError(f"{fields['node_id']} is this node's own id.")
        peer = Peer.objects.filter(node_id=fields["node_id"]).first()
        try:
            peer = peer_save(actor=None, peer=peer, **fields)
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Peer {peer.node_id} ({peer.level} {peer.region}, {peer.relation}) at {peer.url}, "
                f"key {fingerprint(peer.public_key)}."
            )
        )

    def _fetched(self, base: str, confirmed: str | None) -> dict:
        """The node's own account of itself, trusted only when its key has the confirmed fingerprint."""
        if urlsplit(base).scheme not in ("http", "https"):
            raise CommandError(f"--fetch needs an http(s) address: {base!r}")
        address = base.rstrip("/") + "/federation/v1/node/"
        try:
            answer = requests.get(address, timeout=settings.FEDERATION["TIMEOUT"])
            answer.raise_for_status()
            info = answer.json()
            fields = {name: str(info[name]) for name in FIELDS}
            found = fingerprint(fields["public_key"])
        except (requests.RequestException, ValueError, KeyError, TypeError) as exc:
            raise CommandError(f"Could not read the node at {address}: {exc!r}") from exc
        self.stdout.write(f"{fields['node_id']} ({fields['name']}) says its key's fingerprint is {found}.")
        if not confirmed:
            raise CommandError(
                "Confirm this fingerprint with the node's administrator (by telephone, not by e-mail), "
                "then run again with --fingerprint."
            )
        if not fingerprints_match(confirmed, fields["public_key"]):
            raise CommandError(
                f"The key's fingerprint is {found}, not {confirmed}: the address or the key is not the "
                "node's. Nothing was saved."
            )
        return fields
