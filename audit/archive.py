"""Retention (Q8.4, F24: audit logs kept at least three years): months older than the retention are
exported to a compressed archive file, verified, and only then dropped from the database.

An archive file (format in ``audit/archive_verify.py``) carries the chain heads before and after it and
the digest of the previous archive file, so that the files alone prove the history, in order. The
partition is dropped only after its file is written, fsynced, read back and verified against the
database; the drop (DETACH, DROP TABLE) is no DELETE, so the guard trigger does not stand in its way.

PostgreSQL only: SQLite (the embedded demo) keeps one plain table and nothing there is three years old.
"""

import datetime as dt
import gzip
import json
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.utils import timezone

from dataplatform.core.audit_actions import AuditAction
from dataplatform.core.errors import ApplicationError

from .archive_verify import FORMAT, file_digest, heads_by_owner, verify_archive
from .models import AuditArchive, AuditEvent
from .partitions import CST, Partition, partition_drop_sql, partitions_list
from .services import audit_record

# Three years of 365 days and the one leap day they may hold (Q8.4, F24). The settings refuse less at
# start-up; this guard refuses again here, where data would be lost, whatever the settings say now.
RETENTION_FLOOR_DAYS = 3 * 365 + 1


def retention_days() -> int:
    days = settings.AUDIT_RETENTION_DAYS
    if days < RETENTION_FLOOR_DAYS:
        raise ImproperlyConfigured(
            f"AUDIT_RETENTION_DAYS is {days}: audit logs are kept at least three years "
            f"({RETENTION_FLOOR_DAYS} days, Q8.4 and F24)."
        )
    return days


def retention_cutoff(now: dt.datetime | None = None) -> dt.datetime:
    """Events before this moment are older than the retention."""
    today = (now or timezone.now()).astimezone(CST).date()
    return dt.datetime.combine(today - dt.timedelta(days=retention_days()), dt.time.min, tzinfo=CST)


def archive_dir() -> Path:
    return Path(settings.AUDIT_ARCHIVE_DIR)


def partitions_expired(now: dt.datetime | None = None) -> list[Partition]:
    cutoff = retention_cutoff(now)
    return [partition for partition in partitions_list() if partition.end <= cutoff]


def audit_archive_expired(*, now: dt.datetime | None = None) -> list[AuditArchive]:
    """Archive and drop every month older than the retention, oldest first. Idempotent."""
    return [audit_archive_partition(partition=partition) for partition in partitions_expired(now)]


@dataclass
class _Export:
    path: Path
    events: int
    heads: list[dict]


def audit_archive_partition(*, partition: Partition) -> AuditArchive:
    previous = AuditArchive.objects.order_by("-range_start", "-id").first()
    heads_before = previous.heads if previous else []
    with transaction.atomic():
        # No event of the month may change while it is exported and dropped: the sealer is the only
        # writer of old rows, and it waits on this lock (it would be refused below anyway).
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {partition.name} IN SHARE MODE")
        events = AuditEvent.objects.filter(occurred_at__gte=partition.start, occurred_at__lt=partition.end)
        if events.filter(sealed_at__isnull=True).exists():
            raise ApplicationError(f"{partition.name} holds unsealed events: seal them before archiving.")
        export = _export(partition, events, previous, heads_before)
        _verify_export(export, previous, events)
        archive = AuditArchive.objects.create(
            partition=partition.name,
            range_start=partition.start,
            range_end=partition.end,
            file_name=export.path.name,
            sha256=file_digest(export.path),
            previous_sha256=previous.sha256 if previous else "",
            event_count=export.events,
            heads=export.heads,
        )
        with connection.cursor() as cursor:
            for sql in partition_drop_sql(partition):
                cursor.execute(sql)
        audit_record(
            action=AuditAction.AUDIT_ARCHIVE,
            target=archive,
            record_count=export.events,
            detail={"partition": partition.name, "file": archive.file_name, "sha256": archive.sha256},
        )
    return archive


def _export(partition: Partition, events, previous: AuditArchive | None, heads_before: list[dict]) -> _Export:
    directory = archive_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{partition.name}.jsonl.gz"
    partial = path.with_name(path.name + ".part")
    heads = heads_by_owner(heads_before)
    chains: dict = {}
    count = 0
    with open(partial, "wb") as raw:
        with gzip.GzipFile(filename=path.name, mode="wb", fileobj=raw, mtime=0) as file:
            header = {
                "format": FORMAT,
                "partition": partition.name,
                "range": [partition.start.isoformat(), partition.end.isoformat()],
                "previous_archive": {"file": previous.file_name, "sha256": previous.sha256}
                if previous
                else None,
                "heads_before": heads_before,
                "created_at": timezone.now().isoformat(),
            }
            file.write(_line(header))
            ordered = events.order_by("owner_unit_id", "chain_seq")
            for event in ordered.iterator(chunk_size=5000):
                file.write(_line(_event_line(event)))
                owner = event.owner_unit_id
                chains.setdefault(owner, {"owner_unit": owner, "first_seq": event.chain_seq})
                chains[owner].update(last_seq=event.chain_seq, last_hash=event.hash)
                heads[owner] = (event.chain_seq, event.hash)
                count += 1
            head_list = [
                {"owner_unit": o, "seq": s, "hash": h} for o, (s, h) in sorted(heads.items(), key=str)
            ]
            file.write(_line({"events": count, "chains": list(chains.values()), "heads": head_list}))
        raw.flush()
        os.fsync(raw.fileno())
    os.replace(partial, path)
    _fsync_dir(directory)  # the rename itself must survive a crash before the partition is dropped
    return _Export(path=path, events=count, heads=head_list)


def _event_line(event: AuditEvent) -> dict:
    assert event.sealed_at is not None  # only sealed events are archived
    return {
        "id": event.pk,
        "chain_seq": event.chain_seq,
        "prev_hash": event.prev_hash,
        "hash": event.hash,
        "sealed_at": event.sealed_at.isoformat(),
        "event": event.canonical(),
    }


def _line(value: dict) -> bytes:
    return (json.dumps(value, ensure_ascii=False, sort_keys=True, default=str) + "\n").encode()


def _fsync_dir(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _verify_export(export: _Export, previous: AuditArchive | None, events) -> None:
    """Read the file back as an auditor would, and hold it against the database, before anything is dropped."""
    previous_path = archive_dir() / previous.file_name if previous else None
    if previous_path is not None and not previous_path.exists():
        previous_path = None  # moved off the machine: the digest it names is checked when it is at hand
    report = verify_archive(export.path, previous_path)
    problems = list(report.problems)
    if report.events != events.count():
        problems.append(f"the file holds {report.events} events, the partition {events.count()}")
    if problems:
        raise ApplicationError(f"{export.path.name} fails verification; nothing dropped: {problems[0]}")
