"""Walking the hash chains for ``audit_verify`` (Q8.4, F24).

All chains are walked in one pass over the event table in id order, each event handed to its chain's
walk. Chains interleave in the table, so walking them one by one re-read nearly every page once per chain
(75 chains over a million events: 42 s of reading alone). The sealer gives out positions in id order,
but an event whose transaction committed late can be sealed after a later id: a walk holds such events
until the positions before them arrive. A chain whose held events pile up past REORDER_LIMIT (a
position really missing early in a long chain) is walked again alone, in position order, which reports
its first broken link exactly as the pass would.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from django.db import connection
from django.db.models import BigIntegerField, CharField, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from .archive_verify import chain_hash
from .models import CANONICAL_FIELDS, GENESIS_HASH, AuditEvent, canonical_content

REORDER_LIMIT = 50_000


@dataclass(frozen=True)
class ChainBreak:
    """The first thing wrong in a chain. ``kind``: missing, link, content, truncated, or the kind of the
    record the chain disagrees with: checkpoint, anchor (a TSA's timestamp), witness; head (the head row
    moved back behind the sealed events: ``selectors``). For the log as a
    whole: anchor (a token that does not verify), checkpoint-file (a row missing from the files), witness
    (a witness' line that cannot be read)."""

    kind: str
    message: str
    event_id: int | None = None
    seq: int | None = None


@dataclass(frozen=True)
class Checkpoint:
    """A head recorded somewhere: a checkpoint, a head row, an anchor or a witness (``kind``)."""

    seq: int
    hash: str
    where: str
    kind: str = "checkpoint"


@dataclass
class ChainReport:
    owner_unit_id: int | None
    owner_name: str
    verified: int = 0  # events whose link and content hold, from the first on
    unsealed: int = 0
    checkpoints: int = 0
    head_hash: str = GENESIS_HASH
    broken: ChainBreak | None = None

    @property
    def ok(self) -> bool:
        return self.broken is None


_SEALED_ROW = ("id", "chain_seq", "prev_hash", "hash", *CANONICAL_FIELDS)


class _SealedRow(NamedTuple("_SealedRow", [(name, Any) for name in _SEALED_ROW])):  # type: ignore[misc]
    # The fields are built from CANONICAL_FIELDS at import, which mypy cannot read: the ones read here.
    if TYPE_CHECKING:
        id: int
        chain_seq: int
        prev_hash: str
        hash: str
        owner_unit_id: int | None

    @property
    def pk(self) -> int:
        return self.id


# PostgreSQL writes the time in the canonical form itself (``canonical_content``: UTC, microseconds):
# Django's timestamptz loader parses in Python, about 20 µs an event, a fifth of the whole walk.
_CANONICAL_TIME = RawSQL(
    """to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')""",
    [],
    output_field=CharField(),
)


def _sealed_rows(events: QuerySet) -> QuerySet:
    if connection.vendor != "postgresql":
        return events.values_list(*_SEALED_ROW)
    fields = ["occurred_at_text" if name == "occurred_at" else name for name in _SEALED_ROW]
    return events.annotate(occurred_at_text=_CANONICAL_TIME).values_list(*fields)


@dataclass
class _Walk:
    chain: ChainReport
    recorded: list[Checkpoint]
    at_seq: dict[int, list[Checkpoint]] = field(default_factory=lambda: defaultdict(list))
    held: dict[int, _SealedRow] = field(default_factory=dict)
    alone: bool = False  # to be walked again by itself

    def __post_init__(self) -> None:
        for checkpoint in self.recorded:
            self.at_seq[checkpoint.seq].append(checkpoint)
        self.chain.checkpoints = len(self.recorded)


def chains_walk(chains: list[ChainReport], recorded: dict[int | None, list[Checkpoint]]) -> None:
    """Verify every chain from where it starts (``verified``, ``head_hash``: 0 and genesis, or the
    archived head), set ``verified``, ``head_hash`` and the first ``broken`` link of each."""
    walks = {chain.owner_unit_id: _Walk(chain, recorded[chain.owner_unit_id]) for chain in chains}
    walk: _Walk | None
    for walk in walks.values():
        walk.chain.broken = _archived_head_break(walk)
    sealed = _sealed_rows(AuditEvent.objects.filter(chain_seq__isnull=False).order_by("id"))
    for event in map(_SealedRow._make, sealed.iterator(chunk_size=5000)):
        walk = walks.get(event.owner_unit_id)
        if walk is None or walk.chain.broken or walk.alone:
            continue  # (no walk: a chain sealed for the first time since the heads were read)
        if event.chain_seq in walk.held:
            walk.chain.broken = _twice(event)
            continue
        walk.held[event.chain_seq] = event
        _advance(walk)
        if len(walk.held) > REORDER_LIMIT:
            walk.alone, walk.held = True, {}
    for walk in walks.values():
        if walk.alone:
            _walk_alone(walk)
        elif walk.held and not walk.chain.broken:
            first = walk.held[min(walk.held)]
            walk.chain.broken = _link_break(walk.chain, first)
        if not walk.chain.broken:
            walk.chain.broken = _truncated_break(walk)


def _advance(walk: _Walk) -> None:
    chain = walk.chain
    while (event := walk.held.pop(chain.verified + 1, None)) is not None:
        chain.broken = _link_break(chain, event) or _checkpoint_break(
            event, walk.at_seq.get(event.chain_seq, [])
        )
        if chain.broken:
            walk.held.clear()
            return
        chain.verified, chain.head_hash = event.chain_seq, event.hash
    if walk.held and min(walk.held) <= chain.verified:  # a position given out twice
        chain.broken = _twice(walk.held[min(walk.held)])
        walk.held.clear()


def _twice(event: _SealedRow) -> ChainBreak:
    message = _("Position %(seq)s appears twice in the chain.")
    return ChainBreak("link", message % {"seq": event.chain_seq}, event.pk, event.chain_seq)


def _walk_alone(walk: _Walk) -> None:
    """The chain by itself in position order, from where the pass left it."""
    chain = walk.chain
    # The chain's owner as the one-event-per-position unique index has it (NULL, the platform, as 0), so
    # that each partition's index gives the events in chain order.
    events = AuditEvent.objects.alias(
        chain_owner=Coalesce("owner_unit", Value(0), output_field=BigIntegerField())
    ).filter(chain_owner=chain.owner_unit_id or 0, chain_seq__gt=chain.verified)
    rows = _sealed_rows(events.order_by("chain_seq")).iterator(chunk_size=5000)
    for event in map(_SealedRow._make, rows):
        chain.broken = _link_break(chain, event) or _checkpoint_break(
            event, walk.at_seq.get(event.chain_seq, [])
        )
        if chain.broken:
            return
        chain.verified, chain.head_hash = event.chain_seq, event.hash


def _archived_head_break(walk: _Walk) -> ChainBreak | None:
    """A checkpoint at the archived head holds it against the archive."""
    chain = walk.chain
    for checkpoint in walk.at_seq.get(chain.verified, []) if chain.verified else []:
        if checkpoint.hash != chain.head_hash:
            message = _("%(where)s recorded another hash at this position: the history was rewritten.")
            return ChainBreak(checkpoint.kind, message % {"where": checkpoint.where}, seq=chain.verified)
    return None


def _truncated_break(walk: _Walk) -> ChainBreak | None:
    chain = walk.chain
    beyond = [checkpoint for checkpoint in walk.recorded if checkpoint.seq > chain.verified]
    if not beyond:
        return None
    last = max(beyond, key=lambda checkpoint: checkpoint.seq)
    message = _(
        "The chain ends at position %(end)s, but %(where)s recorded position %(seq)s: events were removed."
    )
    return ChainBreak(
        "truncated", message % {"end": chain.verified, "where": last.where, "seq": last.seq}, seq=last.seq
    )


def _link_break(chain: ChainReport, event: _SealedRow) -> ChainBreak | None:
    expected = chain.verified + 1
    if event.chain_seq != expected:
        message = _("Position %(expected)s is missing: the next sealed event is at position %(seq)s.")
        return ChainBreak(
            "missing", message % {"expected": expected, "seq": event.chain_seq}, event.pk, expected
        )
    if event.prev_hash != chain.head_hash:
        message = _("The event does not point to its predecessor's hash.")
        return ChainBreak("link", message, event.pk, event.chain_seq)
    if chain_hash(event.prev_hash, canonical_content(event._asdict())) != event.hash:
        message = _("The event's content no longer matches its hash: it was changed after sealing.")
        return ChainBreak("content", message, event.pk, event.chain_seq)
    return None


def _checkpoint_break(event: _SealedRow, checkpoints: list[Checkpoint]) -> ChainBreak | None:
    for checkpoint in checkpoints:
        if checkpoint.hash != event.hash:
            message = _("%(where)s recorded another hash at this position: the history was rewritten.")
            return ChainBreak(
                checkpoint.kind, message % {"where": checkpoint.where}, event.pk, event.chain_seq
            )
    return None
