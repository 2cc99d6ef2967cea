"""Anchors: the audit chains' heads held where the platform's own servers cannot rewrite them (Q8.4
不可篡改; issue 18, item 4).

The hash chains (``services.audit_seal``) carry no key: whoever can write the database can recompute them.
Checkpoint rows and files only help against someone who cannot reach them. So the heads also go outside:

- to a timestamp authority (RFC 3161, ``AUDIT_TSA_URL``): every checkpoint tick, the digest of all chains'
  heads (``heads_text``) is timestamped; the TSA signs "this digest existed at this time" with a key the
  platform never holds. The token is kept as an ``AuditAnchor`` row and a checkpoint file line;
- to the producing units (witnesses): each usage log push carries the unit's chain head (``usage``), which
  the unit keeps; ``verify_audit --witness FILE`` holds the chain against what a unit kept.

Who can do what:
- the application's database role inserts events and seals them: the triggers (migrations 0004, 0012) let an
  event be sealed once, whole, and refuse every other UPDATE and every DELETE, of events, checkpoints and
  anchors; a chain's head only moves forward (0013). It cannot change an event, sealed or not, nor remove
  one, nor move a head back.
- the database owner (or a superuser, or whoever holds the servers) can lift the triggers and rewrite
  anything the platform holds: events, chain heads, checkpoint rows and files, anchor rows. What it cannot
  do is make a TSA sign heads it did not hold at the time, nor change what a unit already received. So
  ``verify_audit`` catches any event changed, removed or re-hashed at or before a position an anchor holds,
  and a chain cut short below one ("truncated"). An anchor the owner deletes everywhere (row and file)
  proves nothing: copy the checkpoint files off the machine (the backups do), as the units keep theirs.
  What stays open to the owner: an event changed or removed before it was sealed, with the triggers lifted
  (nothing had hashed it yet), and a tail cut after the newest anchor that left the machine (at most one
  checkpoint interval, ten minutes; shorten ``write-audit-checkpoints`` to narrow it).
- a TSA can date and sign, nothing more: it sees only a digest, never an event. A dishonest TSA could sign a
  forger's heads; with ``AUDIT_TSA_CA_FILE`` only tokens from a certificate under that CA count.

A TSA outage never holds up sealing or checkpointing: the anchor is asked for after the checkpoint is
written, a failure is recorded (an ``AuditAnchor`` with its ``error``), counted in ``/metrics`` and tried
again at the next tick.
"""

import hashlib
import logging
from collections.abc import Iterable

from django.conf import settings
from django.utils import timezone

from .checkpoint_files import anchor_file_append
from .models import AnchorKind, AuditAnchor, AuditChain
from .timestamps import DEFAULT_TIMEOUT, timestamp_request

logger = logging.getLogger(__name__)


def heads_current() -> list[dict]:
    """Every chain's head now, as anchors and archives record heads."""
    chains = AuditChain.objects.filter(head_seq__gt=0).order_by("id")
    return [{"owner_unit": c.owner_unit_id, "seq": c.head_seq, "hash": c.head_hash} for c in chains]


def heads_text(heads: Iterable[dict]) -> bytes:
    """What a TSA timestamps: one ``owner:seq:hash`` line per chain, sorted, the platform's chain as owner
    0. Written out so that an auditor recomputes it with ``sort`` and ``sha256sum``."""
    lines = sorted(f"{head['owner_unit'] or 0}:{int(head['seq'])}:{head['hash']}" for head in heads)
    return "\n".join(lines).encode()


def heads_digest(heads: Iterable[dict]) -> str:
    return hashlib.sha256(heads_text(heads)).hexdigest()


def audit_anchor_tsa() -> AuditAnchor | None:
    """Timestamp the chain heads at the TSA, if they moved since the last token; never raises for the TSA.

    Called by the checkpoint timer after the checkpoints are written. Returns the anchor written (a token,
    or a failure with its ``error``), or None when anchoring is off or nothing moved.
    """
    url = getattr(settings, "AUDIT_TSA_URL", "")
    heads = heads_current()
    if not url or not heads:
        return None
    digest = heads_digest(heads)
    last = AuditAnchor.objects.filter(kind=AnchorKind.TSA, error="").order_by("-created_at", "-id").first()
    if last is not None and last.digest == digest:
        return None
    anchor = AuditAnchor(kind=AnchorKind.TSA, heads=heads, digest=digest, where=url[:500])
    try:
        timeout = getattr(settings, "AUDIT_TSA_TIMEOUT", DEFAULT_TIMEOUT)
        anchor.token = timestamp_request(url=url, message=heads_text(heads), timeout=timeout)
    except Exception as error:  # noqa: BLE001 (any TSA or network failure: recorded, retried next tick)
        logger.warning("Audit anchoring at %s failed: %r", url, error)
        anchor.error = repr(error)[:500] or "error"
        anchor.save()
        return anchor
    anchor.created_at = timezone.now()
    anchor_file_append(anchor)  # the file first, as for checkpoints: the row must not run ahead of it
    anchor.save()
    return anchor


def audit_anchor_witness(*, head: dict, where: str) -> AuditAnchor:
    """Record that a producing unit received its chain's ``head`` (its usage log push to ``where``)."""
    anchor = AuditAnchor(
        kind=AnchorKind.WITNESS, heads=[head], digest=heads_digest([head]), where=where[:500]
    )
    anchor_file_append(anchor)
    anchor.save()
    return anchor


def anchor_failures() -> int:
    """TSA attempts that failed since the last token (what an operator must look at when it grows)."""
    anchors = AuditAnchor.objects.filter(kind=AnchorKind.TSA)
    last = (
        anchors.filter(error="").order_by("-created_at", "-id").values_list("created_at", flat=True).first()
    )
    failed = anchors.exclude(error="")
    return (failed.filter(created_at__gt=last) if last else failed).count()
