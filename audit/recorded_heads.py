"""The chain heads recorded outside the chains, gathered for ``selectors.audit_verify``: head rows,
checkpoint rows and files, anchors (TSA tokens and witness records, ``audit.anchoring``) and the lines of a
witness' file. Each becomes a ``Checkpoint`` of its chain, which the walk holds the events against; what is
wrong with a record itself (a token that does not verify, a row missing from the files) is a problem of
the log as a whole.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from .anchoring import heads_digest, heads_text
from .chain_walk import ChainBreak, Checkpoint
from .checkpoint_files import (
    FileAnchor,
    FileCheckpoint,
    checkpoint_dir,
    checkpoint_file_name,
    checkpoint_files_read,
)
from .models import AnchorKind, AuditAnchor, AuditChain, AuditCheckpoint
from .timestamps import token_problem, token_time


@dataclass
class Recorded:
    heads: dict[int | None, list[Checkpoint]] = field(default_factory=lambda: defaultdict(list))
    problems: list[ChainBreak] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)  # checkpoint file lines
    anchors: int = 0  # anchors that hold, TSA tokens and witness records
    head_rows: dict[int | None, int] = field(default_factory=dict)  # each chain row's head position
    _seen: set = field(default_factory=set)

    def add(self, owner: int | None, checkpoint: Checkpoint) -> None:
        # One anchor a tick repeats the heads of every chain that did not move: hold each once.
        key = (owner, checkpoint.seq, checkpoint.hash, checkpoint.kind)
        if checkpoint.kind == "checkpoint" or key not in self._seen:
            self._seen.add(key)
            self.heads[owner].append(checkpoint)


def recorded_heads(*, witness: Iterable[FileCheckpoint] = ()) -> Recorded:
    recorded = Recorded()
    for head in AuditChain.objects.all():
        recorded.head_rows[head.owner_unit_id] = head.head_seq
        if head.head_seq > 0:
            where = _("the chain's head row")
            recorded.add(head.owner_unit_id, Checkpoint(head.head_seq, head.head_hash, where))
    file_checkpoints: set[tuple] = set()
    file_anchors: list[FileAnchor] = []
    for entry in checkpoint_files_read():
        if isinstance(entry, FileAnchor):
            file_anchors.append(entry)
        elif entry.owner_unit_id == -1:
            recorded.unreadable.append(entry.where)
        else:
            file_checkpoints.add((entry.owner_unit_id, entry.seq, entry.hash))
            recorded.add(entry.owner_unit_id, Checkpoint(entry.seq, entry.hash, entry.where))
    for checkpoint in AuditCheckpoint.objects.select_related("chain").order_by("id"):
        owner, where = checkpoint.chain.owner_unit_id, _("checkpoint row %(id)s") % {"id": checkpoint.pk}
        recorded.add(owner, Checkpoint(checkpoint.seq, checkpoint.hash, where))
        if (owner, checkpoint.seq, checkpoint.hash) not in file_checkpoints:
            recorded.problems.append(_file_missing(where, checkpoint.created_at))
    _anchors(recorded, file_anchors)
    for entry in witness:
        if entry.owner_unit_id == -1:
            message = _("Witness line %(where)s cannot be read.") % {"where": entry.where}
            recorded.problems.append(ChainBreak("witness", message))
        else:
            where = _("the witness (%(where)s)") % {"where": entry.where}
            recorded.add(entry.owner_unit_id, Checkpoint(entry.seq, entry.hash, where, "witness"))
    return recorded


def _file_missing(where: str, created_at) -> ChainBreak:
    name = checkpoint_file_name(created_at)
    if (checkpoint_dir() / name).is_file():
        message = _("%(where)s is missing from the checkpoint file %(file)s: the file was rewritten.")
    else:
        message = _("The checkpoint file %(file)s of %(where)s is missing: it was deleted.")
    return ChainBreak("checkpoint-file", message % {"where": where, "file": name})


def _anchors(recorded: Recorded, file_anchors: list[FileAnchor]) -> None:
    """Every anchor of the rows and the files, once each; a row's must be in the files too."""
    in_files = {(anchor.kind, anchor.digest, anchor.token) for anchor in file_anchors}
    rows = AuditAnchor.objects.filter(error="").order_by("id")
    anchors: dict[tuple, tuple[list[dict], str]] = {}
    for row in rows:
        key = (row.kind, row.digest, bytes(row.token))
        where = _("anchor row %(id)s") % {"id": row.pk}
        anchors.setdefault(key, (row.heads, where))
        if key not in in_files:
            recorded.problems.append(_file_missing(where, row.created_at))
    for anchor in file_anchors:
        anchors.setdefault((anchor.kind, anchor.digest, anchor.token), (anchor.heads, anchor.where))
    for (kind, digest, token), (heads, where) in anchors.items():
        problem = _anchor_problem(kind, digest, token, heads)
        if problem:
            message = _("%(where)s does not hold: %(problem)s.") % {"where": where, "problem": problem}
            recorded.problems.append(ChainBreak("anchor", message))
            continue
        recorded.anchors += 1
        if kind == AnchorKind.TSA:
            time = timezone.localtime(token_time(token))
            label = _("the TSA's timestamp of %(time)s (%(where)s)") % {
                "time": f"{time:%Y-%m-%d %H:%M:%S}",
                "where": where,
            }
        else:
            label = _("the head sent to a witness (%(where)s)") % {"where": where}
        held = "anchor" if kind == AnchorKind.TSA else "witness"
        for head in heads:
            recorded.add(head["owner_unit"], Checkpoint(int(head["seq"]), head["hash"], label, held))


def _anchor_problem(kind: str, digest: str, token: bytes, heads: list[dict]) -> str | None:
    try:
        if heads_digest(heads) != digest:
            return _("its heads are not those its digest was taken of")
    except (KeyError, TypeError, ValueError):
        return _("its heads cannot be read")
    if kind == AnchorKind.TSA:
        return token_problem(token=token, message=heads_text(heads))
    return None
