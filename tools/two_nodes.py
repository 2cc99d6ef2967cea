"""Two platform nodes side by side on this machine: a province and a city, trusting each other.

    python tools/two_nodes.py            # or: make demo-two-nodes
    python tools/two_nodes.py --fresh    # forget the nodes' databases and keys first

Each node is the same code with its own settings, as in production (docs/federation.md): a SQLite file, a
key file and folders under ``var/two-nodes/<node>/``, its own port, ``NODE_*`` in its environment, and no
Redis (tasks run in-process, ``manage.py run_timers`` plays beat). The first run migrates both and seeds the
demo (the same demo people on each, so ``admin`` / the demo password signs in to both), makes each node's
key and registers each with the other through ``federation_peer_add --fetch``, confirming the fingerprint
read from the other's own key file (what two administrators do by telephone). Then the city greets the
province (``node.hello``), and both serve until Ctrl-C: the peers are at ``/federation/`` on each, the other's
catalog at ``/federation/catalog/`` (the registration sent each node's shared catalog to the other), the
city's open data on the province's portal at ``/open/network/``, back-flow applications at
``/federation/backflow/``.
"""

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEMO_PASSWORD = "demo-2026"  # dataplatform.core.demo.core: every demo person's
HOME = REPO / "var" / "two-nodes"
HELLO = """
from django.db import transaction
from federation.models import Peer
from federation.outbox import federation_send
with transaction.atomic():
    message = federation_send(
        peer=Peer.objects.get(node_id="{to}"), kind="node.hello", stream="node", body={{"note": "{note}"}}
    )
print(message.id)
"""


@dataclass
class Node:
    name: str
    level: str
    region: str
    port: int
    host: str  # the two differ, so that each keeps its own session cookie in the browser

    @property
    def node_id(self) -> str:
        return f"fj-{self.region}"

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def home(self) -> Path:
        return HOME / self.name

    @property
    def env(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL")}
        env.update(
            DATABASE_URL=f"sqlite:///{self.home / 'db.sqlite3'}",
            SITE_URL=self.url,
            NODE_ID=self.node_id,
            NODE_LEVEL=self.level,
            NODE_REGION=self.region,
            NODE_NAME=f"{self.name} node ({self.region})",
            NODE_URL=self.url,
            NODE_KEY_FILE=str(self.home / "node-ed25519.pem"),
            MEDIA_ROOT=str(self.home / "media"),
            AUDIT_CHECKPOINT_DIR=str(self.home / "audit-checkpoints"),
            AUDIT_ARCHIVE_DIR=str(self.home / "audit-archives"),
        )
        return env

    def manage(self, *args: str, check: bool = True) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=REPO,
            env=self.env,
            capture_output=True,
            text=True,
        )
        if check and done.returncode != 0:
            raise SystemExit(f"{self.name}: manage.py {args[0]} failed\n{done.stdout}{done.stderr}")
        return done.stdout

    def spawn(self, *args: str) -> subprocess.Popen:
        log = (self.home / f"{args[0]}.log").open("ab")
        return subprocess.Popen(
            [sys.executable, "manage.py", *args], cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--fresh", action="store_true", help="remove var/two-nodes/ first")
    parser.add_argument("--port", type=int, default=8001, help="the province's port; the city's is the next")
    options = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # progress shows in a log too
    if options.fresh:
        shutil.rmtree(HOME, ignore_errors=True)
    province = Node("province", "province", "350000", options.port, "127.0.0.1")
    city = Node("city", "city", "350500", options.port + 1, "localhost")
    nodes = (province, city)
    for node in nodes:
        prepare(node)
    processes = [node.spawn("runserver", f"127.0.0.1:{node.port}", "--noreload") for node in nodes]
    processes += [node.spawn("run_timers") for node in nodes]
    try:
        for node in nodes:
            wait_until_serving(node)
        for node, other in ((province, city), (city, province)):
            print(
                node.manage("federation_peer_add", f"--fetch={other.url}", f"--fingerprint={key_of(other)}")
            )
        # The province's catalog went out the moment it trusted the city, before the city trusted it back:
        # refused then (unknown node), it goes now, without waiting for the back-off.
        for node in nodes:
            node.manage("federation_deliver", "--once", "--retry-now")
        message = shell(city, HELLO.format(to=province.node_id, note="你好，省平台"))
        print(f"{city.name} → {province.name}: node.hello {message}")
        for node in nodes:
            # Its exit status is for monitoring: a peer failing now is shown, not a reason to stop the demo.
            print(node.manage("federation_status", check=False))
        print(f"Province: {province.url}/federation/   City: {city.url}/federation/   (Ctrl-C stops both)")
        print(
            "Registering each other sent each node's shared catalog to the other (the cascade) and the city's\n"
            f"open catalog to the province: {province.url}/federation/catalog/ and {city.url}/federation/catalog/\n"
            f"list the other's entries (as a government user), {province.url}/open/network/ the city's open data;\n"
            f"a city unit applies there for a provincial entry to flow back ({city.url}/federation/backflow/)."
        )
        print(
            f"Logs in {HOME}/<node>/. Sign in as admin (the platform administrator), market_admin (a unit's data\n"
            f"administrator) or reviewer (the city authority), each with the password {DEMO_PASSWORD}."
        )
        while all(process.poll() is None for process in processes):
            time.sleep(1)
        print("A process stopped; see its log.")
    except KeyboardInterrupt:
        pass
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(30)


def prepare(node: Node) -> None:
    """Migrate, seed the demo and make the key the first time; later runs keep all three."""
    fresh = not (node.home / "db.sqlite3").exists()
    node.home.mkdir(parents=True, exist_ok=True)
    node.manage("migrate", "--no-input", "-v", "0")
    if fresh:
        print(f"{node.name}: seeding the demo (a minute) …")
        node.manage("seed_demo")
    if not (node.home / "node-ed25519.pem").exists():
        print(node.manage("federation_keygen"))


def key_of(node: Node) -> str:
    """The node's fingerprint, read from its own key file: the demo's stand-in for a telephone call."""
    code = "from federation.node import fingerprint, public_key_b64; print(fingerprint(public_key_b64()))"
    return shell(node, code)


def shell(node: Node, code: str) -> str:
    """The last line the code prints (Django's shell may say first what it imported)."""
    return node.manage("shell", "-v", "0", "-c", code).strip().splitlines()[-1]


def wait_until_serving(node: Node, seconds: int = 60) -> None:
    for _ in range(seconds * 10):
        try:
            urllib.request.urlopen(node.url + "/healthz", timeout=2)  # noqa: S310 (our own server)
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{node.name} did not answer at {node.url} within {seconds} s")


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # stopped like Ctrl-C: the servers with it
    main()
