"""Reads over the audit log: verification of the hash chains (Q8.4, F24)."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from dataplatform.core.models import Unit

from .checkpoint_files import checkpoint_files_read
from .models import GENESIS_HASH, AuditChain, AuditCheckpoint, AuditEvent
from .services import event_hash


@dataclass(frozen=True)
class ChainBreak:
    """The first thing wrong in a chain. ``kind``: missing, link, content, checkpoint, truncated."""

    kind: str
    message: str
    event_id: int | None = None
    seq: int | None = None


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    where: str


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
    for chain in AuditChain.objects.filter(head_seq__gt=0):
        recorded[chain.owner_unit_id].append(
            Checkpoint(chain.head_seq, chain.head_hash, _("the chain's head row"))
        )
    for checkpoint in AuditCheckpoint.objects.select_related("chain").order_by("id"):
        where = _("checkpoint row %(id)s") % {"id": checkpoint.pk}
        recorded[checkpoint.chain.owner_unit_id].append(Checkpoint(checkpoint.seq, checkpoint.hash, where))
    for entry in checkpoint_files_read():
        if entry.owner_unit_id == -1:
            report.unreadable_checkpoints.append(entry.where)
        else:
            recorded[entry.owner_unit_id].append(Checkpoint(entry.seq, entry.hash, entry.where))
    unsealed = dict(
        AuditEvent.objects.filter(sealed_at__isnull=True)
        .order_by()
        .values("owner_unit_id")
        .annotate(n=Count("id"))
        .values_list("owner_unit_id", "n")
    )
    sealed_owners = AuditEvent.objects.filter(sealed_at__isnull=False).order_by().values_list("owner_unit_id")
    owners = set(recorded) | set(unsealed) | {owner for (owner,) in sealed_owners.distinct()}
    names = dict(Unit.objects.filter(pk__in=[o for o in owners if o is not None]).values_list("pk", "name"))
    for owner in sorted(owners, key=lambda o: (o is not None, names.get(o, ""), o or 0)):
        name = _("Platform") if owner is None else names.get(owner, _("unit %(id)s") % {"id": owner})
        chain = ChainReport(owner_unit_id=owner, owner_name=name, unsealed=unsealed.get(owner, 0))
        _verify_chain(chain, recorded[owner])
        report.chains.append(chain)
    return report


def _verify_chain(chain: ChainReport, recorded: list[Checkpoint]) -> None:
    at_seq: dict[int, list[Checkpoint]] = defaultdict(list)
    for checkpoint in recorded:
        at_seq[checkpoint.seq].append(checkpoint)
    chain.checkpoints = len(recorded)
    events = AuditEvent.objects.filter(owner_unit_id=chain.owner_unit_id, chain_seq__isnull=False)
    for event in events.order_by("chain_seq").iterator(chunk_size=2000):
        chain.broken = _link_break(chain, event) or _checkpoint_break(event, at_seq.get(event.chain_seq, []))
        if chain.broken:
            return
        chain.verified, chain.head_hash = event.chain_seq, event.hash
    beyond = [checkpoint for checkpoint in recorded if checkpoint.seq > chain.verified]
    if beyond:
        last = max(beyond, key=lambda checkpoint: checkpoint.seq)
        message = _(
            "The chain ends at position %(end)s, but %(where)s recorded position %(seq)s: events were removed."
        )
        chain.broken = ChainBreak(
            "truncated", message % {"end": chain.verified, "where": last.where, "seq": last.seq}, seq=last.seq
        )


def _link_break(chain: ChainReport, event: AuditEvent) -> ChainBreak | None:
    expected = chain.verified + 1
    if event.chain_seq != expected:
        message = _("Position %(expected)s is missing: the next sealed event is at position %(seq)s.")
        return ChainBreak(
            "missing", message % {"expected": expected, "seq": event.chain_seq}, event.pk, expected
        )
    if event.prev_hash != chain.head_hash:
        message = _("The event does not point to its predecessor's hash.")
        return ChainBreak("link", message, event.pk, event.chain_seq)
    if event_hash(prev_hash=event.prev_hash, event=event) != event.hash:
        message = _("The event's content no longer matches its hash: it was changed after sealing.")
        return ChainBreak("content", message, event.pk, event.chain_seq)
    return None


def _checkpoint_break(event: AuditEvent, checkpoints: list[Checkpoint]) -> ChainBreak | None:
    for checkpoint in checkpoints:
        if checkpoint.hash != event.hash:
            message = _("%(where)s recorded another hash at this position: the history was rewritten.")
            return ChainBreak("checkpoint", message % {"where": checkpoint.where}, event.pk, event.chain_seq)
    return None
