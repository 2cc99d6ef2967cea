"""Reads over the audit log: verification of the hash chains (Q8.4, F24)."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from dataplatform.core.models import Unit

from .archive_verify import heads_by_owner
from .chain_walk import ChainBreak, ChainReport, Checkpoint, chains_walk
from .checkpoint_files import FileCheckpoint
from .models import AuditArchive, AuditEvent
from .recorded_heads import recorded_heads

__all__ = ["ChainBreak", "ChainReport", "Checkpoint", "VerifyReport", "audit_verify"]

# Longer than any sealing transaction takes to commit (audit.services._seal_batch, 500 events).
SEALING_MARGIN = timedelta(minutes=5)


@dataclass
class VerifyReport:
    checked_at: datetime
    chains: list[ChainReport] = field(default_factory=list)
    unreadable_checkpoints: list[str] = field(default_factory=list)
    # The log's own: anchors that do not verify, rows missing from the checkpoint files, witness lines.
    problems: list[ChainBreak] = field(default_factory=list)
    anchors: int = 0  # anchors that hold

    @property
    def ok(self) -> bool:
        return (
            not self.unreadable_checkpoints and not self.problems and all(chain.ok for chain in self.chains)
        )


def audit_verify(*, witness: Iterable[FileCheckpoint] = ()) -> VerifyReport:
    """Recompute every chain from its first event; stop each at its first broken or missing link, and
    hold it against the chain heads recorded earlier (head rows, checkpoint rows and files, anchors, and
    the ``witness`` lines given: ``checkpoint_files.witness_file_read``)."""
    report = VerifyReport(checked_at=timezone.now())
    # Heads and checkpoints are read before the events: a sealer running meanwhile only adds events
    # after them, never makes a recorded head look lost.
    gathered = recorded_heads(witness=witness)
    recorded = gathered.heads
    report.unreadable_checkpoints, report.problems, report.anchors = (
        gathered.unreadable,
        gathered.problems,
        gathered.anchors,
    )
    unsealed: dict[int | None, int] = dict(
        AuditEvent.objects.filter(sealed_at__isnull=True)
        .order_by()
        .values("owner_unit_id")
        .annotate(n=Count("id"))
        .values_list("owner_unit_id", "n")
    )
    sealed_owners = AuditEvent.objects.filter(sealed_at__isnull=False).order_by().values_list("owner_unit_id")
    owners = set(recorded) | set(unsealed) | {owner for (owner,) in sealed_owners.distinct()}
    names: dict[int | None, str] = dict(
        Unit.objects.filter(pk__in=[o for o in owners if o is not None]).values_list("pk", "name")
    )
    archived = _archived_heads()
    owners |= set(archived)
    for owner in sorted(owners, key=lambda o: (o is not None, names.get(o, ""), o or 0)):
        name = _("Platform") if owner is None else names.get(owner, _("unit %(id)s") % {"id": owner})
        chain = ChainReport(owner_unit_id=owner, owner_name=name, unsealed=unsealed.get(owner, 0))
        if owner in archived:  # the chain's start is in the archive files; the database goes on from there
            chain.verified, chain.head_hash = archived[owner]
        report.chains.append(chain)
    chains_walk(report.chains, recorded)
    _head_rows_behind(report.chains, gathered.head_rows, sealed_before=report.checked_at - SEALING_MARGIN)
    return report


def _head_rows_behind(
    chains: list[ChainReport], head_rows: dict[int | None, int], *, sealed_before: datetime
) -> None:
    """A head row behind its chain's sealed events was moved back (the application's role may UPDATE the
    head columns: audit.privileges). Nothing sealed changes, but the sealer then gives out a position again
    and fails on it for good (or forks the chain across partitions), so every later event of the chain
    stays unsealed. Only events sealed well before the heads were read count: a sealer that committed
    meanwhile moved the row legitimately after it was read."""
    for chain in chains:
        head = head_rows.get(chain.owner_unit_id)
        if chain.broken or head is None or chain.verified <= head:
            continue
        after = AuditEvent.objects.filter(
            owner_unit=chain.owner_unit_id, chain_seq=head + 1, sealed_at__lt=sealed_before
        )
        if after.exists():
            message = _(
                "The chain's head row is at position %(head)s, but events are sealed up to position "
                "%(end)s: the head was moved back, and this chain's new events cannot be sealed."
            )
            chain.broken = ChainBreak("head", message % {"head": head, "end": chain.verified}, seq=head + 1)


def _archived_heads() -> dict[int | None, tuple[int, str]]:
    """Where each archived chain ends: the latest archive's heads (Q8.4 retention; ``audit.archive``)."""
    latest = AuditArchive.objects.order_by("-range_start", "-id").first()
    return heads_by_owner(latest.heads) if latest else {}
