"""Verifying the audit hash chains over N events (default 10,000,000; --events for fewer).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dp_audit_bench \\
        .venv/bin/python bench/audit_verify.py --events 1000000

Creates and migrates the database if needed, loads N sealed events over a year and 75 chains with COPY
(``bench/audit_data.py``; kept for the next run and for ``bench/audit_search.py``, --fresh reloads), then
times ``audit.selectors.audit_verify`` — what ``manage.py verify_audit`` runs — beside a baseline measured in
the same run: reading the same rows, in the same order (id), with a bare psycopg cursor, hashing nothing.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dataplatform.settings")


def prepare(events: int, fresh: bool):
    from bench.search import ensure_database

    ensure_database(os.environ.get("DATABASE_URL", ""))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("The benchmark needs PostgreSQL: set DATABASE_URL=postgres://…")
    call_command("migrate", verbosity=0)
    from bench.audit_data import bench_people, load, loaded_count
    from bench.search import setup_units

    units, _ = setup_units()
    people = bench_people(units)
    if fresh or loaded_count() != events:
        print(f"loading {events:,} events with COPY…", flush=True)
        seconds = load(events, units, people)
        print(f"loaded {events:,} events in {seconds:.1f} s ({events / seconds:,.0f} events/s)")
    return units, people


def bare_read() -> int:
    """The baseline: the same rows in the same order as the verifier's one pass (id order), read with a
    bare server-side cursor, nothing hashed or checked."""
    from django.db import connection

    rows = 0
    raw = connection.connection
    with raw.transaction(), raw.cursor(name="bench_read") as cursor:
        cursor.itersize = 5000
        cursor.execute("SELECT * FROM audit_auditevent WHERE chain_seq IS NOT NULL ORDER BY id")
        for _ in cursor:
            rows += 1
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--fresh", action="store_true", help="load the events again")
    args = parser.parse_args()
    prepare(args.events, args.fresh)
    from django.conf import settings
    from django.db import connection

    from audit.selectors import audit_verify

    settings.AUDIT_CHECKPOINT_DIR = Path(tempfile.mkdtemp())  # no checkpoint files but the bench's
    connection.ensure_connection()
    started = time.perf_counter()
    rows = bare_read()
    read_seconds = time.perf_counter() - started
    started = time.perf_counter()
    report = audit_verify()
    verify_seconds = time.perf_counter() - started
    verified = sum(chain.verified for chain in report.chains)
    assert report.ok, [chain.broken for chain in report.chains if chain.broken][:3]
    assert verified == rows == args.events, (verified, rows, args.events)
    print(f"\n{args.events:,} events in {len(report.chains)} chains")
    print(f"bare read, id order (baseline)    {read_seconds:8.1f} s {rows / read_seconds:>12,.0f} events/s")
    print(
        f"audit_verify (read + hash + links) {verify_seconds:7.1f} s {verified / verify_seconds:>12,.0f} events/s"
    )
    print(f"ratio verify / bare read: {read_seconds / verify_seconds:.2f}")


if __name__ == "__main__":
    main()
