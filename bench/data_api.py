"""Benchmark: the data service interface under concurrency, beside the minimal view doing the same work.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dp_bench_api REDIS_URL=redis://127.0.0.1:6379/3 \
        .venv/bin/python bench/data_api.py --records 10000 --requests 4000 --clients 4

It migrates its database, publishes a resource with N synthetic records, grants an applicant two of its
four items and issues an API key, then starts gunicorn (the production WSGI app, with bench-only URLs)
and sends key lookups from several client processes over keep-alive connections, in turn to:

1. a bare DRF view (the same record as the same JSON, no key, grant, limits, crawler watch or audit);
2. the minimal same-work view (bench/minimal_views.py ``record``: the API-key hash lookup, the grant
   row, the record from the resource's table, one audit INSERT committed before the answer; plain SQL
   on one cursor, no DRF, no middleware) — the baseline of issue 19;
3. the real endpoint.

It prints requests per second and p50/p95 latency for each, and the ratio of the real endpoint to the
same-work view (target: at least 0.7; p95 under 25 ms at 8 clients).
"""

import argparse
import http.client
import multiprocessing
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PORT = 8765


def setup(records: int) -> tuple[int, str, list[str]]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings_bench")
    import django

    django.setup()
    from django.core.management import call_command

    from bench.aggregate import ensure_database

    ensure_database()

    call_command("migrate", verbosity=0)
    from catalog.aggregation.services import records_upsert
    from catalog.models import Resource
    from catalog.services import resource_create
    from catalog.workflow import resource_transition
    from dataplatform.core.apikeys import api_key_issue
    from dataplatform.core.demo.core import seed_core
    from dataplatform.core.models import User
    from sharing.models import Grant
    from sharing.services import application_create
    from sharing.workflow import application_act

    seed_core()
    producer = User.objects.get(username="market_admin")
    applicant = User.objects.get(username="hrss_admin")
    resource = Resource.objects.filter(code="BENCH-API").first()
    if resource is None:
        resource = resource_create(
            actor=producer,
            producer=producer.unit,
            code="BENCH-API",
            name="基准测试企业信息",
            category="legal_person",
            data_format="table",
            update_frequency="daily",
            share_type="unconditional",
            open_type="not_open",
            not_open_reason="基准测试",
            grading_level="1",
            holds_no_classified_data=True,  # Q8.3, required to submit
            service_methods=["interface"],
            items=[
                {
                    "name": "credit_code",
                    "label": "统一社会信用代码",
                    "is_key": True,
                    "required": True,
                    "length": 18,
                },
                {"name": "company_name", "label": "企业名称", "length": 200},
                {"name": "legal_rep", "label": "法定代表人", "length": 50},
                {"name": "address", "label": "住所", "length": 200},
            ],
        )
        resource = resource_transition(resource=resource, to="submitted", actor=producer)
        resource = resource_transition(
            resource=resource, to="published", actor=User.objects.get(username="reviewer")
        )
        rows = [
            {
                "credit_code": f"91350500BENCH{n:05d}",
                "company_name": f"企业{n}",
                "legal_rep": "张三",
                "address": "泉州",
            }
            for n in range(records)
        ]
        for start in range(0, len(rows), 10000):
            records_upsert(actor=producer, resource=resource, records=rows[start : start + 10000])
    if not Grant.objects.filter(unit=applicant.unit, resource=resource, status="active").exists():
        application = application_create(
            actor=applicant,
            lines=[{"resource": resource, "items": ["credit_code", "company_name"]}],
            business_matter="基准测试",
            scenario="基准测试",
            information_system="基准系统",
            service_method="interface",
            end_date="2030-12-31",
        )
        application_act(application=application, action="submit", actor=applicant)
    # Limits high enough that the benchmark measures the checks, not the refusals.
    Grant.objects.filter(resource=resource).update(
        rate_per_minute=10**9, daily_quota=10**9, daily_row_quota=10**9
    )
    key = api_key_issue(actor=applicant, unit=applicant.unit, name="bench").key
    keys = [f"91350500BENCH{n:05d}" for n in range(records)]
    return resource.pk, key, keys


def production_env() -> dict[str, str]:
    """The environment of production (docker-compose.yml): DEBUG off, persistent database connections;
    plain HTTP on the loopback, so no redirect to HTTPS."""
    env = {**os.environ, "DEBUG": "false", "SECRET_KEY": "bench-" + "x" * 60, "SECURE_SSL_REDIRECT": "false"}
    env.setdefault("CONN_MAX_AGE", "60")
    env.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
    return env


def gunicorn_start(
    app: str, *, workers: int, port: int, env: dict[str, str] | None = None
) -> subprocess.Popen:
    """gunicorn serving ``app`` on the loopback, returned once it answers."""
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            app,
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env or production_env(),
    )
    for _ in range(600):
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/api/v1/calendar/2026/")
            return server
        except OSError:
            if server.poll() is not None:
                raise SystemExit(f"gunicorn exited with {server.returncode}") from None
            time.sleep(0.1)
    server.terminate()
    raise SystemExit("gunicorn did not answer within 60 s")


def client(args) -> list[float]:
    path_template, headers, keys, count, seed, port = args
    rng = random.Random(seed)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    latencies = []
    for _ in range(count):
        path = path_template.format(key=rng.choice(keys))
        started = time.perf_counter()
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        body = response.read()
        latencies.append(time.perf_counter() - started)
        if response.status != 200:
            raise SystemExit(f"{path}: {response.status} {body[:200]!r}")
    connection.close()
    return latencies


def run(
    label: str, path_template: str, headers: dict, keys: list[str], total: int, clients: int, port: int = PORT
) -> float:
    per_client = total // clients
    jobs = [(path_template, headers, keys, per_client, n, port) for n in range(clients)]
    client((*jobs[0][:3], 20, 99, port))  # warm up every worker's connection and caches
    started = time.perf_counter()
    with multiprocessing.Pool(clients) as pool:
        latencies = [x for part in pool.map(client, jobs) for x in part]
    elapsed = time.perf_counter() - started
    rate = len(latencies) / elapsed
    q = statistics.quantiles(latencies, n=100)
    print(f"{label:<44} {rate:8.0f} req/s   p50 {q[49] * 1000:6.1f} ms   p95 {q[94] * 1000:6.1f} ms")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=10000)
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=PORT, help="gunicorn's port on the loopback")
    options = parser.parse_args()
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings_bench"
    resource_id, key, keys = setup(options.records)
    server = gunicorn_start("bench.wsgi_bench:application", workers=options.workers, port=options.port)
    try:
        print(
            f"{options.requests} lookups of {options.records} records, {options.clients} client processes, "
            f"gunicorn with {options.workers} workers"
        )
        bare = run(
            "bare DRF view (no checks)",
            f"/bench/bare/{resource_id}/{{key}}/",
            {},
            keys,
            options.requests,
            options.clients,
            options.port,
        )
        same_work = run(
            "minimal same-work view (key, grant, audit)",
            f"/bench/min/records/{resource_id}/{{key}}/",
            {"Authorization": f"Api-Key {key}"},
            keys,
            options.requests,
            options.clients,
            options.port,
        )
        real = run(
            "data interface (key, grant, limits, audit)",
            f"/api/v1/data/resources/{resource_id}/records/{{key}}/",
            {"Authorization": f"Api-Key {key}"},
            keys,
            options.requests,
            options.clients,
            options.port,
        )
        print(f"ratio data interface / minimal same-work view: {real / same_work:.2f} (target >= 0.70)")
        print(f"ratio data interface / bare DRF view: {real / bare:.2f}")
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
