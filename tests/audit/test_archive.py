"""Months past the retention are exported to archive files, verified offline, and dropped (Q8.4, F24)."""

import datetime as dt
import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from audit.archive import audit_archive_expired, partitions_expired
from audit.archive_verify import chain_hash, file_digest, verify_archive
from audit.models import AuditArchive, AuditEvent
from audit.partitions import partition_create_sql, partitions_list
from audit.selectors import audit_verify
from audit.services import audit_checkpoint, audit_seal, event_hash
from audit.usage import CST

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="archiving is PostgreSQL's"),
]

VERIFIER = Path(__file__).resolve().parents[2] / "audit" / "archive_verify.py"
NOW = dt.datetime(2026, 11, 24, 10, tzinfo=CST)
JANUARY, FEBRUARY = dt.date(2022, 1, 1), dt.date(2022, 2, 1)


def make_partitions(*months: dt.date) -> None:
    with connection.cursor() as cursor:
        for month in months:
            for sql in partition_create_sql(month):
                cursor.execute(sql)


def old_events(month: dt.date, count: int, **fields) -> list[AuditEvent]:
    return [
        AuditEvent.objects.create(
            action="data.query",
            occurred_at=dt.datetime.combine(month, dt.time(9, n), tzinfo=CST),
            actor_name="王公安",
            data_items=["姓名", "身份证号"],
            record_count=n,
            purpose="核验",
            client_ip="10.0.0.7",
            detail={"grant": 7, "score": 0.5},
            **fields,
        )
        for n in range(count)
    ]


@pytest.fixture
def history(producer_unit, applicant_unit, record):
    """Two old months over two chains, then this month's events, sealed and checkpointed."""
    make_partitions(JANUARY, FEBRUARY)
    events = old_events(JANUARY, 3, owner_unit=producer_unit)
    events += old_events(JANUARY, 2, owner_unit=applicant_unit)
    events += old_events(FEBRUARY, 2, owner_unit=producer_unit)
    recent = record(2)
    audit_seal()
    audit_checkpoint()
    # Deferred foreign-key checks of the rows inserted in this test's transaction must run before a
    # partition can be detached (a real archive run inserts nothing first).
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    return events, recent


def archive_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.jsonl.gz"))


def test_only_months_older_than_three_years_are_expired(history):
    assert [p.name for p in partitions_expired(NOW)] == [
        "audit_auditevent_p2022_01",
        "audit_auditevent_p2022_02",
    ]
    assert partitions_expired(dt.datetime(2025, 1, 31, tzinfo=CST)) == []


def test_expired_months_are_archived_then_dropped_and_the_rest_still_verifies(
    history, settings, producer_unit
):
    events, recent = history
    archives = audit_archive_expired(now=NOW)
    assert [a.event_count for a in archives] == [5, 2]
    assert not {"audit_auditevent_p2022_01", "audit_auditevent_p2022_02"} & {
        p.name for p in partitions_list()
    }
    assert not AuditEvent.objects.filter(pk__in=[e.pk for e in events]).exists()
    assert AuditEvent.objects.filter(action="audit.archive").count() == 2
    january, february = archive_files(settings.AUDIT_ARCHIVE_DIR)
    assert archives[1].previous_sha256 == archives[0].sha256 == file_digest(january)
    producer_head = next(h for h in archives[1].heads if h["owner_unit"] == producer_unit.pk)
    assert producer_head["seq"] == 5
    report = audit_verify()  # the database's chains go on from the archived heads
    assert report.ok, [c.broken for c in report.chains if c.broken]
    assert next(c for c in report.chains if c.owner_unit_id == producer_unit.pk).verified == 7
    assert audit_archive_expired(now=NOW) == []  # idempotent


def test_an_archive_verifies_offline_with_the_standard_library_alone(history, settings):
    audit_archive_expired(now=NOW)
    january, february = archive_files(settings.AUDIT_ARCHIVE_DIR)
    # -I: isolated mode, neither the project nor its virtualenv's packages on the path.
    run = subprocess.run(
        [sys.executable, "-I", str(VERIFIER), str(february), str(january)], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.startswith(f"OK {february}: 2 events verified")
    call_command("verify_audit_archive", str(february), str(january))


def test_the_standalone_hash_is_the_sealers_for_real_events(history):
    events, recent = history
    for event in events + recent:
        event.refresh_from_db()
        content = json.loads(json.dumps(event.canonical(), default=str))  # as read back from a file
        assert chain_hash(event.prev_hash, content) == event_hash(prev_hash=event.prev_hash, event=event)
        assert chain_hash(event.prev_hash, content) == event.hash


def rewrite(path: Path, change) -> None:
    with gzip.open(path, "rt", encoding="utf-8") as file:
        lines = [json.loads(line) for line in file]
    change(lines)
    with gzip.open(path, "wt", encoding="utf-8") as file:
        file.writelines(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)


def test_a_tampered_archive_is_detected(history, settings):
    audit_archive_expired(now=NOW)
    january, february = archive_files(settings.AUDIT_ARCHIVE_DIR)
    rewrite(january, lambda lines: lines[2]["event"].update(purpose="另一个目的"))
    report = verify_archive(january)
    assert not report.ok
    assert "line 3" in report.problems[0] and "content does not match" in report.problems[0]
    # The next archive names the digest of the file as it was written.
    assert any("digest" in problem for problem in verify_archive(february, january).problems)
    run = subprocess.run([sys.executable, "-I", str(VERIFIER), str(january)], capture_output=True, text=True)
    assert run.returncode == 1 and run.stdout.startswith("BROKEN")


def test_a_removed_event_in_an_archive_is_detected(history, settings):
    audit_archive_expired(now=NOW)
    january, _ = archive_files(settings.AUDIT_ARCHIVE_DIR)
    rewrite(january, lambda lines: lines.pop(2))
    assert "position 2 expected" in verify_archive(january).problems[0]


def test_a_month_with_unsealed_events_is_not_dropped(producer_unit, settings):
    make_partitions(JANUARY)
    old_events(JANUARY, 1, owner_unit=producer_unit)  # never sealed
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with pytest.raises(Exception, match="unsealed"):
        audit_archive_expired(now=NOW)
    assert "audit_auditevent_p2022_01" in {p.name for p in partitions_list()}
    assert not AuditArchive.objects.exists()


def test_the_daily_task_creates_partitions_ahead_and_archives_what_expired(history, settings):
    from audit.tasks import maintain_partitions

    assert maintain_partitions.delay().get() == 2
    assert len(archive_files(settings.AUDIT_ARCHIVE_DIR)) == 2
    assert AuditArchive.objects.count() == 2


def test_the_command_says_what_it_archived(history, capsys):
    call_command("archive_audit")
    out = capsys.readouterr().out
    assert "audit_auditevent_p2022_01.jsonl.gz" in out and "audit_auditevent_p2022_02.jsonl.gz" in out
