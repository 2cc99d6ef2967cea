"""Page weight and time to first render of the five heaviest pages, in headless Chromium.

    # against a server that already runs on the seeded demo
    .venv/bin/python bench/pages.py --url http://127.0.0.1:8181

    # or start one: create the database if missing (migrated and seeded), collectstatic, gunicorn, stop
    .venv/bin/python bench/pages.py --database postgres://postgres@127.0.0.1:5432/dp_bench_pages

    # the code as committed at some commit, beside this tree, as the baseline of the same run
    git archive <commit> | tar -x -C /tmp/before; ln -s $PWD/.venv $PWD/node_modules /tmp/before/
    .venv/bin/python bench/pages.py --database postgres://…/dp_bench_pages \\
        --baseline-root /tmp/before --baseline-database postgres://…/dp_bench_pages_before

Each page is opened as the demo person who works with it, logged in through the login page, in a fresh
browser context per load (1366×768, zh-CN) with the cache disabled, so that every load fetches everything.
Per load it counts, through the DevTools protocol, the requests and the bytes received over the wire
(headers and compressed bodies: ``Network.loadingFinished``'s ``encodedDataLength``) for the document and
every sub-resource until the network is idle (Swagger UI's schema, a chart's data), and reads
first-contentful-paint from the Performance API. One load per page warms the server and is not counted;
the figures are the medians of ``--loads`` loads (5 by default).

With ``--save FILE`` this run's figures are written as JSON. The baseline, printed beside them with the
ratios after / before, is either a saved run (``--compare FILE``) or another tree measured in the same run
(``--baseline-root`` or ``--baseline-url``), its loads alternating with this tree's so that a machine whose
load changes meanwhile weighs on both alike. A load that does not end on the page asked for (a redirect to
the login page, an error) or loses a sub-resource stops the run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tools.local_server import CHROMIUM, CHROMIUM_ARGS, PASSWORD, stop, wait_until_serving  # noqa: E402

VIEWPORT = {"width": 1366, "height": 768}
TIMEOUT_MS = 120_000  # a machine busy with other work can take its time


@dataclass(frozen=True)
class PageSpec:
    name: str
    path: str
    persona: str  # the demo person who works with the page


PAGES = [
    PageSpec("supervision dashboard", "/supervision/", "reviewer"),  # the city authority
    PageSpec("audit search", "/audit/search/", "reviewer"),
    PageSpec("grants", "/sharing/grants/", "reviewer"),  # suspends and resumes them
    PageSpec("catalog search", "/catalog/search/", "market_admin"),  # looks for data to apply for
    PageSpec("API docs", "/api/v1/docs/", "police_admin"),  # a unit's developer
]


@dataclass
class Load:
    requests: int
    document_bytes: int
    total_bytes: int
    ttfb_ms: float
    fcp_ms: float
    height_px: int
    resources: list[tuple[str, str, int]]  # address, type, bytes received


@dataclass
class Figures:
    name: str
    path: str
    persona: str
    loads: int
    requests: int
    document_bytes: int
    total_bytes: int
    ttfb_ms: float
    fcp_ms: float
    fcp_min_ms: float
    fcp_max_ms: float
    height_px: int = 0  # the page's height at 1366 px wide (a table whose cells wrap grows tall)


# --- a server of our own -----------------------------------------------------------------------------

SETTINGS = """\
import os

from dataplatform.settings import *  # noqa: F403

STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]  # not the tree's var/static
"""


def database_exists(url: str) -> bool:
    import psycopg

    parts = urlsplit(url)
    server = parts._replace(path="/postgres").geturl()
    with psycopg.connect(server, autocommit=True) as conn:
        name = parts.path.lstrip("/")
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return True
        conn.execute(f'CREATE DATABASE "{name}"')
        return False


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def served(root: Path, database: str, port: int | None) -> Iterator[str]:
    """gunicorn (2 workers, DEBUG off, hashed and compressed static files as in production) serving the
    tree at ``root`` on ``database``; the database is created, migrated and seeded when missing. The
    media and audit checkpoints of a database live in ``<root>/var/bench-pages/<name>/``, beside it."""
    name = urlsplit(database).path.lstrip("/")
    files = root / "var" / "bench-pages" / name
    files.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    (work / "bench_pages_settings.py").write_text(SETTINGS)
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "DEBUG": "false",
        "SECRET_KEY": "bench-" + "x" * 60,
        "SECURE_SSL_REDIRECT": "false",
        "CONN_MAX_AGE": "60",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "MEDIA_ROOT": str(files / "media"),
        "AUDIT_CHECKPOINT_DIR": str(files / "audit-checkpoints"),
        "AUDIT_ARCHIVE_DIR": str(files / "audit-archives"),
        "BENCH_STATIC_ROOT": str(work / "static"),
        "DJANGO_SETTINGS_MODULE": "bench_pages_settings",
        "PYTHONPATH": os.pathsep.join([str(work), str(root)]),
    }
    env.pop("REDIS_URL", None)  # Celery eager: seeding sends its e-mails in-process, nothing left queued
    python = str(root / ".venv" / "bin" / "python")

    def manage(*args: str) -> None:
        subprocess.run([python, "manage.py", *args], cwd=root, env=env, check=True, stdout=subprocess.DEVNULL)

    existed = database_exists(database)
    print(f"{root}: {'migrating' if existed else 'creating, migrating and seeding'} {name}", flush=True)
    manage("migrate", "--no-input", "-v", "0")
    if not existed:
        manage("seed_demo")
    manage("compilemessages", "--ignore=.venv", "--ignore=node_modules", "-v", "0")
    manage("collectstatic", "--no-input", "-v", "0")
    port = port or free_port()
    command = [python, "-m", "gunicorn", "dataplatform.wsgi:application", "--bind", f"127.0.0.1:{port}"]
    server = subprocess.Popen([*command, "--workers", "2", "--log-level", "warning"], cwd=root, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(server, url, name="gunicorn")
        yield url
    finally:
        stop(server)
        shutil.rmtree(work, ignore_errors=True)


# --- measuring -----------------------------------------------------------------------------------------


def log_in(browser, url: str, username: str) -> dict:
    """Log in through the login page; the cookies of the session, for every later context."""
    context = browser.new_context(locale="zh-CN", viewport=VIEWPORT)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(url + "/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form:has(#id_password) button[type=submit]").click()
    page.get_by_test_id("user-menu").wait_for()
    state = context.storage_state()
    context.close()
    return state


def load_once(browser, url: str, spec: PageSpec, state: dict) -> Load:
    context = browser.new_context(locale="zh-CN", viewport=VIEWPORT, storage_state=state)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        requests: dict[str, tuple[str, str]] = {}
        received: dict[str, float] = {}
        failed: list[str] = []

        def sent(event: dict) -> None:
            address = event["request"]["url"]
            if not address.startswith(("data:", "blob:")):  # never on the wire
                requests[event["requestId"]] = (address, event.get("type", "Other"))

        cdp.on("Network.requestWillBeSent", sent)
        cdp.on(
            "Network.loadingFinished",
            lambda event: received.__setitem__(event["requestId"], event["encodedDataLength"]),
        )
        cdp.on("Network.loadingFailed", lambda event: failed.append(event.get("errorText", "")))
        response = page.goto(url + spec.path, wait_until="load")
        page.wait_for_load_state("networkidle")
        if response is None or response.status != 200 or page.url != url + spec.path:
            status = response.status if response else "no answer"
            raise SystemExit(f"{spec.name}: {spec.path} as {spec.persona} ended at {page.url} ({status})")
        if failed:
            raise SystemExit(f"{spec.name}: failed sub-resources {failed}")
        timing = page.evaluate(
            """() => ({
                ttfb: performance.getEntriesByType('navigation')[0].responseStart,
                fcp: (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime,
                height: document.documentElement.scrollHeight,
            })"""
        )
        if timing["fcp"] is None:
            raise SystemExit(f"{spec.name}: no first-contentful-paint entry")
        resources = [(address, kind, int(received.get(key, 0))) for key, (address, kind) in requests.items()]
        return Load(
            requests=len(requests),
            document_bytes=sum(size for _, kind, size in resources if kind == "Document"),
            total_bytes=sum(size for _, _, size in resources),
            ttfb_ms=float(timing["ttfb"]),
            fcp_ms=float(timing["fcp"]),
            height_px=int(timing["height"]),
            resources=resources,
        )
    finally:
        context.close()


def load_again(browser, url: str, spec: PageSpec, state: dict) -> Load:
    """A load, tried a second time if the first never went quiet (a server worker stuck for a while on a
    machine busy with other work)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        return load_once(browser, url, spec, state)
    except PlaywrightTimeout as timeout:
        print(f"  {spec.name}: {timeout.message.splitlines()[0]}; once more", file=sys.stderr, flush=True)
        return load_once(browser, url, spec, state)


def summarise(spec: PageSpec, runs: list[Load]) -> Figures:
    fcps = [run.fcp_ms for run in runs]
    return Figures(
        name=spec.name,
        path=spec.path,
        persona=spec.persona,
        loads=len(runs),
        requests=round(statistics.median(run.requests for run in runs)),
        document_bytes=round(statistics.median(run.document_bytes for run in runs)),
        total_bytes=round(statistics.median(run.total_bytes for run in runs)),
        ttfb_ms=statistics.median(run.ttfb_ms for run in runs),
        fcp_ms=statistics.median(fcps),
        fcp_min_ms=min(fcps),
        fcp_max_ms=max(fcps),
        height_px=max(run.height_px for run in runs),
    )


def measure(
    targets: dict[str, str], loads: int, pages: list[PageSpec], *, resources: bool = False
) -> dict[str, list[Figures]]:
    """Each page on each target (label → server address). The loads of the targets alternate, so that a
    machine whose load changes during the run weighs on both alike."""
    from playwright.sync_api import sync_playwright

    figures: dict[str, list[Figures]] = {label: [] for label in targets}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        states: dict[tuple[str, str], dict] = {}
        for spec in pages:
            runs: dict[str, list[Load]] = {label: [] for label in targets}
            for label, url in targets.items():
                if (label, spec.persona) not in states:
                    states[label, spec.persona] = log_in(browser, url, spec.persona)
                load_again(browser, url, spec, states[label, spec.persona])  # warms the server; not counted
            for _ in range(loads):
                for label, url in targets.items():
                    runs[label].append(load_again(browser, url, spec, states[label, spec.persona]))
            for label, url in targets.items():
                figures[label].append(summarise(spec, runs[label]))
                print(f"  measured {spec.name} ({label})", file=sys.stderr, flush=True)
                if resources:
                    for address, kind, size in runs[label][-1].resources:
                        print(f"    {kib(size):>9} KiB  {kind:<10} {address[len(url) :]}", file=sys.stderr)
        browser.close()
    return figures


# --- printing ------------------------------------------------------------------------------------------


def kib(size: float) -> str:
    return f"{size / 1024:,.1f}"


def print_figures(title: str, figures: list[Figures]) -> None:
    print(title)
    print(
        f"{'page':<22} {'persona':<13} {'requests':>8} {'document KiB':>12} {'total KiB':>10}"
        f" {'TTFB ms':>8} {'FCP ms':>7} {'(min–max)':>12} {'height px':>9}"
    )
    for row in figures:
        spread = f"{row.fcp_min_ms:.0f}–{row.fcp_max_ms:.0f}"
        print(
            f"{row.name:<22} {row.persona:<13} {row.requests:>8} {kib(row.document_bytes):>12}"
            f" {kib(row.total_bytes):>10} {row.ttfb_ms:>8.0f} {row.fcp_ms:>7.0f} {spread:>12} {row.height_px:>9,}"
        )


def print_comparison(before: list[Figures], after: list[Figures]) -> None:
    print("before → after (ratio after / before)")
    print(f"{'page':<22} {'requests':>9} {'total KiB':>26} {'FCP ms':>20} {'height px':>22}")
    by_name = {row.name: row for row in before}
    for row in after:
        old = by_name.get(row.name)
        if old is None:
            print(f"{row.name:<22} (not in the baseline)")
            continue
        requests = f"{old.requests} → {row.requests}"
        weight = f"{kib(old.total_bytes)} → {kib(row.total_bytes)} ({row.total_bytes / old.total_bytes:.2f})"
        fcp = f"{old.fcp_ms:.0f} → {row.fcp_ms:.0f} ({row.fcp_ms / old.fcp_ms:.2f})"
        height = f"{old.height_px:,} → {row.height_px:,}"
        if old.height_px:
            height += f" ({row.height_px / old.height_px:.2f})"
        print(f"{row.name:<22} {requests:>9} {weight:>26} {fcp:>20} {height:>22}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--url", help="a running server on the seeded demo, e.g. http://127.0.0.1:8181")
    where.add_argument("--database", help="serve this tree on this PostgreSQL database (seeded if created)")
    parser.add_argument("--port", type=int, help="the port of the server started with --database")
    parser.add_argument("--loads", type=int, default=5, help="measured loads per page (the median is shown)")
    parser.add_argument("--resources", action="store_true", help="list each page's requests (on stderr)")
    parser.add_argument("--save", type=Path, help="write this run's figures as JSON")
    parser.add_argument("--compare", type=Path, help="a saved run (--save) to print as the baseline")
    parser.add_argument("--baseline-root", type=Path, help="another tree, served and measured alongside")
    parser.add_argument("--baseline-database", help="the baseline tree's database (with --baseline-root)")
    parser.add_argument("--baseline-url", help="a running server of the baseline")
    options = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that the server started is stopped too
    if options.baseline_root and not options.baseline_database:
        parser.error("--baseline-root needs --baseline-database")
    if options.compare and (options.baseline_root or options.baseline_url):
        parser.error("--compare prints a saved baseline: not with a baseline measured in the same run")

    before: list[Figures] | None = None
    with ExitStack() as stack:
        targets = {}
        if options.baseline_url:
            targets["before"] = options.baseline_url
        elif options.baseline_root:
            targets["before"] = stack.enter_context(
                served(options.baseline_root.resolve(), options.baseline_database, None)
            )
        targets["after"] = options.url or stack.enter_context(served(ROOT, options.database, options.port))
        figures = measure(targets, options.loads, PAGES, resources=options.resources)
    after = figures["after"]
    if options.compare:
        before = [Figures(**row) for row in json.loads(options.compare.read_text())["pages"]]
    else:
        before = figures.get("before")

    print(
        f"{len(PAGES)} pages, median of {options.loads} loads each after one warm-up, fresh context per load,"
        f" cache disabled, {VIEWPORT['width']}×{VIEWPORT['height']}, headless Chromium"
    )
    if before is not None:
        print_figures("before" + (f" ({options.compare})" if options.compare else ""), before)
    print_figures("this run" if before is None else "after", after)
    if before is not None:
        print_comparison(before, after)
    if options.save:
        options.save.parent.mkdir(parents=True, exist_ok=True)
        saved = {"measured_at": time.strftime("%Y-%m-%d %H:%M"), "pages": [asdict(row) for row in after]}
        options.save.write_text(json.dumps(saved, ensure_ascii=False, indent=2) + "\n")


if __name__ == "__main__":
    main()
