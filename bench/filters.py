"""Benchmark: filtered record lists through the data service interface at 100k, 1M and 5M records.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dp_bench_filters REDIS_URL=redis://127.0.0.1:6379/3 \
        .venv/bin/python bench/filters.py --sizes 100000,1000000,5000000

For each size it publishes a resource of its own (kept between runs: a second run skips the set-up) with a
key item ``credit_code``, two query items, ``district`` (100 values, ~1% of the records each) and
``company_name`` (one record each), and two other items, and fills its typed table straight with SQL
(``INSERT … SELECT … FROM generate_series``, its indexes built after, then ANALYZE): fast, and not what is
measured. An applicant unit is granted every item and given an API key, and gunicorn serves the production
WSGI app (DEBUG off, persistent connections; ``bench/settings_filters.py``: the page-walk watch counts but
never refuses, since 500 random filters repeat a district more than a real client may). Client processes then ask
``GET /api/v1/data/resources/<id>/records/?<item>=<random value>&page_size=50`` over keep-alive connections,
for each of the three filters, and the p50/p95 of each are printed (target: p95 < 20 ms), with the EXPLAIN
of the list query at the largest size: an index scan on the query item's (value, key) index, no sort of
all the matches, no count.
"""

import argparse
import http.client
import multiprocessing
import os
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.data_api import gunicorn_start, production_env  # noqa: E402

PORT = 8767
WSGI_APP = "dataplatform.wsgi:application"
DISTRICTS = 100
TARGET_MS = 20.0
ITEMS = [
    {"name": "credit_code", "label": "统一社会信用代码", "is_key": True, "required": True, "length": 18},
    {"name": "district", "label": "所属区县", "length": 50, "is_query": True},
    {"name": "company_name", "label": "企业名称", "length": 200, "is_query": True},
    {"name": "legal_rep", "label": "法定代表人", "length": 50},
    {"name": "reg_capital", "label": "注册资本（万元）", "item_type": "integer"},
]


def district(n: int) -> str:
    return f"泉州市第{n:03d}区"


def credit_code(n: int) -> str:
    return f"91350500F{n:09d}"


def company(n: int) -> str:
    return f"泉州测试企业{n}有限公司"


def configure() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = (
        "bench.settings_filters"  # production's, the page-walk never refusing
    )
    os.environ.setdefault("EMAIL_URL", "dummymail://")
    # Random filters from a few clients look like a crawler by design: alert, never suspend the grant.
    os.environ["DATA_API_AUTO_SUSPEND"] = "false"
    import django

    django.setup()
    from django.core.management import call_command

    from bench.aggregate import ensure_database

    ensure_database()
    call_command("migrate", verbosity=0)


def resource_for(size: int):
    """The published resource holding ``size`` records, made and filled the first time."""
    from catalog.models import Resource
    from catalog.services import resource_create
    from catalog.workflow import resource_transition
    from dataplatform.core.models import User

    code = f"BENCH-FILTERS-{size}"
    resource = Resource.objects.filter(code=code).first()
    if resource is not None and resource.record_count == size:
        return resource
    producer = User.objects.get(username="market_admin")
    if resource is None:
        resource = resource_create(
            actor=producer,
            producer=producer.unit,
            code=code,
            name=f"基准测试：企业名录（{size:,} 条）",
            category="legal_person",
            data_format="table",
            update_frequency="daily",
            share_type="unconditional",
            open_type="not_open",
            not_open_reason="基准测试",
            grading_level="1",
            holds_no_classified_data=True,
            service_methods=["interface"],
            items=ITEMS,
        )
        resource = resource_transition(resource=resource, to="submitted", actor=producer)
        resource = resource_transition(
            resource=resource, to="published", actor=User.objects.get(username="reviewer")
        )
    started = time.perf_counter()
    fill(resource.pk, size)
    Resource.objects.filter(pk=resource.pk).update(record_count=size)
    print(f"  filled {size:,} records in {time.perf_counter() - started:.1f} s")
    return Resource.objects.get(pk=resource.pk)


def fill(resource_id: int, size: int) -> None:
    """The records, written by PostgreSQL alone; the indexes are built once the rows are in."""
    from django.db import connection, transaction

    from catalog.records import table_name
    from catalog.records.tables import indexes_rebuilt

    table = table_name(resource_id)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {table}")
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        with indexes_rebuilt(resource_id):
            cursor.execute(
                f"""
                INSERT INTO {table} (_key, credit_code, district, company_name, legal_rep, reg_capital,
                                     _created_at, _updated_at, _batch_id)
                SELECT '91350500F' || lpad(n::text, 9, '0'), '91350500F' || lpad(n::text, 9, '0'),
                       '泉州市第' || lpad(((hashint4(n)::bigint & 2147483647) %% {DISTRICTS})::text, 3, '0') || '区',
                       '泉州测试企业' || n || '有限公司',
                       (ARRAY['张','王','李','陈','林'])[1 + n %% 5] || '某', (n * 37) %% 10000,
                       now(), now(), NULL
                FROM generate_series(0, %s - 1) AS n
                """,
                [size],
            )
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {table}")


def grant_and_key(resources) -> str:
    """An applicant unit granted every item of these resources, with limits that never refuse, and
    its API key (as bench/data_api.py does)."""
    from dataplatform.core.apikeys import api_key_issue
    from dataplatform.core.models import User
    from sharing.models import Grant
    from sharing.services import application_create
    from sharing.workflow import application_act

    applicant = User.objects.get(username="hrss_admin")
    missing = [
        r
        for r in resources
        if not Grant.objects.filter(unit=applicant.unit, resource=r, status="active").exists()
    ]
    if missing:
        application = application_create(
            actor=applicant,
            lines=[{"resource": r, "items": [item["name"] for item in ITEMS]} for r in missing],
            business_matter="基准测试",
            scenario="基准测试",
            information_system="基准系统",
            service_method="interface",
            end_date="2030-12-31",
        )
        application_act(application=application, action="submit", actor=applicant)
    Grant.objects.filter(resource__in=resources).update(
        rate_per_minute=10**9, daily_quota=10**9, daily_row_quota=10**9
    )
    return api_key_issue(actor=applicant, unit=applicant.unit, name="bench filters").key


def client(args) -> list[float]:
    resource_id, key, item, size, count, seed = args
    rng = random.Random(seed)
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    headers = {"Authorization": f"Api-Key {key}"}
    latencies = []
    for _ in range(count):
        n = rng.randrange(size)
        value = {
            "district": district(n % DISTRICTS),
            "company_name": company(n),
            "credit_code": credit_code(n),
        }[item]
        path = f"/api/v1/data/resources/{resource_id}/records/?{item}={quote(value)}&page_size=50"
        started = time.perf_counter()
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        body = response.read()
        latencies.append(time.perf_counter() - started)
        if response.status != 200 or b'"results":[]' in body:
            raise SystemExit(f"{path}: {response.status} {body[:300]!r}")
    connection.close()
    return latencies


def measure(
    resource_id: int, key: str, item: str, size: int, total: int, clients: int
) -> tuple[float, float]:
    client((resource_id, key, item, size, 20, 999))  # warm every worker's connection and caches
    jobs = [(resource_id, key, item, size, total // clients, seed) for seed in range(clients)]
    with multiprocessing.Pool(clients) as pool:
        latencies = [x for part in pool.map(client, jobs) for x in part]
    q = statistics.quantiles(latencies, n=100)
    return q[49] * 1000, q[94] * 1000


def explain(resource_id: int) -> str:
    """The plan of the very statement the list runs (caught from records_where), for one district."""
    from django.db import connection

    from catalog.records import Where, records_where

    caught = []

    def catch(execute, sql, params, many, context):
        caught.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(catch):
        records_where(resource_id=resource_id, where=Where({"district": district(7)}), after="", limit=51)
    sql, params = caught[-1]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql, params)
        plan = "\n".join(f"    {row[0]}" for row in cursor.fetchall())
    return f"  {sql}\n{plan}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sizes", default="100000,1000000,5000000", help="records per resource, comma-separated"
    )
    parser.add_argument("--requests", type=int, default=500, help="requests per filter and size")
    parser.add_argument("--clients", type=int, default=2, help="as many as workers: latency, not queueing")
    parser.add_argument("--workers", type=int, default=2)
    options = parser.parse_args()
    sizes = [int(size) for size in options.sizes.split(",")]
    configure()
    from dataplatform.core.demo.core import seed_core

    seed_core()
    resources = {}
    for size in sizes:
        print(f"resource of {size:,} records")
        resources[size] = resource_for(size)
    key = grant_and_key(list(resources.values()))
    server = gunicorn_start(WSGI_APP, workers=options.workers, port=PORT, env=production_env())
    try:
        print(
            f"{options.requests} list requests (page_size=50) per filter and size, {options.clients} client "
            f"processes, gunicorn with {options.workers} workers"
        )
        for size in sizes:
            for item in ("district", "company_name", "credit_code"):
                p50, p95 = measure(resources[size].pk, key, item, size, options.requests, options.clients)
                verdict = "yes" if p95 < TARGET_MS else "NO"
                print(
                    f"{size:>10,} records  {item:<13} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  "
                    f"p95 < {TARGET_MS:.0f} ms: {verdict}"
                )
    finally:
        server.terminate()
        server.wait(10)
    print(f"EXPLAIN of the list query at {sizes[-1]:,} records (district filter):")
    print(explain(resources[sizes[-1]].pk))


if __name__ == "__main__":
    main()
