"""This node's identity: who it is (settings ``NODE_*``) and its Ed25519 key pair (docs/federation.md §3).

The private key lives in ``NODE_KEY_FILE`` as a PKCS8 PEM, readable by the platform's user only. Public keys
travel as their raw 32 bytes in base64 (44 characters); a person compares them by the fingerprint, the first
16 hex digits of the SHA-256 of those bytes in groups of four, read over the telephone before a peer is trusted.
"""

import base64
import hashlib
import os
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class Node:
    node_id: str  # empty: federation is off, the platform is an island
    level: str
    region: str
    name: str
    url: str


def this_node() -> Node:
    return Node(
        node_id=settings.NODE_ID,
        level=settings.NODE_LEVEL,
        region=settings.NODE_REGION,
        name=settings.NODE_NAME,
        url=settings.NODE_URL,
    )


def private_key() -> Ed25519PrivateKey:
    """The key of ``NODE_KEY_FILE``, read once per process (again only when the file is replaced)."""
    path = Path(settings.NODE_KEY_FILE)
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise ImproperlyConfigured(
            f"No node key at NODE_KEY_FILE={path}: run `manage.py federation_keygen` first."
        ) from None
    return _key_from_file(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=4)
def _key_from_file(path: str, mtime_ns: int, size: int) -> Ed25519PrivateKey:
    # mtime and size are in the cache key so that `federation_keygen --force` is seen without a restart.
    key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured(f"NODE_KEY_FILE={path} holds no Ed25519 private key.")
    return key


def public_key_b64(key: Ed25519PrivateKey | None = None) -> str:
    public = (key or private_key()).public_key()
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def fingerprint(public_b64: str) -> str:
    """``"3f9a-1c2e-77b0-d4e1"``: short enough to read aloud, 64 bits against a forged key."""
    digest = hashlib.sha256(base64.b64decode(public_b64, validate=True)).hexdigest()[:16]
    return "-".join(digest[i : i + 4] for i in range(0, 16, 4))


def fingerprints_match(given: str, public_b64: str) -> bool:
    """Whether a fingerprint someone typed (any case, spaces, colons or hyphens) is the key's."""
    typed = "".join(ch for ch in given.lower() if ch in "0123456789abcdef")
    return typed == fingerprint(public_b64).replace("-", "")


def generate_key_file(path: Path, *, force: bool = False) -> str:
    """Write a new private key to ``path`` (mode 0600) and return its public key, base64.

    Refuses (``FileExistsError``) to replace a key without ``force``: peers trust the old public key, and a
    new one means telling each of them. The file is written beside its place and renamed over it, so a
    reader never sees half a key.
    """
    path = Path(path)
    if path.exists() and not force:
        raise FileExistsError(f"{path} exists; replacing the node key needs --force.")
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".node-key-")  # created 0600
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(pem)
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return public_key_b64(key)
