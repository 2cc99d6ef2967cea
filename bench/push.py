"""Bulk exchange: a full push of N records into a PostgreSQL target beside COPY of the same rows, and an
incremental push after 1% of the records change.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dp_bench .venv/bin/python bench/push.py --rows 1000000

The platform database (DATABASE_URL) is created and migrated if needed; the target is a database of its
own on the same server (``<name>_target``), made afresh. Set-up (records COPYed into the entry's own
typed table, ``catalog.records.table_name``; grant; task) is not timed.
Timed: (1) the baseline, COPY of the rows the push writes (read beforehand into memory) into a table of
the same shape, primary key included; (2) the full push through ``push_run_execute``, the function the
worker's task calls: reading the records, the target transactions with their state; (3) the same after
1% of the records changed (an item and ``_updated_at`` in the entry's table, as aggregation leaves them)
and 0.1% were deleted (through ``records_delete``, which leaves tombstones). Not part of the test suite.
"""

import argparse
import datetime as dt
import io
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dataplatform.settings")
os.environ.setdefault("EMAIL_URL", "dummymail://")
os.environ.setdefault("EXCHANGE_SLICE_SECONDS", "86400")
os.environ.pop("REDIS_URL", None)  # tasks run in this process: the push itself is what is timed

from bench.aggregate import GIVEN, ITEMS, STREETS, SURNAMES, ensure_database  # noqa: E402
from bench.aggregate import server_connection as connect  # noqa: E402


def fresh_target(name: str) -> None:
    with connect("postgres") as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def load_records(resource, rows: int) -> None:
    """Records as aggregation leaves them, COPYed into the resource's own typed table (set-up, not
    timed): the key, one column per data item, the change stamps; no batch (``_batch_id`` empty)."""
    from django.db import connection

    from catalog.records import KEY, ensure_table, published_columns, table_name
    from catalog.records.layout import BATCH, CREATED, UPDATED

    columns = published_columns(resource)
    ensure_table(resource.pk, columns)  # the entry was never aggregated: its table has no item yet
    names = [column.name for column in columns]
    rng = random.Random(20261124)
    now = dt.datetime.now(dt.UTC).isoformat()
    buffer = io.StringIO()
    for i in range(rows):
        data = {
            "id_number": f"3505{i:014d}",
            "full_name": rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
            "birth_date": f"{rng.randint(1940, 2020)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "address": f"福建省泉州市{rng.choice(STREETS)}{rng.randint(1, 999)}号",
            "household_size": rng.randint(1, 9),
        }
        values = "\t".join(str(data[name]) for name in names)  # no tab, line break or backslash in them
        buffer.write(f"{data['id_number']}\t{values}\t{now}\t{now}\t\\N\n")
    buffer.seek(0)
    table = table_name(resource.pk)
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {table}")
    raw = connection.connection
    quoted = ", ".join(connection.ops.quote_name(name) for name in names)
    with raw.cursor() as cursor:
        with cursor.copy(f"COPY {table} ({KEY}, {quoted}, {CREATED}, {UPDATED}, {BATCH}) FROM STDIN") as copy:
            while chunk := buffer.read(1 << 20):
                copy.write(chunk)
        cursor.execute(f"ANALYZE {table}")
    raw.commit()


def bulk_grant(resource):
    from dataplatform.core.models import User
    from sharing.models import Grant
    from sharing.services import application_create
    from sharing.workflow import application_act

    applicant, evaluator = User.objects.get(username="hrss_admin"), User.objects.get(username="evaluator")
    application = application_create(
        actor=applicant,
        lines=[{"resource": resource, "items": [item["name"] for item in ITEMS]}],
        business_matter="基准测试",
        scenario="批量交换基准测试",
        information_system="基准系统",
        service_method="bulk_exchange",
        end_date=dt.date.today() + dt.timedelta(days=365),
    )
    application = application_act(application=application, action="submit", actor=applicant)
    application_act(application=application, action="configure", actor=evaluator)
    return Grant.objects.get(application=application), applicant


def baseline(grant, target_db: str) -> float:
    """COPY of the rows the push writes, already in memory, into a table of the same shape."""
    from sharing.exchange.runs import _columns
    from sharing.exchange.source import records_batch
    from sharing.exchange.targets import FILLFACTOR, PG_TYPES

    rows, after = [], ""
    far = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    while True:
        batch, after = records_batch(
            resource_id=grant.resource_id, items=grant.items, after=after, upto=far, limit=100_000
        )
        if not batch:
            break
        rows.extend(batch)
    columns = ", ".join(f"{c.name} {PG_TYPES[c.item_type]}" for c in _columns(grant))
    with connect(target_db) as conn:
        conn.execute(
            f"CREATE TABLE copy_baseline (record_key text PRIMARY KEY, {columns}) "
            f"WITH (fillfactor = {FILLFACTOR})"  # as the push makes its table
        )
        started = time.perf_counter()
        with (
            conn.transaction(),
            conn.cursor() as cursor,
            cursor.copy("COPY copy_baseline FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        elapsed = time.perf_counter() - started
        conn.execute("DROP TABLE copy_baseline")
    return elapsed


def push(task, applicant):
    from sharing.exchange.config import push_now
    from sharing.exchange.runs import push_run_execute

    started = time.perf_counter()
    run = push_now(actor=applicant, task=task)  # with REDIS_URL unset the task runs here, at commit
    push_run_execute(run.pk)  # otherwise here, as the worker would
    elapsed = time.perf_counter() - started
    run.refresh_from_db()
    assert run.status == "done", run.error
    return elapsed, run


def change_some(resource, rows: int) -> tuple[int, int]:
    """1% of the records change and 0.1% are deleted, as an aggregation and a deletion would leave them."""
    from django.db import connection

    from catalog.aggregation.deletion import records_delete
    from catalog.records import KEY, table_name
    from catalog.records.layout import UPDATED
    from dataplatform.core.models import User

    changed, deleted = rows // 100, rows // 1000
    table = table_name(resource.pk)
    with connection.cursor() as cursor:
        # What an aggregation that changed these records leaves: the item, and the change stamp.
        cursor.execute(
            f"UPDATE {table} SET household_size = 10, {UPDATED} = now() "
            f"WHERE {KEY} IN (SELECT {KEY} FROM {table} ORDER BY random() LIMIT %s)",
            [changed],
        )
        cursor.execute(f"SELECT {KEY} FROM {table} ORDER BY random() LIMIT %s", [deleted])
        keys = [key for (key,) in cursor.fetchall()]
    producer = User.objects.get(username="police_admin")
    for start in range(0, len(keys), 10_000):
        records_delete(actor=producer, resource=resource, keys=keys[start : start + 10_000])
    return changed, deleted


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--profile", action="store_true", help="print where the incremental push spends")
    args = parser.parse_args()

    import django
    from django.core.management import call_command

    django.setup()
    ensure_database()
    call_command("migrate", verbosity=0)
    from django.conf import settings

    from bench.aggregate import fresh_entry
    from sharing.exchange.config import push_task_save

    target_db = f"{settings.DATABASES['default']['NAME']}_target"
    fresh_target(target_db)
    resource, _producer = fresh_entry()
    type(resource).objects.filter(pk=resource.pk).update(service_methods=["interface", "bulk_exchange"])
    resource.refresh_from_db()
    started = time.perf_counter()
    load_records(resource, args.rows)
    print(f"set-up: {args.rows:,} records loaded in {time.perf_counter() - started:.1f} s")
    grant, applicant = bulk_grant(resource)
    db = settings.DATABASES["default"]
    task = push_task_save(
        actor=applicant,
        grant=grant,
        values={
            "name": "bench",
            "engine": "postgresql",
            "host": db["HOST"],
            "port": int(db["PORT"] or 5432),
            "database": target_db,
            "username": db["USER"],
            "password": db["PASSWORD"] or "",
            "table": "pushed_people",
        },
    )

    def line(label: str, seconds: float, rows: int, extra: str = "") -> float:
        rate = rows / seconds
        print(f"{label:<44} {seconds:8.2f} s {rate:>12,.0f} rows/s{extra}")
        return rate

    copy_rate = line("COPY of the same rows (in memory) into a table", baseline(grant, target_db), args.rows)
    full_seconds, run = push(task, applicant)
    full_rate = line(
        "full push (read, write, state per batch)",
        full_seconds,
        args.rows,
        f"  [{run.rows_written:,} written]",
    )
    changed, deleted = change_some(resource, args.rows)
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        incr_seconds, run = profiler.runcall(push, task, applicant)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    else:
        incr_seconds, run = push(task, applicant)
    line(
        f"incremental push ({changed:,} changed, {deleted:,} deleted)",
        incr_seconds,
        changed + deleted,
        f"  [{run.rows_written:,} written, {run.rows_deleted:,} deleted]",
    )
    print(f"ratio full push / COPY: {full_rate / copy_rate:.2f} (target ≥ 0.80)")
    print(f"incremental / full time: {incr_seconds / full_seconds:.3f} (target ≤ 0.05)")
    with connect(target_db) as conn:
        (count,) = conn.execute("SELECT count(*) FROM pushed_people").fetchone()
    from catalog.records import record_count

    expected = record_count(resource_id=resource.pk)
    print(
        f"target rows {count:,}, source records {expected:,}: {'equal' if count == expected else 'DIFFERENT'}"
    )


if __name__ == "__main__":
    main()
