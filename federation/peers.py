"""Writes on peers: the platform administrator adds, edits, suspends and resumes the nodes this node trusts.

Each change is audited in the same transaction. A suspended peer's requests are refused (``node_suspended``)
and nothing is delivered to it, but its outbox rows are still written, so resuming loses nothing.
"""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from audit.services import audit_record
from dataplatform.core.audit_actions import AuditAction
from dataplatform.core.errors import ApplicationError
from dataplatform.core.models import User

from .cascade import catalog_send_all
from .models import Peer, PeerStatus
from .open_sync import open_send_all

EDITABLE = ("node_id", "name", "url", "level", "region", "public_key", "unit")


def peer_save(*, actor: User | None, peer: Peer | None, **fields) -> Peer:
    """Create a peer (``peer=None``) or change one; audits ``peer_create`` or ``peer_change`` with what changed."""
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValueError(f"Not editable on a peer: {sorted(unknown)}")
    with transaction.atomic():
        creating = peer is None
        peer = Peer() if peer is None else Peer.objects.select_for_update().get(pk=peer.pk)
        changed = {name: value for name, value in fields.items() if getattr(peer, name) != value}
        for name, value in changed.items():
            setattr(peer, name, value)
        peer.full_clean()
        peer.save()
        if creating or "level" in changed:
            # A new upper or lower node gets this node's shared catalog (the cascade's backfill), and a new
            # upper node this node's open catalog (open data in sync).
            catalog_send_all(peer, actor=actor)
            open_send_all(peer, actor=actor)
        action = AuditAction.FEDERATION_PEER_CREATE if creating else AuditAction.FEDERATION_PEER_CHANGE
        audit_record(action=action, actor=actor, target=peer, detail=_detail(peer, sorted(changed)))
    return peer


def peer_suspend(*, actor: User, peer: Peer, reason: str) -> Peer:
    """Stop trusting a peer for now (a leaked key, a node taken down); the reason is required and kept."""
    reason = reason.strip()
    if not reason:
        raise ApplicationError(_("Give the reason for suspending the peer."))
    return _status_set(actor=actor, peer=peer, status=PeerStatus.SUSPENDED, reason=reason)


def peer_resume(*, actor: User, peer: Peer) -> Peer:
    return _status_set(actor=actor, peer=peer, status=PeerStatus.ACTIVE, reason="")


def _status_set(*, actor: User, peer: Peer, status: str, reason: str) -> Peer:
    with transaction.atomic():
        peer = Peer.objects.select_for_update().get(pk=peer.pk)
        if peer.status == status:
            raise ApplicationError(
                _("The peer is suspended already.")
                if status == PeerStatus.SUSPENDED
                else _("The peer is active already.")
            )
        peer.status = status
        peer.status_reason = reason
        # Resuming clears the back-off, so the backlog goes out at the next delivery run.
        if status == PeerStatus.ACTIVE:
            peer.failures = 0
            peer.next_attempt_at = None
        peer.save()
        action = (
            AuditAction.FEDERATION_PEER_SUSPEND
            if status == PeerStatus.SUSPENDED
            else AuditAction.FEDERATION_PEER_RESUME
        )
        audit_record(action=action, actor=actor, target=peer, detail={**_detail(peer), "reason": reason})
    return peer


def _detail(peer: Peer, changed: list[str] | None = None) -> dict:
    detail: dict[str, object] = {
        "peer": peer.node_id,
        "level": peer.level,
        "region": peer.region,
        "public_key": peer.public_key,
    }
    if changed is not None:
        detail["changed"] = changed
    return detail
