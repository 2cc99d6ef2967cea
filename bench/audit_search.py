"""Audit search over N events (default 10,000,000; --events for fewer): p50 and p95 of the three
commonest searches, through the API, beside the bare SQL of the same filters.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dp_audit_bench \\
        .venv/bin/python bench/audit_search.py --events 1000000

Uses the events ``bench/audit_verify.py`` loaded (loads them if the count differs). The searches, as the
authority's platform administrator sees them: a unit's events (acting or data owner) over the last 30 days,
an action over the last 7 days, and one person's events. Each request is ``GET /api/v1/audit/events/``
(first page of 50, with its count) through Django's test client; the baseline is the filter alone as bare
SQL (``SELECT id … ORDER BY occurred_at DESC, id DESC LIMIT 50``). The plans are printed: the indexes used.
"""

import argparse
import datetime as dt
import os
import random
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dataplatform.settings")

DATA_ACTIONS = ["data.query", "data.verify", "login", "push.run"]


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def plan(units, people, count: int, seed: int) -> list[tuple[str, dict]]:
    today = dt.date.today()
    rng = random.Random(seed)
    kinds = [
        ("unit, 30 days", lambda: {"unit": rng.choice(units).pk, "date_from": today - dt.timedelta(days=30)}),
        (
            "action, 7 days",
            lambda: {"action": rng.choice(DATA_ACTIONS), "date_from": today - dt.timedelta(days=7)},
        ),
        ("person", lambda: {"person": rng.choice(people).pk}),
    ]
    return [(name, make()) for _ in range(count) for name, make in kinds]


def bare_sql(params: dict) -> tuple[str, list]:
    from audit.usage import day_bounds

    where, args = [], []
    if "unit" in params:
        where.append("(actor_unit_id = %s OR owner_unit_id = %s)")
        args += [params["unit"], params["unit"]]
    if "action" in params:
        where.append("action LIKE %s")
        args.append(params["action"] + "%")
    if "person" in params:
        where.append("actor_id = %s")
        args.append(params["person"])
    if "date_from" in params:
        where.append("occurred_at >= %s")
        args.append(day_bounds(params["date_from"])[0])
    sql = f"SELECT id FROM audit_auditevent WHERE {' AND '.join(where)} ORDER BY occurred_at DESC, id DESC LIMIT 50"
    return sql, args


def indexes_used(plan: str) -> str:
    """The plan's scans, summed over the partitions: 'Index Scan Backward audit_owner_time ×13, …'."""
    scans: dict[str, int] = {}
    for line in plan.splitlines():
        match = re.search(
            r"((?:Bitmap Index|Index Only|Index|Seq) Scan(?: Backward)?) (?:using|on) (\S+)", line
        )
        if match and "audit_auditevent" in match[2]:
            index = re.sub(r"audit_auditevent_(p\d{4}_\d{2}|default)_?", "", match[2])
            index = index if index and match[1] != "Seq Scan" else "(partition)"
            key = f"{match[1]} {index}"
            scans[key] = scans.get(key, 0) + 1
    return ", ".join(f"{key} ×{n}" for key, n in scans.items())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--requests", type=int, default=50, help="of each kind")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--fresh", action="store_true", help="load the events again")
    args = parser.parse_args()
    from bench.audit_verify import prepare

    units, people = prepare(args.events, args.fresh)
    from django.db import connection
    from django.test import Client, override_settings

    from audit.search import AuditFilters, audit_event_search
    from dataplatform.core.models import Role, User
    from dataplatform.core.people import role_assign

    admin = User.objects.filter(username="bench_audit_admin").first()
    if admin is None:
        tech = next(unit for unit in units if unit.name.endswith("公安局"))
        admin = User.objects.create_user(username="bench_audit_admin", real_name="平台管理员", unit=tech)
        admin.unit.kind = "tech_service"
        role_assign(actor=None, user=admin, role=Role.PLATFORM_ADMIN)
    requests = plan(units, people, args.requests, args.seed)
    for name, params in requests[:3]:
        query = audit_event_search(user=admin, filters=AuditFilters(**params))[:50]
        print(f"plan of '{name}' {params}: {indexes_used(query.explain())}")

    client = Client()
    client.force_login(admin)
    api, bare = [], []
    with override_settings(DEBUG=False):
        for _, params in requests[:15]:  # warm PostgreSQL's cache like a running server
            client.get("/api/v1/audit/events/", params)
        for name, params in requests:
            started = time.perf_counter()
            response = client.get("/api/v1/audit/events/", params)
            api.append((name, (time.perf_counter() - started) * 1000))
            assert response.status_code == 200, response.content
        for name, params in requests:
            sql, sql_args = bare_sql(params)
            started = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute(sql, sql_args)
                cursor.fetchall()
            bare.append((name, (time.perf_counter() - started) * 1000))

    print(f"\n{len(requests)} searches over {args.events:,} events (ms)")
    print(f"{'search':<16}{'n':>5}{'API p50':>10}{'API p95':>10}{'SQL p50':>10}{'SQL p95':>10}")
    for name in dict.fromkeys(name for name, _ in requests):
        a = [ms for k, ms in api if k == name]
        b = [ms for k, ms in bare if k == name]
        print(
            f"{name:<16}{len(a):>5}{percentile(a, 50):>10.1f}{percentile(a, 95):>10.1f}"
            f"{percentile(b, 50):>10.1f}{percentile(b, 95):>10.1f}"
        )
    a, b = [ms for _, ms in api], [ms for _, ms in bare]
    print(f"{'all':<16}{len(a):>5}{percentile(a, 50):>10.1f}{percentile(a, 95):>10.1f}", end="")
    print(f"{percentile(b, 50):>10.1f}{percentile(b, 95):>10.1f}")
    print(f"ratio API / bare SQL at p95: {percentile(a, 95) / percentile(b, 95):.1f}")


if __name__ == "__main__":
    main()
