"""Checkpoint files: chain heads kept outside the database (AUDIT_CHECKPOINT_DIR), one JSON-lines file a
day, only ever appended to. Copy them off the machine (a WORM store, a second site) for full effect.

A line is a checkpoint, ``{"created_at", "owner_unit", "seq", "hash"}``, or an anchor (``audit.anchoring``),
``{"anchor": "tsa"|"witness", "created_at", "heads", "digest", "token" (base64 TimeStampResp), "where"}``.
A row is written to the file of its ``created_at``'s day, so that the verifier knows where to look for it.
"""

import base64
import datetime as dt
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from .models import AuditAnchor, AuditCheckpoint


@dataclass(frozen=True)
class FileCheckpoint:
    owner_unit_id: int | None
    seq: int
    hash: str
    where: str  # "2026-11-24.jsonl:3", for the report


@dataclass(frozen=True)
class FileAnchor:
    kind: str
    heads: list[dict]
    digest: str
    token: bytes
    where: str


def checkpoint_dir() -> Path:
    return Path(settings.AUDIT_CHECKPOINT_DIR)


def checkpoint_file_name(at: dt.datetime) -> str:
    return f"{timezone.localdate(at):%Y-%m-%d}.jsonl"


def checkpoint_files_append(checkpoints: list[AuditCheckpoint]) -> Path:
    lines = [
        json.dumps(
            {
                "created_at": checkpoint.created_at.isoformat(),
                "owner_unit": checkpoint.chain.owner_unit_id,
                "seq": checkpoint.seq,
                "hash": checkpoint.hash,
            },
            sort_keys=True,
        )
        + "\n"
        for checkpoint in checkpoints
    ]
    return _append(checkpoints[0].created_at, lines)


def anchor_file_append(anchor: AuditAnchor) -> Path:
    line = {
        "anchor": anchor.kind,
        "created_at": anchor.created_at.isoformat(),
        "heads": anchor.heads,
        "digest": anchor.digest,
        "token": base64.b64encode(bytes(anchor.token)).decode(),
        "where": anchor.where,
    }
    return _append(anchor.created_at, [json.dumps(line, sort_keys=True) + "\n"])


def _append(at: dt.datetime, lines: list[str]) -> Path:
    directory = checkpoint_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / checkpoint_file_name(at)
    with path.open("a", encoding="utf-8") as file:
        file.writelines(lines)
        file.flush()
        os.fsync(file.fileno())  # the row is written after this: the file must not lag behind it
    return path


def checkpoint_files_read() -> Iterator[FileCheckpoint | FileAnchor]:
    """Every checkpoint and anchor in every file, oldest file first. A line that does not parse is
    reported by the verifier as a checkpoint of no chain (owner -1)."""
    directory = checkpoint_dir()
    if not directory.is_dir():
        return
    for path in sorted(directory.glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            yield _parse(line, f"{path.name}:{number}")


def _parse(line: str, where: str) -> FileCheckpoint | FileAnchor:
    try:
        entry = json.loads(line)
        if "anchor" in entry:
            token = base64.b64decode(entry["token"], validate=True)
            return FileAnchor(str(entry["anchor"]), list(entry["heads"]), str(entry["digest"]), token, where)
        return FileCheckpoint(entry["owner_unit"], int(entry["seq"]), str(entry["hash"]), where)
    except (ValueError, KeyError, TypeError):
        return FileCheckpoint(-1, 0, "", where)


def witness_file_read(path: Path) -> Iterator[FileCheckpoint]:
    """The chain heads a witness kept, JSON lines of ``{"owner_unit_id" (or "owner_unit", "chain"): id or
    null for the platform, "seq", "hash"}``: the ``chain`` of each usage log push it received."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        where = f"{path.name}:{number}"
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
            key = next(key for key in ("owner_unit_id", "owner_unit", "chain") if key in entry)
            owner = int(entry[key]) if entry[key] not in (None, "") else None  # "12" as a witness may keep it
            yield FileCheckpoint(owner or None, int(entry["seq"]), str(entry["hash"]), where)
        except (ValueError, KeyError, TypeError, StopIteration):
            yield FileCheckpoint(-1, 0, "", where)
