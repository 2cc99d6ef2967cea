import signal
import time

from django.core.management.base import BaseCommand
from django.db.models import Q
from django.utils import timezone

from federation.models import OutboxMessage, OutboxStatus, Peer, PeerStatus
from federation.outbox import outbox_deliver_peer


class Command(BaseCommand):
    help = (
        "Deliver the outbox to every active peer in this process, without Celery: once (--once), or every "
        "--tick seconds until stopped. Peers backing off after failures wait their turn unless --retry-now."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--once", action="store_true", help="one delivery pass, then stop")
        parser.add_argument("--tick", type=float, default=10.0, help="seconds between passes")
        parser.add_argument(
            "--retry-now",
            action="store_true",
            help="clear the back-off first: the operator has fixed what made deliveries fail",
        )

    def handle(self, *args, once: bool, tick: float, retry_now: bool, **options) -> None:
        if retry_now:
            self._clear_back_off()
        stopping = False

        def stop(*_) -> None:
            nonlocal stopping
            stopping = True

        if not once:
            signal.signal(signal.SIGTERM, stop)
            signal.signal(signal.SIGINT, stop)
        while not stopping:
            self._pass()
            if once:
                return
            time.sleep(tick)

    def _pass(self) -> None:
        # Synchronously, peer by peer: the same claim (lease, back-off) as the workers' deliver_peer task, so
        # running beside them sends nothing twice.
        delivered = 0
        for peer in Peer.objects.filter(status=PeerStatus.ACTIVE).order_by("node_id"):
            sent = outbox_deliver_peer(peer.pk)
            delivered += sent
            peer.refresh_from_db()
            problem = f" (failures {peer.failures}: {peer.last_error})" if peer.failures else ""
            self.stdout.write(f"{peer.node_id}: {sent} delivered{problem}")
        self.stdout.write(f"Delivered {delivered} message(s).")

    def _clear_back_off(self) -> None:
        now = timezone.now()
        Peer.objects.filter(status=PeerStatus.ACTIVE, next_attempt_at__gt=now).update(next_attempt_at=None)
        OutboxMessage.objects.filter(
            Q(next_attempt_at__gt=now), status=OutboxStatus.PENDING, peer__status=PeerStatus.ACTIVE
        ).update(next_attempt_at=None)
