"""Reads on peers: each peer's state for the federation page, the status command and the supervision tile."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from .models import LEVEL_RANK, InboxMessage, InboxStatus, OutboxMessage, OutboxStatus, Peer, PeerStatus


@dataclass(frozen=True)
class PeerState:
    peer: Peer
    backlog: int  # pending outbox rows
    oldest_pending_at: dt.datetime | None
    parked: int  # inbox rows waiting for an earlier seq
    last_contact_at: dt.datetime | None
    last_error: str

    @property
    def down(self) -> bool:
        """Active but failing: its last attempt failed and it is backing off."""
        return self.peer.status == PeerStatus.ACTIVE and self.peer.failures > 0


def peer_state(peer: Peer) -> PeerState:
    """One peer's state (its page, its API answer): the same query, for its row only."""
    (state,) = peer_states(pk=peer.pk)
    return state


def peer_states(*, pk: int | None = None) -> list[PeerState]:
    """Every peer (or the one ``pk``), upper levels first, with its backlog and parked rows.

    Subqueries rather than joined aggregates: joining both the outbox and the inbox would multiply a long
    backlog by the parked rows before counting.
    """
    pending = OutboxMessage.objects.filter(peer=OuterRef("pk"), status=OutboxStatus.PENDING)
    parked = InboxMessage.objects.filter(peer=OuterRef("pk"), status=InboxStatus.PARKED)
    peers = Peer.objects.select_related("unit").annotate(
        backlog=Coalesce(_count(pending), 0),
        oldest_pending_at=Subquery(pending.order_by("created_at").values("created_at")[:1]),
        parked=Coalesce(_count(parked), 0),
    )
    if pk is not None:
        peers = peers.filter(pk=pk)
    states = [
        PeerState(
            peer=peer,
            backlog=peer.backlog,
            oldest_pending_at=peer.oldest_pending_at,
            parked=peer.parked,
            last_contact_at=peer.last_contact_at,
            last_error=peer.last_error,
        )
        for peer in peers
    ]
    return sorted(states, key=lambda state: (LEVEL_RANK.get(state.peer.level, 9), state.peer.node_id))


def _count(rows: QuerySet) -> Subquery:
    return Subquery(rows.order_by().values("peer").annotate(n=Count("pk")).values("n"))


@dataclass(frozen=True)
class FederationSummary:
    """The supervision tile: how many peers, how many down, the total backlog and its oldest row."""

    peers: int
    down: int
    suspended: int
    backlog: int
    oldest_pending_at: dt.datetime | None


def federation_summary(states: list[PeerState] | None = None) -> FederationSummary:
    states = peer_states() if states is None else states
    oldest = [state.oldest_pending_at for state in states if state.oldest_pending_at is not None]
    return FederationSummary(
        peers=len(states),
        down=sum(state.down for state in states),
        suspended=sum(state.peer.status == PeerStatus.SUSPENDED for state in states),
        backlog=sum(state.backlog for state in states),
        oldest_pending_at=min(oldest) if oldest else None,
    )


def peer_messages(*, peer: Peer, limit: int = 10) -> dict[str, list]:
    """The latest messages each way, newest first, for the peer's page."""
    return {
        "outbox": list(OutboxMessage.objects.filter(peer=peer).order_by("-created_at")[:limit]),
        "inbox": list(InboxMessage.objects.filter(peer=peer).order_by("-received_at")[:limit]),
    }
