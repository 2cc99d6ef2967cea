import logging
from collections.abc import Iterable

from django.db import IntegrityError, connection, models, transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone

from dataplatform.core.actors import Actor
from dataplatform.core.audit_actions import AuditAction
from dataplatform.core.models import ApiKey, Unit, User
from dataplatform.core.request_context import current_request_id

from .anchoring import audit_anchor_tsa
from .archive_verify import chain_hash
from .checkpoint_files import checkpoint_files_append
from .models import AuditChain, AuditCheckpoint, AuditEvent, Outcome

logger = logging.getLogger(__name__)


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    action: AuditAction | str,
    actor: Actor = None,
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

    ``action`` is one of ``AuditAction`` (an unknown one is refused with ``ValueError``). ``actor`` is a
    person (User), an API client (anything with ``api_key`` and ``unit``), or None for the platform
    itself (timers).
    """
    if not AuditAction.known(action):
        raise ValueError(
            f"Unknown audit action {action!r}: add it to AuditAction (dataplatform/core/audit_actions.py)."
        )
    user = actor if isinstance(actor, User) else None
    api_key: ApiKey | None = getattr(actor, "api_key", None)
    unit = getattr(actor, "unit", None)
    if user is not None:
        actor_name = user.real_name or user.username
    elif api_key is not None:
        # The key's name, never its prefix: the producer reads this event in its usage log, and a prefix
        # would tell it which key to send wrong secrets for (issue 18, item 5).
        actor_name = f"API · {api_key.name}"[:150]
    elif request is not None and not getattr(getattr(request, "user", None), "is_authenticated", True):
        actor_name = "public"  # a visitor who is not logged in (the open-data portal, a failed login)
    else:
        actor_name = "platform"  # the platform itself: timers, workers
    return AuditEvent.objects.create(
        action=str(action),
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
        request_id=current_request_id(),
    )


# --- Tamper evidence (Q8.4 可追溯、不可篡改, F24), in the manner of X-Road's message log ----------
# ``audit_record`` stays a plain INSERT: no writer ever waits on a chain. ``audit_seal`` chains the
# events behind it, a batch at a time, under a lock on the chain's head row.


def event_hash(*, prev_hash: str, event: AuditEvent) -> str:
    """sha256(prev_hash + canonical JSON). Computed from the row as read from the database, so that the
    sealer and every later verifier see the same values. The serialisation lives in the standalone
    archive verifier, which must compute it alike with nothing but the standard library."""
    return chain_hash(prev_hash, event.canonical())


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
        done = sum(_seal_chain(owner_unit_id=owner, limit=min(batch, limit - sealed)) for owner in owners)
        sealed += done
        if done == 0:
            break
    return sealed


def _seal_chain(*, owner_unit_id: int | None, limit: int) -> int:
    """One chain's batch; a chain that cannot be sealed (its head row moved back, so a position is given
    out again: ``selectors._head_rows_behind`` reports it) holds up no other chain."""
    try:
        return _seal_batch(owner_unit_id=owner_unit_id, limit=limit)
    except IntegrityError:
        logger.exception("The audit chain of unit %s cannot be sealed", owner_unit_id)
        return 0


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
            event.chain_seq, event.prev_hash = chain.head_seq + 1, chain.head_hash
            event.hash, event.sealed_at = event_hash(prev_hash=chain.head_hash, event=event), now
            chain.head_seq, chain.head_hash = event.chain_seq, event.hash
        if events:
            _seal_rows(events)
            chain.save(update_fields=["head_seq", "head_hash", "updated_at"])
    return len(events)


def _seal_rows(events: list[AuditEvent]) -> None:
    """The batch's seals in one statement on PostgreSQL (an UPDATE per event cost a plan over the
    partitions each: 4× slower), one statement per event elsewhere."""
    table = AuditEvent._meta.db_table
    rows = [(e.pk, e.occurred_at, e.chain_seq, e.prev_hash, e.hash) for e in events]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            values = ", ".join(["(%s::bigint, %s::timestamptz, %s::bigint, %s, %s)"] * len(rows))
            cursor.execute(
                f"UPDATE {table} AS e SET chain_seq = v.seq, prev_hash = v.prev, hash = v.hash, sealed_at = %s "
                f"FROM (VALUES {values}) AS v (id, occurred_at, seq, prev, hash) "
                "WHERE e.id = v.id AND e.occurred_at = v.occurred_at AND e.sealed_at IS NULL",
                [events[0].sealed_at, *(value for row in rows for value in row)],
            )
        else:
            cursor.executemany(
                f"UPDATE {table} SET chain_seq = %s, prev_hash = %s, hash = %s, sealed_at = %s "
                "WHERE id = %s AND sealed_at IS NULL",
                [(seq, prev, digest, events[0].sealed_at, pk) for pk, _, seq, prev, digest in rows],
            )
        sealed = cursor.rowcount
    if sealed != len(events):  # cannot happen under the chain's lock: never seal half a batch
        raise RuntimeError(f"sealed {sealed} of {len(events)} audit events: another sealer?")


def audit_checkpoint() -> list[AuditCheckpoint]:
    """Record every chain head that moved since its last checkpoint: in the day's file first, outside
    the database, where a history rewritten later in the database cannot reach; then as a row. Then have
    the heads timestamped (``anchoring``), after the checkpoints: a TSA down holds up nothing."""
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
    audit_anchor_tsa()
    return checkpoints
