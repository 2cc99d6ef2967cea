"""Screenshots of the key pages for the README, at 1366×768 in headless Chromium, in Chinese.

    make screenshots                                        # into docs/screenshots/
    .venv/bin/python tools/screenshots.py --url http://127.0.0.1:8000 --out /tmp/shots

With ``--url`` it shoots a running server on the seeded demo (``make run``); without, it serves the demo
itself: a fresh SQLite database in a temporary folder, migrated and seeded (``seed_demo``), served by
``runserver`` on a free port and stopped at the end. Each page is opened as the demo person who works
with it, logged in through the login page. A page that does not answer 200 on the address asked for (a
redirect to the login page, an error), writes a console error or loses a sub-resource stops the run:
``tests/browser/test_screenshots.py`` runs the same shots so that they never rot.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, ViewportSize

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script, from tools/
from tools.local_server import CHROMIUM, CHROMIUM_ARGS, PASSWORD, stop, wait_until_serving  # noqa: E402

VIEWPORT: ViewportSize = {"width": 1366, "height": 768}
OUT = ROOT / "docs" / "screenshots"


@dataclass(frozen=True)
class Shot:
    name: str  # the file's name, without .png
    persona: str | None  # None: not logged in
    path: str
    shows: str  # a selector that must be visible on the page shot
    follow: str | None = None  # first follow the first link matching this selector


SHOTS = [
    Shot("login", None, "/accounts/login/", shows="#id_password"),
    Shot("workbench", "market_admin", "/", shows="main"),  # a data administrator's home page
    Shot("review-queue", "reviewer", "/sharing/queue/", shows="[data-testid=queue-row]"),
    Shot(
        "application",
        "reviewer",
        "/sharing/queue/",
        shows="[data-testid=status]",
        follow="[data-testid^='queue-link-']",  # the first application waiting for the reviewer
    ),
    Shot("supervision", "reviewer", "/supervision/", shows="main [_echarts_instance_]"),
    Shot("portal", None, "/open/", shows="main"),
]


class ShotFailed(Exception):
    pass


def log_in(page: Page, url: str, username: str) -> None:
    page.goto(url + "/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form:has(#id_password) button[type=submit]").click()
    page.get_by_test_id("user-menu").wait_for()


def watch(page: Page) -> list[str]:
    """The page's console errors, failed requests and error answers, as they come."""
    problems: list[str] = []

    def console(message) -> None:
        if message.type == "error":
            problems.append(f"{message.text} ({message.location['url']})")

    def answered(response) -> None:
        if response.status >= 400:
            problems.append(f"{response.status}: {response.url}")

    page.on("console", console)
    page.on("requestfailed", lambda request: problems.append(f"failed: {request.url}"))
    page.on("response", answered)
    return problems


def settle(page: Page) -> None:
    """Wait for the network, the fonts and the charts' opening animation."""
    page.wait_for_load_state("networkidle")
    page.evaluate("document.fonts.ready.then(() => true)")
    if page.locator("[_echarts_instance_]").count():
        page.wait_for_timeout(1500)


def take(
    browser: Browser, url: str, out: Path, shots: list[Shot] = SHOTS, *, strict: bool = True
) -> list[Path]:
    """Each shot into ``out/<name>.png``; the files written, in order. A console error, a failed request or
    an error answer on the way raises ShotFailed, or with ``strict=False`` is printed and shot anyway."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for shot in shots:
        context = browser.new_context(
            locale="zh-CN", timezone_id="Asia/Shanghai", viewport=VIEWPORT, device_scale_factor=1
        )
        context.set_default_timeout(30_000)
        try:
            page = context.new_page()
            problems = watch(page)
            if shot.persona:
                log_in(page, url, shot.persona)
            response = page.goto(url + shot.path)
            if shot.follow:
                link = page.locator(shot.follow).first
                if not link.count():
                    raise ShotFailed(f"{shot.name}: no link {shot.follow} on {shot.path}")
                target = link.get_attribute("href") or ""
                response = page.goto(url + target)
                expected = url + target
            else:
                expected = url + shot.path
            settle(page)
            if response is None or response.status != 200 or page.url != expected:
                status = response.status if response else "no answer"
                raise ShotFailed(f"{shot.name}: {expected} ended at {page.url} ({status})")
            if not page.locator(shot.shows).first.is_visible():
                raise ShotFailed(f"{shot.name}: nothing visible matches {shot.shows}")
            if problems and strict:
                raise ShotFailed(f"{shot.name}: {'; '.join(problems)}")
            for problem in problems:
                print(f"{shot.name}: {problem}", file=sys.stderr)
            path = out / f"{shot.name}.png"
            page.screenshot(path=str(path), animations="disabled", caret="hide")
            written.append(path)
        finally:
            context.close()
    return written


# --- a demo of our own -----------------------------------------------------------------------------


@contextmanager
def demo_server() -> Iterator[str]:
    """The embedded demo as ``make run`` serves it (SQLite, no Redis), in a temporary folder."""
    import socket

    work = Path(tempfile.mkdtemp(prefix="screenshots-"))
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env |= {
        "DATABASE_URL": f"sqlite:///{work / 'db.sqlite3'}",
        "MEDIA_ROOT": str(work / "media"),
        "AUDIT_CHECKPOINT_DIR": str(work / "audit-checkpoints"),
        "AUDIT_ARCHIVE_DIR": str(work / "audit-archives"),
    }
    python = sys.executable
    server = None
    try:
        print("migrating and seeding the demo in", work, flush=True)
        for command in (["migrate", "--no-input", "-v", "0"], ["seed_demo"]):
            subprocess.run(
                [python, "manage.py", *command], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
            )
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        server = subprocess.Popen(
            [python, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{port}"
        wait_until_serving(server, url, name="runserver")
        yield url
    finally:
        if server is not None:
            stop(server)
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", help="a running server on the seeded demo; without it, one is started")
    parser.add_argument(
        "--lenient", action="store_true", help="print console errors and failed requests, go on"
    )
    parser.add_argument("--out", type=Path, default=OUT, help=f"the folder of the PNG files ({OUT})")
    options = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that the server started is stopped too

    from playwright.sync_api import sync_playwright

    with demo_server() if not options.url else _given(options.url) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            written = take(browser, url.rstrip("/"), options.out, strict=not options.lenient)
        except ShotFailed as failure:
            raise SystemExit(str(failure)) from None
        finally:
            browser.close()
    for path in written:
        print(path)


@contextmanager
def _given(url: str) -> Iterator[str]:
    yield url


if __name__ == "__main__":
    main()
