"""Real platform nodes for the federation tests (docs/federation.md §12, package E).

A ``Node`` is the platform as an operator runs it, one per province, city or county: its own PostgreSQL
database, its own Ed25519 key file, its own ``NODE_*`` settings and a gunicorn process on a loopback
port. ``REDIS_URL`` is left unset, so Celery tasks run eagerly inside the process that queued them (the
embedded demo's mode, ``CELERY_TASK_ALWAYS_EAGER``) and nothing else needs to run beside the web server;
``manage("federation_deliver", "--once")`` is the timer's work done by hand.

Only processes the harness started are ever signalled, by their own process group (gunicorn's master and
its worker); only databases it created are dropped.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import environ
import psycopg
import requests

REPO = Path(__file__).resolve().parents[2]
# env("NAME", ...), env.str("NAME", ...) and so on: every variable the settings read is the node's own.
SETTINGS_READ = re.compile(r"""\benv(?:\.\w+)?\(\s*["']([A-Z][A-Z0-9_]*)["']""")
START_TIMEOUT = 60  # seconds for gunicorn to answer /healthz (migrations are done before it starts)
STOP_TIMEOUT = 30


class NodeError(RuntimeError):
    """A node's command or process failed; the message carries its output."""


def postgres_url() -> str:
    """The test run's own ``DATABASE_URL`` if it is PostgreSQL, else ``""`` (the harness needs it)."""
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else ""


def free_port() -> int:
    """A loopback port nobody listens on now (picked at runtime, never a fixed number)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def settings_variables() -> frozenset[str]:
    sources = (REPO / "dataplatform" / "settings").glob("*.py")
    return frozenset(name for path in sources for name in SETTINGS_READ.findall(path.read_text()))


def redis_url(db: int) -> str:
    """The test run's Redis server (``REDIS_URL``, else the local one), database ``db``."""
    parts = urlsplit(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0")
    return urlunsplit(parts._replace(path=f"/{db}"))


def eventually(check, *, timeout: float = 60, every: float = 0.5, what: str = "") -> Any:
    """Poll ``check()`` until it answers something true (returned), or fail after ``timeout`` seconds: the
    nodes work on their own time (workers, timers), so a test waits for the state, never a fixed sleep."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached in {timeout} s: {what or check}; last: {result!r}")
        time.sleep(every)


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


class Node:
    """One platform node: ``Node("province", "province", "350000", workdir=...)``.

    ``setup()`` creates the database, migrates it and writes the key; ``start()``/``stop()``/``kill()``
    run gunicorn; ``manage()`` runs a management command and ``sql()`` a query, both on this node's
    database; ``destroy()`` stops the process and drops the database.
    """

    def __init__(
        self,
        name: str,
        level: str,
        region: str,
        *,
        workdir: Path,
        server_url: str = "",
        settings_module: str = "dataplatform.settings",
        wsgi_app: str = "dataplatform.wsgi:application",
        redis_db: int | None = None,
    ) -> None:
        self.name, self.level, self.region = name, level, region
        # The bench serves its minimal views beside the real ones (bench/wsgi_bench.py).
        self.settings_module, self.wsgi_app = settings_module, wsgi_app
        self.node_id = f"fj-{region}"
        self.server_url = server_url or postgres_url()
        base = environ.Env.db_url_config(self.server_url)["NAME"]
        self.database = f"{base}_fed_{name}"
        self.database_url = with_database(self.server_url, self.database)
        self.workdir = workdir / name
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.key_file = self.workdir / "node-ed25519.pem"
        self.log_file = self.workdir / "gunicorn.log"
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.public_key = self.fingerprint = ""  # keygen() reads them from federation_keygen's output
        self.secret_key = secrets.token_urlsafe(40)
        # With a Redis database of its own, the node runs a real Celery worker (with its beat) on a queue
        # of its own; without, its tasks run eagerly in the process that queues them.
        self.redis_db = redis_db
        self.queue = f"fed-{name}-{secrets.token_hex(4)}"
        self.worker: subprocess.Popen[bytes] | None = None
        self.worker_log = self.workdir / "celery.log"

    def __repr__(self) -> str:
        return f"<Node {self.node_id} {self.url}>"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        """This process's environment without any variable the settings read, plus the node's own."""
        own = settings_variables()
        env = {key: value for key, value in os.environ.items() if key not in own}
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        env.update(
            DJANGO_SETTINGS_MODULE=self.settings_module,
            DATABASE_URL=self.database_url,
            SECRET_KEY=self.secret_key,
            SITE_URL=self.url,
            NODE_ID=self.node_id,
            NODE_LEVEL=self.level,
            NODE_REGION=self.region,
            NODE_NAME=f"{self.name} ({self.region})",
            NODE_URL=self.url,
            NODE_KEY_FILE=str(self.key_file),
            MEDIA_ROOT=str(self.workdir / "media"),
            AUDIT_CHECKPOINT_DIR=str(self.workdir / "audit-checkpoints"),
            AUDIT_ARCHIVE_DIR=str(self.workdir / "audit-archives"),
            PYTHONUNBUFFERED="1",
        )
        if self.redis_db is not None:
            env.update(REDIS_URL=redis_url(self.redis_db), CELERY_QUEUE=self.queue)
        return env  # without redis_db, REDIS_URL stays unset: tasks run eagerly where they are queued

    # --- the database ------------------------------------------------------------------------------

    def _server(self) -> psycopg.Connection[Any]:
        return psycopg.connect(with_database(self.server_url, "postgres"), autocommit=True)

    def create_database(self, *, template: Node | None = None) -> None:
        """An empty database, or a copy of ``template``'s (a file copy: much faster than migrating)."""
        copy = f' TEMPLATE "{template.database}"' if template else ""
        with self._server() as server:  # a crashed earlier run may have left it behind
            server.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
            server.execute(f'CREATE DATABASE "{self.database}"{copy}')

    def drop_database(self) -> None:
        with self._server() as server:
            server.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')

    def sql(self, query: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Rows of one query on this node's database (autocommit: what the node has committed)."""
        with psycopg.connect(self.database_url, autocommit=True) as connection:
            cursor = connection.execute(query, params)
            return cursor.fetchall() if cursor.description else []

    def scalar(self, query: str, params: Sequence[Any] = ()) -> Any:
        rows = self.sql(query, params)
        return rows[0][0] if rows else None

    # --- management commands -----------------------------------------------------------------------

    def run(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        """``manage.py *args`` as this node, whatever its exit status."""
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=REPO,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=300,
        )

    def manage(self, *args: str, env: dict[str, str] | None = None) -> str:
        """``manage.py *args`` as this node: its standard output, or ``NodeError`` if it fails."""
        done = self.run(*args, env=env)
        if done.returncode != 0:
            raise NodeError(
                f"{self.node_id}: manage.py {' '.join(args[:1])} exited {done.returncode}\n"
                f"{done.stdout}\n{done.stderr}"
            )
        return done.stdout

    def shell(self, code: str, *, env: dict[str, str] | None = None) -> Any:
        """Run Python in ``manage.py shell`` as this node; the JSON its last printed line holds."""
        output = self.manage("shell", "-c", code, env=env).strip().splitlines()
        return json.loads(output[-1]) if output else None

    def setup(self, *, template: Node | None = None) -> None:
        """A fresh database (empty, or copied from another node's just-migrated one), migrated, and a key
        of its own."""
        self.create_database(template=template)
        self.migrate()
        self.keygen()

    def migrate(self) -> None:
        self.manage("migrate", "--no-input", "-v", "0")

    def keygen(self) -> None:
        """A fresh node, a fresh key; its public key and fingerprint as the operator reads them out."""
        output = self.manage("federation_keygen", "--force")
        self.public_key = self._printed(output, "Public key")
        self.fingerprint = self._printed(output, "Fingerprint")

    def _printed(self, output: str, label: str) -> str:
        match = re.search(rf"^{label}:\s*(\S+)", output, re.MULTILINE)
        if match is None:
            raise NodeError(f"{self.node_id}: no {label!r} in federation_keygen's output:\n{output}")
        return match.group(1)

    # --- the web process ---------------------------------------------------------------------------

    def start(self) -> None:
        """gunicorn on this node's port, in a process group of its own; returns once /healthz answers."""
        assert self.process is None, f"{self} is already running"
        with self.log_file.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    *(sys.executable, "-m", "gunicorn", "dataplatform.wsgi:application"),
                    *("--bind", f"127.0.0.1:{self.port}", "--workers", "1"),
                    *("--graceful-timeout", "5", "--timeout", "60"),
                ],
                cwd=REPO,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own group: stop and kill reach the worker too, and only it
            )
        self.wait_healthy()

    def start_worker(self) -> None:
        """``celery worker`` (one prefork process) with its embedded beat, on this node's own queue."""
        assert self.redis_db is not None, f"{self} has no Redis database: its tasks run eagerly"
        assert self.worker is None, f"{self}'s worker is already running"
        with self.worker_log.open("ab") as log:
            self.worker = subprocess.Popen(
                [
                    *(
                        sys.executable,
                        "-m",
                        "celery",
                        "-A",
                        "dataplatform",
                        "worker",
                        "-P",
                        "prefork",
                        "-c",
                        "1",
                    ),
                    *("-Q", self.queue, "--beat", "-s", str(self.workdir / "celerybeat-schedule")),
                    *("--without-gossip", "--without-mingle", "-l", "INFO"),
                ],
                cwd=REPO,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def kill_worker(self) -> None:
        """The worker's machine loses power: SIGKILL to the worker, its pool and its beat."""
        if self.worker is None:
            return
        with suppress(ProcessLookupError):
            os.killpg(self.worker.pid, signal.SIGKILL)
        self.worker.wait(timeout=STOP_TIMEOUT)
        self.worker = None

    def stop_worker(self) -> None:
        if self.worker is None:
            return
        with suppress(ProcessLookupError):
            os.killpg(self.worker.pid, signal.SIGTERM)
        try:
            self.worker.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill_worker()
        self.worker = None

    def wait_healthy(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                self.process = None
                raise NodeError(f"{self} exited at start:\n{self.log_tail()}")
            with suppress(requests.RequestException):
                if requests.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            time.sleep(0.2)
        raise NodeError(f"{self} did not answer /healthz in {START_TIMEOUT} s:\n{self.log_tail()}")

    def _signal(self, signum: int) -> None:
        if self.process is None:
            return
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signum)
        try:
            self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=STOP_TIMEOUT)
        self.process = None

    def stop(self) -> None:
        """A graceful shutdown (SIGTERM to gunicorn and its worker)."""
        self._signal(signal.SIGTERM)

    def kill(self) -> None:
        """The machine loses power: SIGKILL to gunicorn and its worker, nothing finishes."""
        self._signal(signal.SIGKILL)

    def restart(self) -> None:
        self.stop()
        self.start()

    def destroy(self) -> None:
        self.stop_worker()
        self.stop()
        self.drop_database()

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_file.exists():
            return ""
        return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])


@contextmanager
def network(
    workdir: Path, *specs: tuple[str, str, str], redis_dbs: Sequence[int] = ()
) -> Iterator[list[Node]]:
    """Nodes set up and started; stopped and their databases dropped after. With ``redis_dbs`` (one per
    node) each node runs a real Celery worker with its beat beside its web process.

    Migrating is most of the setup time, so it is done once: the first node migrates its empty database
    and the others copy it before anything node-specific is written (the key's audit event), then each
    runs ``migrate`` itself (nothing left to apply) and generates its own key.
    """
    dbs: list[int | None] = list(redis_dbs) or [None] * len(specs)
    nodes = [
        Node(name, level, region, workdir=workdir, redis_db=db)
        for (name, level, region), db in zip(specs, dbs, strict=True)
    ]
    first, *others = nodes
    try:
        first.create_database()
        first.migrate()
        for node in others:
            node.create_database(template=first)
        with ThreadPoolExecutor(max_workers=len(nodes)) as pool:
            list(pool.map(Node.migrate, others))
            list(pool.map(Node.keygen, nodes))
        for node in nodes:
            node.start()
            if node.redis_db is not None:
                node.start_worker()
        yield nodes
    finally:
        for node in nodes:
            with suppress(Exception):
                node.destroy()
