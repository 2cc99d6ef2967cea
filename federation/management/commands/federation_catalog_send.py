from django.core.management.base import BaseCommand, CommandError

from federation.cascade import catalog_send_all
from federation.models import Peer


class Command(BaseCommand):
    help = (
        "Queue this node's shared catalog (every entry shared with all government units) to an upper or lower "
        "peer again. The peer keeps an entry once per version, so a resend changes nothing there."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("node_id", help="the peer's node id, e.g. fj-350000")

    def handle(self, *args, node_id: str, **options) -> None:
        peer = Peer.objects.filter(node_id=node_id).first()
        if peer is None:
            raise CommandError(f"No peer {node_id!r}: add it first (federation_peer_add).")
        if peer.relation not in ("upper", "lower"):
            raise CommandError(
                f"{node_id} is of this node's level: the catalog goes to upper and lower nodes only."
            )
        sent = catalog_send_all(peer)
        if sent == 0 and not self._federation_on():
            raise CommandError("NODE_ID is empty: federation is off, nothing is sent.")
        self.stdout.write(f"{sent} catalog entries queued to {peer.node_id}.")

    @staticmethod
    def _federation_on() -> bool:
        from django.conf import settings

        return bool(settings.NODE_ID)
