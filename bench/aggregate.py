"""Aggregation throughput against PostgreSQL's own COPY of the same rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dp_bench .venv/bin/python bench/aggregate.py --rows 1000000

Creates and migrates the database if needed, writes a CSV of synthetic people in a temporary directory and
measures (1) COPY of the file into a plain table, the baseline; (2) our aggregation of the file into
a fresh published entry through ``batch_process``, the service the task calls (read, check, stage, then
one INSERT, or INSERT … ON CONFLICT, into the entry's typed table, ``catalog.records.table_name``);
(3) the same file again, every record unchanged; with each aggregation's peak resident memory, which must
not grow with the file. The entry's table is emptied at the end unless ``--keep``. Not part of the test
suite.
"""

import argparse
import contextlib
import csv
import os
import random
import re
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dataplatform.settings")
os.environ.setdefault("EMAIL_URL", "dummymail://")  # the demo people's welcome e-mails go nowhere

ITEMS = [
    {
        "name": "id_number",
        "label": "公民身份号码",
        "item_type": "string",
        "length": 18,
        "is_key": True,
        "required": True,
    },
    # A query item, as the demo makes names: its index is kept up while the records go in.
    {
        "name": "full_name",
        "label": "姓名",
        "item_type": "string",
        "length": 50,
        "required": True,
        "is_query": True,
    },
    {"name": "birth_date", "label": "出生日期", "item_type": "date"},
    {"name": "address", "label": "户籍地址", "item_type": "string", "length": 200},
    {"name": "household_size", "label": "户内人数", "item_type": "integer"},
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志强雅婷子涵浩然"
STREETS = ["丰泽区东海街道", "鲤城区开元街道", "洛江区万安街道", "晋江市青阳街道", "石狮市湖滨街道"]


def server_connection(dbname: str):
    """An autocommit connection to another database on DATABASE_URL's server."""
    import psycopg
    from django.conf import settings

    db = settings.DATABASES["default"]
    params = {"host": db["HOST"], "port": db["PORT"] or 5432, "user": db["USER"], "password": db["PASSWORD"]}
    return psycopg.connect(dbname=dbname, autocommit=True, **{k: v for k, v in params.items() if v})


def ensure_database() -> None:
    """CREATE DATABASE when the one DATABASE_URL names does not exist yet."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        sys.exit("The benchmark compares with PostgreSQL's COPY: set DATABASE_URL=postgres://…")
    with server_connection("postgres") as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]).fetchone():
            conn.execute(f'CREATE DATABASE "{db["NAME"]}"')


def write_csv(path: Path, rows: int) -> None:
    rng = random.Random(20260401)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow([item["name"] for item in ITEMS])
        for i in range(rows):
            born = f"{rng.randint(1940, 2020)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            writer.writerow(
                [
                    f"3505{i:014d}",
                    rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                    born,
                    f"福建省泉州市{rng.choice(STREETS)}{rng.randint(1, 999)}号{rng.randint(1, 30)}幢",
                    rng.randint(1, 9),
                ]
            )


def copy_baseline(path: Path) -> float:
    """PostgreSQL parses and stores the same CSV into a plain table: WAL-logged and committed like ours,
    but with no index, constraint or check."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS copy_baseline")
        cursor.execute(
            "CREATE TABLE copy_baseline "
            "(id_number text, full_name text, birth_date date, address text, household_size integer)"
        )
    raw = connection.connection
    started = time.perf_counter()
    copy_sql = "COPY copy_baseline FROM STDIN (FORMAT csv, HEADER true)"
    with raw.cursor() as cursor, cursor.copy(copy_sql) as copy, path.open("rb") as source:
        while chunk := source.read(1 << 20):
            copy.write(chunk)
    elapsed = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE copy_baseline")
    return elapsed


def fresh_entry():
    from catalog.models import Category, DataFormat, GradingLevel, OpenType, ShareType, UpdateFrequency
    from catalog.services import resource_create
    from catalog.workflow import resource_transition
    from dataplatform.core.demo.core import seed_core
    from dataplatform.core.models import User

    seed_core()
    producer, reviewer = User.objects.get(username="police_admin"), User.objects.get(username="reviewer")
    resource = resource_create(
        actor=producer,
        producer=producer.unit,
        items=ITEMS,
        code=f"BENCH-{time.time_ns()}",
        name="基准测试：人口基本信息",
        category=Category.POPULATION,
        data_format=DataFormat.TABLE,
        update_frequency=UpdateFrequency.DAILY,
        share_type=ShareType.UNCONDITIONAL,
        open_type=OpenType.ON_APPLICATION,
        grading_level=GradingLevel.LEVEL_3,
        service_methods=["interface"],
        holds_no_classified_data=True,  # Q8.3, required to submit
    )
    resource = resource_transition(resource=resource, to="submitted", actor=producer)
    return resource_transition(resource=resource, to="published", actor=reviewer), producer


def peak_reset() -> None:
    """Start a new peak: Linux resets VmHWM to the current RSS (``clear_refs`` 5), so the check alone
    that runs before does not count towards the aggregation's peak. Elsewhere the peak is process-wide."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def rss_mib(field: str = "VmHWM") -> float:
    """Resident memory (VmRSS) or its peak since the last reset (VmHWM), in MiB."""
    try:
        status = Path("/proc/self/status").read_text()
        return int(re.search(rf"^{field}:\s+(\d+) kB", status, re.M).group(1)) / 1024
    except (OSError, AttributeError):
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


class Phases:
    """Times the parts of one aggregation by wrapping the stage's two steps."""

    def __init__(self) -> None:
        self.times = {"load": 0.0, "repeats": 0.0, "apply": 0.0}

    def install(self) -> None:
        from catalog.aggregation.services import Stage

        Stage.load = self._timed("load", Stage.load)
        for cls in Stage.__subclasses__():
            cls.apply = self._timed("apply", cls.apply)
            if not cls.remember_keys:
                cls.find_repeated_keys = self._timed("repeats", cls.find_repeated_keys)

    def _timed(self, name: str, method: Callable) -> Callable:
        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                self.times[name] = time.perf_counter() - started

        return timed

    def report(self, total: float, start_rss: float) -> None:
        load, apply = self.times["load"], self.times["apply"]
        print(f"    peak RSS {rss_mib():8.1f} MiB (at the start {start_rss:.1f} MiB)")
        print(f"    read + check + COPY to the stage     {load:8.2f} s")
        print(f"      of which: repeated keys (one query) {self.times['repeats']:7.2f} s")
        print(f"    INSERT (fresh) / … ON CONFLICT        {apply:8.2f} s")
        print(f"    the rest (counts, audit, commit)      {total - load - apply:8.2f} s")


def aggregate(path: Path, resource, producer, phases: Phases) -> tuple[float, object]:
    from django.core.files import File

    from catalog.aggregation.services import batch_process
    from catalog.models import AggregationBatch, BatchSource

    with path.open("rb") as source:  # stored as an upload would be; the task's work is what is timed
        batch = AggregationBatch.objects.create(
            resource=resource,
            source=BatchSource.FILE,
            file=File(source, name=path.name),
            file_name=path.name,
            created_by=producer,
        )
    peak_reset()
    started = time.perf_counter()
    batch = batch_process(batch_id=batch.pk)
    return time.perf_counter() - started, batch


def check_only(path: Path, resource) -> float:
    """Reading and checking alone, no database: the Python part of the work. In a forked child, so that
    what it holds does not stay in this process's memory and count towards the aggregation's."""
    from catalog.aggregation.services import aggregation_schema
    from catalog.ingest.readers import read_table
    from catalog.ingest.rows import RowChecker

    checker = RowChecker(aggregation_schema(resource))
    read, write = os.pipe()
    if pid := os.fork():
        os.close(write)
        with os.fdopen(read) as answer:
            elapsed = float(answer.read())
        os.waitpid(pid, 0)
        return elapsed
    try:  # the child: no database, no exit handlers
        os.close(read)
        started = time.perf_counter()
        with path.open("rb") as source:
            table = read_table(source, path.name)
            for _ in table.check(checker):
                pass
            table.close()
        os.write(write, str(time.perf_counter() - started).encode())
    finally:
        os._exit(0)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the benchmark entry's records")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="dp-bench-") as tmp:
        os.environ["MEDIA_ROOT"] = str(Path(tmp) / "media")
        import django
        from django.core.management import call_command

        django.setup()
        ensure_database()
        call_command("migrate", verbosity=0)

        from django.db import connection

        path = Path(tmp) / "people.csv"
        started = time.perf_counter()
        write_csv(path, args.rows)
        print(
            f"generated {args.rows:,} rows ({path.stat().st_size / 2**20:.1f} MiB) in {time.perf_counter() - started:.1f} s"
        )
        resource, producer = fresh_entry()
        phases = Phases()
        phases.install()

        def line(label: str, seconds: float, extra: str = "") -> float:
            rate = args.rows / seconds
            print(f"{label:<40} {seconds:8.2f} s {rate:>12,.0f} rows/s{extra}")
            return rate

        baseline = line("PostgreSQL COPY into a plain table", copy_baseline(path))
        line("  our read + check alone (no database)", check_only(path, resource))
        start_rss = rss_mib("VmRSS")
        seconds, batch = aggregate(path, resource, producer, phases)
        counts = f"  [{batch.status}: {batch.inserted:,} inserted, {batch.updated:,} updated, {batch.unchanged:,} unchanged]"
        ours = line("our aggregation, fresh entry", seconds, counts)
        phases.report(seconds, start_rss)
        start_rss = rss_mib("VmRSS")
        seconds, batch = aggregate(path, resource, producer, phases)
        counts = f"  [{batch.status}: {batch.inserted:,} inserted, {batch.updated:,} updated, {batch.unchanged:,} unchanged]"
        again = line("our aggregation, same file again", seconds, counts)
        phases.report(seconds, start_rss)
        print(
            f"ratio ours / COPY: fresh {ours / baseline:.2f}, again {again / baseline:.2f} (target ≥ 0.5 fresh)"
        )
        if not args.keep:
            from catalog.records import table_name

            with connection.cursor() as cursor:
                cursor.execute(f"TRUNCATE {table_name(resource.pk)}")


if __name__ == "__main__":
    main()
