"""Writing audit events under concurrent writers: chained (``audit_record``, then the sealer) beside
plain inserts into an unchained table of the same shape, measured in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dp_audit_bench_write \\
        .venv/bin/python bench/audit_write.py --writers 4 --events 5000

Each writer is a process of its own with its own connection; each event is one INSERT in its own
transaction (autocommit), as the data interface writes it. Four runs:
1. plain: the writers insert through the ORM into ``bench_audit_plain``, a plain table created LIKE the
   audit table (same columns and indexes; no partitions, no foreign keys, no trigger, never sealed);
2. ``audit_record``: the writers record events into the partitioned, guarded audit table;
3. the sealer alone then chains everything run 2 wrote (``audit_seal``, one process, as the timer runs it);
4. ``audit_record`` again with a sealer process looping beside the writers, as in production, and the
   time the sealer needs after the writers stop to seal what is left.
Events per second are events / wall time from the first writer's start to the last writer's end.
"""

import argparse
import multiprocessing
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dataplatform.settings")

PLAIN = "bench_audit_plain"


def plain_model():
    """An unmanaged model over the plain table, with the audit event's own fields."""
    from django.db import models

    from audit.models import AuditEvent

    attrs = {
        "__module__": __name__,
        "Meta": type("Meta", (), {"db_table": PLAIN, "managed": False, "app_label": "audit"}),
    }
    for field in AuditEvent._meta.local_fields:
        attrs[field.name] = field.clone()
    return type("BenchPlainAuditEvent", (models.Model,), attrs)


def create_plain_table() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {PLAIN}")
        cursor.execute(f"CREATE TABLE {PLAIN} (LIKE audit_auditevent INCLUDING DEFAULTS INCLUDING INDEXES)")
        cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS {PLAIN}_id_seq OWNED BY {PLAIN}.id")
        cursor.execute(f"ALTER TABLE {PLAIN} ALTER COLUMN id SET DEFAULT nextval('{PLAIN}_id_seq')")


def event_fields(n: int, units: list) -> dict:
    return {
        "action": "data.query",
        "owner_unit_id": units[n % len(units)],
        "data_items": ["id_number", "full_name"],
        "record_count": 1,
        "purpose": "核验申请人身份",
        "detail": {"grant": n % 100 + 1, "key": f"35050019900101{n % 10000:04d}"},
    }


def writer(kind: str, index: int, count: int, units: list, barrier, results) -> None:
    from django.db import connection

    from audit.models import AuditEvent
    from audit.services import audit_record
    from dataplatform.core.models import Unit

    connection.ensure_connection()
    owners = {unit.pk: unit for unit in Unit.objects.filter(pk__in=units)}
    Plain = plain_model() if kind == "plain" else None
    barrier.wait()
    started = time.perf_counter()
    for n in range(index * count, (index + 1) * count):
        fields = event_fields(n, units)
        if Plain is not None:
            Plain.objects.create(actor_name="platform", **fields)
        else:
            owner = owners[fields.pop("owner_unit_id")]
            audit_record(owner_unit=owner, **fields)
    results.put((started, time.perf_counter()))
    assert AuditEvent.objects.exists()


def sealer_loop(stop, sealed) -> None:
    from audit.services import audit_seal

    total = 0
    while not stop.is_set():
        done = audit_seal(limit=2000)
        total += done
        if not done:
            time.sleep(0.05)
    sealed.put(total)


def run_writers(
    kind: str, writers: int, count: int, units: list, with_sealer: bool = False
) -> tuple[float, int]:
    from django.db import connections

    connections.close_all()  # each process opens its own
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(writers), context.Queue()
    stop, sealed = context.Event(), context.Queue()
    sealer = context.Process(target=sealer_loop, args=(stop, sealed)) if with_sealer else None
    if sealer:
        sealer.start()
    processes = [
        context.Process(target=writer, args=(kind, i, count, units, barrier, results)) for i in range(writers)
    ]
    for process in processes:
        process.start()
    spans = [results.get() for _ in processes]
    for process in processes:
        process.join()
        assert process.exitcode == 0
    sealed_beside = 0
    if sealer:
        stop.set()
        sealed_beside = sealed.get()
        sealer.join()
    return max(end for _, end in spans) - min(start for start, _ in spans), sealed_beside


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--events", type=int, default=5000, help="per writer")
    args = parser.parse_args()
    from bench.search import ensure_database

    ensure_database(os.environ.get("DATABASE_URL", ""))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from audit.models import AuditEvent
    from audit.services import audit_seal
    from bench.search import setup_units

    if connection.vendor != "postgresql":
        sys.exit("The benchmark needs PostgreSQL: set DATABASE_URL=postgres://…")
    call_command("migrate", verbosity=0)
    units = [unit.pk for unit in setup_units()[0][:20]]
    audit_seal(limit=10**9)  # whatever an earlier run left
    create_plain_table()
    total = args.writers * args.events
    print(f"{args.writers} writers × {args.events:,} events, one INSERT per transaction")

    plain_seconds, _ = run_writers("plain", args.writers, args.events, units)
    print(
        f"plain inserts, unchained table         {plain_seconds:7.2f} s {total / plain_seconds:>9,.0f} events/s"
    )

    chained_seconds, _ = run_writers("chained", args.writers, args.events, units)
    print(
        f"audit_record (partitioned, guarded)   {chained_seconds:7.2f} s {total / chained_seconds:>9,.0f} events/s"
    )
    started = time.perf_counter()
    sealed = audit_seal(limit=10**9)
    seal_seconds = time.perf_counter() - started
    assert sealed == total, (sealed, total)
    print(
        f"the sealer alone, afterwards          {seal_seconds:7.2f} s {sealed / seal_seconds:>9,.0f} events/s"
    )
    end_to_end = total / (chained_seconds + seal_seconds)
    print(
        f"written and sealed, one after another {chained_seconds + seal_seconds:7.2f} s {end_to_end:>9,.0f} events/s"
    )

    beside_seconds, sealed_beside = run_writers("chained", args.writers, args.events, units, with_sealer=True)
    started = time.perf_counter()
    left = audit_seal(limit=10**9)
    catch_up = time.perf_counter() - started
    print(
        f"audit_record with a sealer beside     {beside_seconds:7.2f} s {total / beside_seconds:>9,.0f} events/s"
        f"  (sealed meanwhile {sealed_beside:,}, left {left:,}, sealed in {catch_up:.2f} s after)"
    )
    assert not AuditEvent.objects.filter(sealed_at__isnull=True).exists()
    print(
        f"ratios to plain inserts: audit_record {plain_seconds / chained_seconds:.2f}, "
        f"written then sealed {end_to_end / (total / plain_seconds):.2f}, "
        f"with the sealer beside {plain_seconds / beside_seconds:.2f}"
    )


if __name__ == "__main__":
    main()
