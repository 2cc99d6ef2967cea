"""Reads over the audit log: verification of the hash chains (Q8.4, F24)."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from dataplatform.core.models import Unit

from .archive_verify import heads_by_owner
from .chain_walk import ChainBreak, ChainReport, Checkpoint, chains_walk
from .checkpoint_files import checkpoint_files_read
from .models import AuditArchive, AuditChain, AuditCheckpoint, AuditEvent

__all__ = ["ChainBreak", "ChainReport", "Checkpoint", "VerifyReport", "audit_verify"]


@dataclass
class VerifyReport:
    checked_at: datetime
    chains: list[ChainReport] = field(default_factory=list)
    unreadable_checkpoints: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.unreadable_checkpoints and all(chain.ok for chain in self.chains)


def audit_verify() -> VerifyReport:
    """Recompute every chain from its first event; stop each at its first broken or missing link, and
    hold it against the chain heads recorded earlier (head rows, checkpoint rows, checkpoint files)."""
    report = VerifyReport(checked_at=timezone.now())
    # Heads and checkpoints are read before the events: a sealer running meanwhile only adds events
    # after them, never makes a recorded head look lost.
    recorded: dict[int | None, list[Checkpoint]] = defaultdict(list)
    for head in AuditChain.objects.filter(head_seq__gt=0):
        recorded[head.owner_unit_id].append(
            Checkpoint(head.head_seq, head.head_hash, _("the chain's head row"))
        )
    for checkpoint in AuditCheckpoint.objects.select_related("chain").order_by("id"):
        where = _("checkpoint row %(id)s") % {"id": checkpoint.pk}
        recorded[checkpoint.chain.owner_unit_id].append(Checkpoint(checkpoint.seq, checkpoint.hash, where))
    for entry in checkpoint_files_read():
        if entry.owner_unit_id == -1:
            report.unreadable_checkpoints.append(entry.where)
        else:
            recorded[entry.owner_unit_id].append(Checkpoint(entry.seq, entry.hash, entry.where))
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
    return report


def _archived_heads() -> dict[int | None, tuple[int, str]]:
    """Where each archived chain ends: the latest archive's heads (Q8.4 retention; ``audit.archive``)."""
    latest = AuditArchive.objects.order_by("-range_start", "-id").first()
    return heads_by_owner(latest.heads) if latest else {}
