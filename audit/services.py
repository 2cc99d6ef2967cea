import hashlib
import json
from collections.abc import Iterable
from typing import Any

from django.db import models, transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone

from dataplatform.core.models import ApiKey, Unit, User

from .checkpoint_files import checkpoint_files_append
from .models import AuditChain, AuditCheckpoint, AuditEvent, Outcome


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    action: str,
    actor: Any = None,
    request: HttpRequest | None = None,
    target: models.Model | None = None,
    outcome: str = Outcome.OK,
    owner_unit: Unit | None = None,
    data_items: Iterable[str] = (),
    record_count: int | None = None,
    purpose: str = "",
    detail: dict | None = None,
) -> AuditEvent:
    """Record one audit event. Call it inside the transaction of the operation it records.

    ``actor`` is a person (User), an API client (anything with ``api_key`` and ``unit``), or None
    for the platform itself (timers).
    """
    user = actor if isinstance(actor, User) else None
    api_key: ApiKey | None = getattr(actor, "api_key", None)
    unit = getattr(actor, "unit", None)
    if user is not None:
        actor_name = user.real_name or user.username
    elif api_key is not None:
        actor_name = f"api-key:{api_key.prefix}"
    else:
        actor_name = "platform"
    return AuditEvent.objects.create(
        action=action,
        outcome=outcome,
        actor=user,
        actor_name=actor_name,
        actor_unit=unit,
        api_key=api_key,
        owner_unit=owner_unit,
        object_type=target._meta.label_lower if target is not None else "",
        object_id=str(target.pk) if target is not None else "",
        object_repr=str(target)[:200] if target is not None else "",
        data_items=list(data_items),
        record_count=record_count,
        purpose=purpose,
        client_ip=client_ip(request),
        detail=detail or {},
    )


# --- Tamper evidence (Q8.4 可追溯、不可篡改, F24), in the manner of X-Road's message log ----------
# ``audit_record`` stays a plain INSERT: no writer ever waits on a chain. ``audit_seal`` chains the
# events behind it, a batch at a time, under a lock on the chain's head row.


def event_hash(*, prev_hash: str, event: AuditEvent) -> str:
    """sha256(prev_hash + canonical JSON). Computed from the row as read from the database, so that the
    sealer and every later verifier see the same values."""
    content = json.dumps(
        event.canonical(), sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    )
    return hashlib.sha256((prev_hash + content).encode()).hexdigest()


def audit_seal(*, limit: int = 10_000, batch: int = 500) -> int:
    """Seal up to ``limit`` unsealed events, chain by chain, in id order; return how many were sealed.

    Safe with two sealers at once: each batch locks its chain's head row before it reads the unsealed
    events, so the second sealer waits, then finds them sealed.
    """
    sealed = 0
    while sealed < limit:
        owners = list(
            AuditEvent.objects.filter(sealed_at__isnull=True)
            .order_by()
            .values_list("owner_unit_id", flat=True)
            .distinct()
        )
        done = sum(_seal_batch(owner_unit_id=owner, limit=min(batch, limit - sealed)) for owner in owners)
        sealed += done
        if done == 0:
            break
    return sealed


def _seal_batch(*, owner_unit_id: int | None, limit: int) -> int:
    # get_or_create stands a race with another sealer: the unique constraint, then a second get.
    chain_id = AuditChain.objects.get_or_create(owner_unit_id=owner_unit_id)[0].pk
    with transaction.atomic():
        # The lock is what orders the chain: taken before the unsealed events are read, so a second
        # sealer waits here and then finds them sealed.
        chain = AuditChain.objects.select_for_update().get(pk=chain_id)
        events = list(
            AuditEvent.objects.filter(owner_unit_id=owner_unit_id, sealed_at__isnull=True).order_by("id")[
                :limit
            ]
        )
        now = timezone.now()
        for event in events:
            seq, digest = chain.head_seq + 1, event_hash(prev_hash=chain.head_hash, event=event)
            AuditEvent.objects.filter(pk=event.pk, sealed_at__isnull=True).update(
                chain_seq=seq, prev_hash=chain.head_hash, hash=digest, sealed_at=now
            )
            chain.head_seq, chain.head_hash = seq, digest
        if events:
            chain.save(update_fields=["head_seq", "head_hash", "updated_at"])
    return len(events)


def audit_checkpoint() -> list[AuditCheckpoint]:
    """Record every chain head that moved since its last checkpoint: in the day's file first, outside
    the database, where a history rewritten later in the database cannot reach; then as a row."""
    last = dict(
        AuditCheckpoint.objects.values("chain_id").annotate(seq=Max("seq")).values_list("chain_id", "seq")
    )
    now = timezone.now()
    checkpoints = [
        AuditCheckpoint(chain=chain, seq=chain.head_seq, hash=chain.head_hash, created_at=now)
        for chain in AuditChain.objects.filter(head_seq__gt=0).order_by("id")
        if last.get(chain.pk) != chain.head_seq
    ]
    if checkpoints:
        checkpoint_files_append(checkpoints)
        AuditCheckpoint.objects.bulk_create(checkpoints)
    return checkpoints
