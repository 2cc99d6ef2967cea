"""A timestamp authority on 127.0.0.1 for the tests: ``openssl ts -reply`` behind a tiny HTTP server.

A throwaway CA and a TSA certificate under it (extendedKeyUsage critical, timeStamping) are made with the
openssl command line in a temporary folder. ``local_tsa`` is the platform's TSA; ``rogue_tsa`` another one,
as a forger would set up, whose tokens look alike but chain to another CA.
"""

import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

CONFIG = """
[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
dir = {directory}
serial = $dir/serial
signer_cert = $dir/tsa.pem
signer_key = $dir/tsa.key
certs = $dir/tsa.pem
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256, sha512
accuracy = secs:1
ordering = yes
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
[ tsa_cert ]
extendedKeyUsage = critical,timeStamping
basicConstraints = CA:FALSE
"""


def _openssl(*args: str, cwd: Path, stdin: bytes | None = None) -> bytes:
    return subprocess.run(["openssl", *args], cwd=cwd, input=stdin, capture_output=True, check=True).stdout


class LocalTsa:
    """``url`` answers ``application/timestamp-query`` with a token; ``answering = False``: HTTP 503."""

    def __init__(self, directory: Path, name: str) -> None:
        self.directory, self.answering, self.requests = directory, True, 0
        self.config = directory / "tsa.cnf"
        self.config.write_text(CONFIG.format(directory=directory))
        (directory / "serial").write_text("01\n")
        self.ca_file = directory / "ca.pem"
        _openssl(
            *("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem"),
            *("-days", "2", "-subj", f"/CN={name} Root CA"),
            *("-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign"),
            cwd=directory,
        )
        _openssl(
            *("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "tsa.key", "-out", "tsa.csr"),
            *("-subj", f"/CN={name} TSA"),
            cwd=directory,
        )
        _openssl(
            *("x509", "-req", "-in", "tsa.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial"),
            *("-out", "tsa.pem", "-days", "2", "-extfile", "tsa.cnf", "-extensions", "tsa_cert"),
            cwd=directory,
        )
        self._serve()

    def reply(self, query: bytes) -> bytes:
        """A TimeStampResp for a DER TimeStampReq."""
        return _openssl(
            "ts",
            "-reply",
            "-config",
            str(self.config),
            "-queryfile",
            "/dev/stdin",
            cwd=self.directory,
            stdin=query,
        )

    def _serve(self) -> None:
        tsa = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                query = self.rfile.read(int(self.headers["Content-Length"]))
                tsa.requests += 1
                if not tsa.answering or self.headers["Content-Type"] != "application/timestamp-query":
                    self.send_response(503 if not tsa.answering else 415)
                    self.end_headers()
                    return
                answer = tsa.reply(query)
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/tsa"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="session")
def local_tsa(tmp_path_factory) -> Iterator[LocalTsa]:
    tsa = LocalTsa(tmp_path_factory.mktemp("tsa"), "Test")
    yield tsa
    tsa.close()


@pytest.fixture(scope="session")
def rogue_tsa(tmp_path_factory) -> Iterator[LocalTsa]:
    tsa = LocalTsa(tmp_path_factory.mktemp("rogue-tsa"), "Forger")
    yield tsa
    tsa.close()


@pytest.fixture
def tsa(local_tsa, settings) -> Iterator[LocalTsa]:
    """The platform anchors at the local TSA and trusts its CA."""
    settings.AUDIT_TSA_URL = local_tsa.url
    settings.AUDIT_TSA_CA_FILE = str(local_tsa.ca_file)
    local_tsa.answering = True
    yield local_tsa
    local_tsa.answering = True
