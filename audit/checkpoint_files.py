"""Checkpoint files: chain heads kept outside the database (AUDIT_CHECKPOINT_DIR), one JSON-lines file a
day, only ever appended to. Copy them off the machine (a WORM store, a second site) for full effect."""

import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from .models import AuditCheckpoint


@dataclass(frozen=True)
class FileCheckpoint:
    owner_unit_id: int | None
    seq: int
    hash: str
    where: str  # "2026-11-24.jsonl:3", for the report


def checkpoint_dir() -> Path:
    return Path(settings.AUDIT_CHECKPOINT_DIR)


def checkpoint_files_append(checkpoints: Iterable[AuditCheckpoint]) -> Path:
    directory = checkpoint_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{timezone.localdate():%Y-%m-%d}.jsonl"
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
    with path.open("a", encoding="utf-8") as file:
        file.writelines(lines)
        file.flush()
        os.fsync(file.fileno())  # the row is written after this: the file must not lag behind it
    return path


def checkpoint_files_read() -> Iterator[FileCheckpoint]:
    """Every checkpoint in every file, oldest file first. A line that does not parse is reported by
    the verifier as a checkpoint of no chain (owner -1)."""
    directory = checkpoint_dir()
    if not directory.is_dir():
        return
    for path in sorted(directory.glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            where = f"{path.name}:{number}"
            try:
                entry = json.loads(line)
                yield FileCheckpoint(entry["owner_unit"], int(entry["seq"]), str(entry["hash"]), where)
            except (ValueError, KeyError, TypeError):
                yield FileCheckpoint(-1, 0, "", where)
