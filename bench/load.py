"""Load: a realistic mix for a fixed time against gunicorn, with the Celery worker and beat running.

    .venv/bin/python bench/load.py --seconds 60 --clients 8

It uses a PostgreSQL database of its own (``DATABASE_URL``, default ``dp_load``, created if missing) and
Redis (``REDIS_URL``, default database 9), migrates, runs ``seed_demo``, and adds what the mix needs
through the services: a cross-verification grant and rule, an API key, the grants' limits raised so that
the run measures work, not refusals. Then it starts gunicorn (production settings, DEBUG off), a Celery
worker with beat embedded, and ``--clients`` processes, each picking a kind of request by weight until
the time is up:

- catalog search: ``GET /api/v1/catalog/search/?q=…`` in a data administrator's session (login form);
- record lookup: ``GET /api/v1/data/resources/<id>/records/<key>/`` with an API key;
- verification: ``POST /api/v1/data/verification-rules/<id>/verify/`` with an API key, the answer checked;
- application steps: a draft made by ``POST /api/v1/sharing/applications/`` and submitted by its ``act/``
  (session and CSRF token, as a browser does); each is one request of its own kind;
- download: the open-data portal's CSV of a dataset (``/open/datasets/<slug>/download.csv``).

It prints requests, throughput and p50/p95/p99 per kind, the errors (any unexpected status, 429 included,
or a wrong answer), and exits non-zero on any error or if the worker or gunicorn died.

The baseline, measured in the same run (``--against both``, the default): the same mix for the same time
against the minimal same-work views (bench/minimal_views.py, under /bench/min/, served without middleware
by bench/wsgi_bench.py): each kind's unavoidable database reads and writes in plain SQL. The minimal run
goes first; the clients pick the same sequence of kinds in both. Then it prints the ratio real / minimal
of the throughput (issue 19: at least 0.5) and, per kind, of the time a request takes (minimal mean /
real mean) and the kind's share of the extra time.
"""

import argparse
import contextlib
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.data_api import gunicorn_start, production_env  # noqa: E402
from bench.load_clients import PORT, Plan, client  # noqa: E402
from bench.load_report import compare, report  # noqa: E402

LOAD_DIR = ROOT / "var" / "load"  # media, audit checkpoints and archives of the load database, not the demo's
KEY_USER = "market_admin"  # its unit's information system calls the data interface with a key
VERIFY_MATTER = "负载测试：企业开办法定代表人身份交叉核验"
RULE_NAME = "负载测试：身份号码与姓名一致"
# The weights of the mix: machine-to-machine calls dominate, people search and apply, the public downloads.
MIX = {"record": 40, "verify": 20, "search": 20, "apply": 10, "download": 10}
LABELS = {
    "search": "catalog search",
    "record": "record lookup (API key)",
    "verify": "verification (API key)",
    "apply_create": "application: create draft",
    "apply_submit": "application: submit",
    "download": "open data CSV download",
}


def configure_environment() -> None:
    """The load's own database, Redis database and files; production settings for every process."""
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/dp_load")
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/9")
    os.environ["DJANGO_SETTINGS_MODULE"] = "dataplatform.settings"
    os.environ["DATA_API_AUTO_SUSPEND"] = "false"  # a load is "crawler-like" by design; alert, never suspend
    for name, folder in (
        ("MEDIA_ROOT", "media"),
        ("AUDIT_CHECKPOINT_DIR", "audit-checkpoints"),
        ("AUDIT_ARCHIVE_DIR", "audit-archives"),
    ):
        os.environ.setdefault(name, str(LOAD_DIR / folder))
    LOAD_DIR.mkdir(parents=True, exist_ok=True)


def setup() -> Plan:
    import django

    django.setup()
    from django.core.management import call_command

    from bench.aggregate import ensure_database

    ensure_database()
    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    plan = prepare()
    from django.db import connections

    connections.close_all()  # the client processes are forked and never use Django
    return plan


def prepare() -> Plan:
    from django.db import connection

    from catalog.models import Resource
    from catalog.records import table_name
    from dataplatform.core.apikeys import api_key_issue
    from dataplatform.core.models import User
    from opening.selectors import public_entries
    from sharing.models import Grant, GrantStatus, VerificationRule
    from sharing.verification import verification_rule_create

    population = Resource.objects.get(code="QZ-GA-RK-0001")
    holder = User.objects.get(username=KEY_USER)
    # The demo grants the holder's unit id_number and full_name by interface; verification needs its own.
    ensure_verification_grant(holder, population)
    rule = VerificationRule.objects.filter(name=RULE_NAME, is_active=True).first()
    if rule is None:
        rule = verification_rule_create(
            actor=User.objects.get(username="evaluator"),
            name=RULE_NAME,
            inputs=[{"name": "id_number", "label": "公民身份号码"}, {"name": "name", "label": "姓名"}],
            checks=[
                {
                    "name": "registered",
                    "resource": population.pk,
                    "match": {"id_number": "id_number", "full_name": "name"},
                }
            ],
        )
    # Limits high enough that the load measures the work, not the refusals.
    Grant.objects.filter(unit=holder.unit, resource=population, status=GrantStatus.ACTIVE).update(
        rate_per_minute=10**9, daily_quota=10**9, daily_row_quota=10**9
    )  # a record quota of its own also stops the whole-table watch (sharing.misuse), which a long run trips
    key = api_key_issue(actor=holder, unit=holder.unit, name="load test").key
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT _key, full_name FROM {table_name(population.pk)} ORDER BY _key")
        people = cursor.fetchall()
    downloads = [entry.slug for entry in public_entries() if entry.is_downloadable]
    return Plan(
        key=key,
        population=population.pk,
        people=people,
        rule=rule.pk,
        apply_resource=Resource.objects.get(code="QZ-RS-SB-0001").pk,  # conditional: to evaluation
        apply_items=["id_number", "paid"],
        downloads=downloads,
    )


def ensure_verification_grant(holder, resource) -> None:
    import datetime as dt

    from django.core.files.base import ContentFile
    from django.utils import timezone

    from sharing.forms import REQUIREMENTS_TITLE, TECHNICAL_PLAN_TITLE
    from sharing.models import Application
    from sharing.services import application_create, attachment_add
    from sharing.workflow import application_act

    if Application.objects.filter(applicant_unit=holder.unit, business_matter=VERIFY_MATTER).exists():
        return
    application = application_create(
        actor=holder,
        lines=[{"resource": resource, "items": ["id_number", "full_name"]}],
        business_matter=VERIFY_MATTER,
        scenario="企业设立登记时按身份号码与姓名核验法定代表人，只取核验结果",
        information_system="企业开办一网通办系统",
        service_method="verification",
        end_date=timezone.localdate() + dt.timedelta(days=365),
    )
    for title in (REQUIREMENTS_TITLE, TECHNICAL_PLAN_TITLE):
        paper = ContentFile(f"{title}：{VERIFY_MATTER}\n".encode(), name=f"{title}.txt")
        attachment_add(actor=holder, application=application, title=title, file=paper)
    # Unconditional data by verification is granted through the platform at submission (Q5.4).
    application_act(application=application, action="submit", actor=holder)


# --- the run ------------------------------------------------------------------------------------


def start_worker(env: dict) -> subprocess.Popen:
    """The Celery worker with beat embedded, on the load's Redis database, as in production; its banner
    and log go to var/load/worker.log."""
    log = (LOAD_DIR / "worker.log").open("w")
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "dataplatform",
            "worker",
            "--beat",
            "--schedule",
            str(LOAD_DIR / "celerybeat-schedule"),
            "--concurrency",
            "2",
            "--loglevel",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its pool and beat form a group of their own, stopped together
    )


def stop(process: subprocess.Popen, *, group: bool = False, seconds: float = 30) -> None:
    """Terminate a process we started (its whole group when it leads one), killing it after a grace time."""
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)
    if group:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # a pool process left behind by a killed parent


def collect_static(env: dict) -> None:
    """With DEBUG off the pages name hashed static files: the manifest must exist (as in the image)."""
    if not (ROOT / "var" / "static" / "staticfiles.json").exists():
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
            cwd=ROOT,
            env=env,
            check=True,
        )


def drive(
    plan: Plan, *, clients: int, seconds: float, mix: dict, minimal: bool = False
) -> tuple[list, list[str], float]:
    ready = multiprocessing.Barrier(clients + 1)
    results = multiprocessing.Queue()
    processes = [
        multiprocessing.Process(target=client, args=(n, plan, seconds, mix, ready, results, minimal))
        for n in range(clients)
    ]
    for process in processes:
        process.start()
    ready.wait(timeout=120)  # every client logged in: the clock starts for all at once
    samples, errors, elapsed = [], [], 0.0
    for _ in processes:
        part, part_errors, part_elapsed = results.get(timeout=seconds + 180)
        samples += part
        errors += part_errors
        elapsed = max(elapsed, part_elapsed)
    for process in processes:
        process.join()
    return samples, errors, elapsed


def background_report(since, *, wait: float = 60) -> None:
    """What the run left to the worker: the e-mails of the notifications its submissions raised, each
    queued as a task after commit. Waits for the worker to drain them, then prints the audit events."""
    from django.db.models import Count

    from audit.models import AuditEvent
    from dataplatform.core.models import Notification

    raised = Notification.objects.filter(created_at__gte=since).exclude(recipient__email="")
    deadline = time.monotonic() + wait
    while raised.filter(emailed_at=None).exists() and time.monotonic() < deadline:
        time.sleep(1)
    unsent = raised.filter(emailed_at=None).count()
    print(
        f"notification e-mails raised by the run: {raised.count()}, sent by the worker: {raised.count() - unsent}"
    )
    actions = AuditEvent.objects.filter(occurred_at__gte=since).values("action").annotate(n=Count("id"))
    print("audit events written during the run:", ", ".join(f"{a['action']} {a['n']}" for a in actions))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument(
        "--warmup",
        type=float,
        default=3,
        help="seconds of the mix, not counted, against each side before the measured runs",
    )
    parser.add_argument(
        "--against",
        choices=["both", "real", "minimal"],
        default="both",
        help="the real endpoints, the minimal same-work views, or both one after the other (the ratio)",
    )
    options = parser.parse_args()
    configure_environment()
    plan = setup()
    mix = dict(MIX) if plan.downloads else {k: v for k, v in MIX.items() if k != "download"}
    if not plan.downloads:
        print("no downloadable open dataset: the mix runs without downloads")
    env = production_env()
    collect_static(env)
    # The bench settings: the production ones with bench/urls_bench.py, whose /bench/min/ views
    # bench/wsgi_bench.py serves without middleware (the real URLs go through the whole stack).
    env["DJANGO_SETTINGS_MODULE"] = "bench.settings_bench"
    worker = start_worker(env)
    server = None
    runs = {"both": [True, False], "real": [False], "minimal": [True]}[options.against]
    try:
        server = gunicorn_start("bench.wsgi_bench:application", workers=options.workers, port=PORT, env=env)
        print(
            f"{options.clients} client processes for {options.seconds:g} s against gunicorn with "
            f"{options.workers} workers, Celery worker and beat running; mix {mix}"
        )
        from django.utils import timezone

        since = timezone.now()
        failed, measured = 0, {}
        for minimal in runs:  # every worker has imported and compiled what each side runs
            _samples, errors, _elapsed = drive(
                plan, clients=options.clients, seconds=options.warmup, mix=mix, minimal=minimal
            )
            failed += len(errors)
            for line in errors:
                print("  error while warming up:", line)
        for minimal in runs:
            name = "minimal" if minimal else "real"
            print(
                f"\n-- {name}: " + ("minimal same-work views (/bench/min/)" if minimal else "real endpoints")
            )
            samples, errors, elapsed = drive(
                plan, clients=options.clients, seconds=options.seconds, mix=mix, minimal=minimal
            )
            failed += report(samples, elapsed, LABELS)
            for line in errors:
                print("  error:", line)
            measured[name] = (samples, elapsed)
        if len(measured) == 2:
            print()
            compare(measured["real"], measured["minimal"], LABELS)
        print()
        background_report(since)
        if worker.poll() is not None:
            print(
                f"the Celery worker exited ({worker.returncode}) during the run: see {LOAD_DIR / 'worker.log'}"
            )
            failed += 1
        if server.poll() is not None:
            print(f"gunicorn exited ({server.returncode}) during the run")
            failed += 1
    finally:
        if server is not None:
            stop(server)
        stop(worker, group=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
