"""What the scripts that drive Chromium at a demo server of their own share (``tools/screenshots.py``,
``bench/pages.py``): the browser, the demo's password, and waiting for the server and stopping it."""

import os
import subprocess
import time
import urllib.request

CHROMIUM = os.environ.get("BROWSER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"]
CHROMIUM_ARGS += ["--disable-background-networking", "--disable-component-update", "--disable-sync"]
PASSWORD = "demo-2026"  # the demo's (dataplatform/core/demo/core.py)


def wait_until_serving(server: subprocess.Popen, url: str, *, name: str, seconds: int = 60) -> None:
    """Until the login page answers; a server that exits or never answers ends the script."""
    for _ in range(seconds * 10):
        try:
            urllib.request.urlopen(url + "/accounts/login/", timeout=2)  # noqa: S310 (our own server)
            return
        except OSError:
            if server.poll() is not None:
                raise SystemExit(f"{name} exited with {server.returncode}") from None
            time.sleep(0.1)
    raise SystemExit(f"{name} did not answer within {seconds} s")


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(10)
