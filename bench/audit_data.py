"""Synthetic audit history for the audit benchmarks: N sealed events over a year, loaded with COPY.

Used by ``bench/audit_verify.py`` and ``bench/audit_search.py``; not a benchmark itself. The events are
generated in time order with ids, chain positions and hashes exactly as the sealer would give them
(``audit.archive_verify.chain_hash`` over the same canonical content), so that ``audit_verify`` accepts
them; they are COPYed into the partitioned table a chunk at a time in replica mode (no foreign-key
trigger queue for millions of rows: the ids are valid by construction), then the chain head rows set.
"""

import datetime as dt
import json
import random
import time
from datetime import UTC

ACTIONS = [  # (action, weight, carries data)
    ("data.query", 55, True),
    ("data.verify", 15, True),
    ("login", 10, False),
    ("resource.aggregate", 6, True),
    ("push.run", 4, True),
    ("data.statistics", 3, True),
    ("application.approve", 2, False),
    ("application.refuse", 1, False),
    ("resource.update", 2, False),
    ("audit.export", 1, False),
    ("grant.suspend", 1, False),
]
ITEMS = ["id_number", "full_name", "gender", "birth_date", "address", "phone", "credit_code", "company_name"]
COLUMNS = (
    "id, occurred_at, action, outcome, actor_id, actor_name, actor_unit_id, api_key_id, owner_unit_id, "
    "object_type, object_id, object_repr, data_items, record_count, purpose, client_ip, detail, "
    "chain_seq, prev_hash, hash, sealed_at"
)
PEOPLE = 300
RESOURCES = 2000
GRANTS = 3000
DAYS = 365
CHUNK = 200_000


def bench_people(units) -> list:
    """PEOPLE synthetic persons spread over the units (created once)."""
    from dataplatform.core.models import User

    existing = list(User.objects.filter(username__startswith="bench_audit_").order_by("pk"))
    if len(existing) >= PEOPLE:
        return existing[:PEOPLE]
    User.objects.bulk_create(
        [
            User(
                username=f"bench_audit_{n:04d}",
                real_name=f"测试{n:04d}",
                unit=units[n % len(units)],
                password="!",
            )
            for n in range(len(existing), PEOPLE)
        ]
    )
    return list(User.objects.filter(username__startswith="bench_audit_").order_by("pk"))


def loaded_count() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        # The bench's events are sealed the moment they occur; real ones (a role given to the bench's
        # administrator) never are, and do not make the next run load everything again.
        cursor.execute("SELECT count(*) FROM audit_auditevent WHERE sealed_at = occurred_at")
        return cursor.fetchone()[0]


def generate(count: int, units, people, seed: int):
    """Yield COPY rows in time order, sealed: (id, …, chain_seq, prev_hash, hash, sealed_at)."""
    from audit.archive_verify import GENESIS_HASH, chain_hash

    rng = random.Random(seed)
    actions = [a for a, _, _ in ACTIONS]
    weights = [w for _, w, _ in ACTIONS]
    carries = {a: c for a, _, c in ACTIONS}
    heads: dict = {}
    end = dt.datetime.now(UTC).replace(microsecond=0) - dt.timedelta(minutes=5)
    start = end - dt.timedelta(days=DAYS)
    step = (end - start) / count
    unit_ids = [unit.pk for unit in units]
    for n in range(count):
        at = start + step * n + dt.timedelta(microseconds=rng.randrange(1000))
        action = rng.choices(actions, weights)[0]
        person = rng.choice(people) if action != "push.run" and rng.random() < 0.7 else None
        actor_unit = person.unit_id if person else rng.choice(unit_ids)
        owner = rng.choice(unit_ids) if carries[action] else (None if rng.random() < 0.5 else actor_unit)
        resource = rng.randrange(1, RESOURCES)
        grant = rng.randrange(1, GRANTS)
        items = rng.sample(ITEMS, rng.randint(1, 4)) if carries[action] else []
        count_ = rng.choice([1, 1, 1, 2, 10, 200]) if carries[action] else None
        outcome = "denied" if rng.random() < 0.03 else "ok"
        ip = f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
        detail = {"grant": grant} if carries[action] else {}
        actor_name = person.real_name if person else "platform"
        purpose = "核验申请人身份" if carries[action] else ""
        object_type, object_id = ("catalog.resource", str(resource)) if carries[action] else ("", "")
        object_repr = f"QZ-BENCH-{resource:05d} 测试数据资源" if carries[action] else ""
        content = {
            "occurred_at": at.isoformat(timespec="microseconds"),
            "action": action,
            "outcome": outcome,
            "actor": person.pk if person else None,
            "actor_name": actor_name,
            "actor_unit": actor_unit,
            "api_key": None,
            "owner_unit": owner,
            "object": [object_type, object_id, object_repr],
            "data_items": items,
            "record_count": count_,
            "purpose": purpose,
            "client_ip": ip,
            "detail": detail,
        }
        seq, prev = heads.get(owner, (0, GENESIS_HASH))
        digest = chain_hash(prev, content)
        heads[owner] = (seq + 1, digest)
        yield (
            n + 1, at, action, outcome, person.pk if person else None, actor_name, actor_unit, None, owner,
            object_type, object_id, object_repr, json.dumps(items), count_, purpose, ip, json.dumps(detail),
            seq + 1, prev, digest, at,
        )  # fmt: skip
    return heads


def load(count: int, units, people, seed: int = 2026) -> float:
    """Empty the audit tables and COPY ``count`` sealed events in; return the seconds it took."""
    from django.db import connection, transaction

    from audit.models import AuditChain
    from audit.partitions import partitions_ensure

    started = time.perf_counter()
    partitions_ensure(since=(dt.datetime.now(UTC) - dt.timedelta(days=DAYS + 1)).date())
    with connection.cursor() as cursor:
        # TRUNCATE fires no row trigger: the bench database's own audit history goes.
        cursor.execute(
            "TRUNCATE audit_auditevent, audit_auditcheckpoint, audit_auditchain, audit_auditarchive"
        )
    rows = generate(count, units, people, seed)
    heads = {}
    done = 0
    while done < count:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")  # no FK trigger queue
            with cursor.cursor.copy(f"COPY audit_auditevent ({COLUMNS}) FROM STDIN") as copy:
                for _ in range(min(CHUNK, count - done)):
                    copy.write_row(next(rows))
                    done += 1
        print(f"  {done:,} events loaded ({time.perf_counter() - started:.0f} s)", flush=True)
    try:
        next(rows)
    except StopIteration as finished:
        heads = finished.value
    with connection.cursor() as cursor:
        cursor.execute("SELECT setval('audit_auditevent_id_seq', %s)", [count])
        cursor.execute("ANALYZE audit_auditevent")
    AuditChain.objects.bulk_create(
        [
            AuditChain(owner_unit_id=owner, head_seq=seq, head_hash=digest)
            for owner, (seq, digest) in heads.items()
        ]
    )
    return time.perf_counter() - started
