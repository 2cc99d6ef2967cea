from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from federation.node import this_node
from federation.selectors import PeerState, peer_states

COLUMNS = ("node", "level", "region", "status", "backlog", "oldest", "parked", "failures", "last contact")


class Command(BaseCommand):
    help = (
        "Each peer's state: backlog of undelivered messages, the oldest one's age, parked inbound messages, "
        "failures and the last error. Exits 1 when a peer is failing (for monitoring)."
    )

    def handle(self, *args, **options) -> None:
        node = this_node()
        self.stdout.write(
            f"This node: {node.node_id} ({node.level} {node.region}) at {node.url}"
            if node.node_id
            else "This node: NODE_ID is empty, federation is off."
        )
        states = peer_states()
        rows = [COLUMNS, *(self._row(state) for state in states)]
        widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
        for row in rows:
            self.stdout.write("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
        failing = [state for state in states if state.down]
        for state in failing:
            self.stderr.write(f"{state.peer.node_id}: {state.last_error}")
        if failing:
            raise CommandError(f"{len(failing)} peer(s) failing.", returncode=1)

    @staticmethod
    def _row(state: PeerState) -> tuple[str, ...]:
        peer = state.peer
        return (
            peer.node_id,
            peer.level,
            peer.region,
            peer.status,
            str(state.backlog),
            _age(state.oldest_pending_at),
            str(state.parked),
            str(peer.failures),
            timezone.localtime(state.last_contact_at).strftime("%Y-%m-%d %H:%M:%S")
            if state.last_contact_at
            else "never",
        )


def _age(moment) -> str:
    if moment is None:
        return "-"
    seconds = int((timezone.now() - moment).total_seconds())
    return (
        f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
        if seconds >= 3600
        else f"{seconds // 60}m{seconds % 60:02d}s"
    )
