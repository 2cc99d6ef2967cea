#!/usr/bin/env python3
"""Verify an audit archive file offline, with nothing but Python's standard library and the files.

    python audit/archive_verify.py FILE [PREVIOUS_FILE]

An archive (``audit_auditevent_p2023_01.jsonl.gz``) is gzip-compressed JSON lines:
- line 1, the header: ``{"format": ..., "partition": ..., "range": [from, until],
  "previous_archive": {"file": name, "sha256": digest} or null, "heads_before": [chain heads]}``;
- one line per event: ``{"id", "chain_seq", "prev_hash", "hash", "sealed_at", "event": {...}}``, ordered
  by chain (owner unit) and position, where ``event`` is the content that was hashed;
- the last line, the footer: ``{"events": n, "chains": [segments], "heads": [chain heads]}``, a chain head
  being ``{"owner_unit": id or null, "seq": n, "hash": h}``, cumulated over every archive so far.

The check: every event's hash is sha256(prev_hash + canonical JSON of its content), computed here exactly
as the platform computes it when it seals (``audit.services.event_hash`` calls ``chain_hash`` below:
there is one definition); every event points to its predecessor, from ``heads_before`` on; the footer's
counts and heads are what the events say. With PREVIOUS_FILE: its sha256 is the digest this file names,
and its heads are this file's ``heads_before``. Exit status 0 when all holds, 1 otherwise.

This module must import nothing but the standard library: an auditor runs it on any machine.
"""

import gzip
import hashlib
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

FORMAT = "dataplatform-audit-archive/1"
GENESIS_HASH = "0" * 64


def canonical_json(content: dict) -> str:
    """The one serialisation that is hashed: sorted keys, no spaces, UTF-8 characters as they are."""
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def chain_hash(prev_hash: str, content: dict) -> str:
    return hashlib.sha256((prev_hash + canonical_json(content)).encode()).hexdigest()


def file_digest(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def heads_by_owner(heads: list[dict]) -> dict:
    return {head["owner_unit"]: (int(head["seq"]), head["hash"]) for head in heads}


@dataclass
class ArchiveReport:
    path: str
    events: int = 0
    heads: dict = field(default_factory=dict)  # owner unit → (seq, hash) after this file
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_archive(path: str | Path, previous: str | Path | None = None) -> ArchiveReport:
    report = ArchiveReport(path=str(path))
    try:
        with gzip.open(path, "rt", encoding="utf-8") as file:
            lines = [json.loads(line) for line in file]
    except (OSError, EOFError, ValueError) as error:
        report.problems.append(f"the file cannot be read: {error}")
        return report
    if len(lines) < 2 or lines[0].get("format") != FORMAT:
        report.problems.append("not an audit archive: header or footer missing")
        return report
    header, events, footer = lines[0], lines[1:-1], lines[-1]
    _check_chains(report, header, events, footer)
    if previous is not None:
        _check_previous(report, header, previous)
    return report


def _check_chains(report: ArchiveReport, header: dict, events: list[dict], footer: dict) -> None:
    heads = heads_by_owner(header.get("heads_before", []))
    for number, line in enumerate(events, start=2):
        owner = line["event"].get("owner_unit")
        seq, head_hash = heads.get(owner, (0, GENESIS_HASH))
        where = f"line {number} (event {line.get('id')}, chain {owner}, position {line.get('chain_seq')})"
        if line["chain_seq"] != seq + 1:
            report.problems.append(f"{where}: position {seq + 1} expected")
        elif line["prev_hash"] != head_hash:
            report.problems.append(f"{where}: does not point to its predecessor's hash")
        elif chain_hash(line["prev_hash"], line["event"]) != line["hash"]:
            report.problems.append(f"{where}: content does not match its hash")
        if report.problems:
            return  # the first break is the one to report; everything after it depends on it
        heads[owner] = (line["chain_seq"], line["hash"])
        report.events += 1
    report.heads = heads
    if footer.get("events") != len(events):
        report.problems.append(
            f"the footer counts {footer.get('events')} events, the file holds {len(events)}"
        )
    if heads_by_owner(footer.get("heads", [])) != heads:
        report.problems.append("the footer's chain heads are not those the events lead to")


def _check_previous(report: ArchiveReport, header: dict, previous: str | Path) -> None:
    named = (header.get("previous_archive") or {}).get("sha256")
    if named != file_digest(previous):
        report.problems.append(f"the previous archive's digest is {named}, {Path(previous).name} has another")
        return
    before = verify_archive(previous)
    if not before.ok:
        report.problems.append(f"the previous archive fails verification: {before.problems[0]}")
    elif before.heads != heads_by_owner(header.get("heads_before", [])):
        report.problems.append("this archive does not start where the previous one ended")


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    report = verify_archive(argv[1], argv[2] if len(argv) == 3 else None)
    if report.ok:
        chains = ", ".join(f"{owner}@{seq}" for owner, (seq, _) in sorted(report.heads.items(), key=str))
        print(f"OK {report.path}: {report.events} events verified; chain heads {chains}")
        return 0
    for problem in report.problems:
        print(f"BROKEN {report.path}: {problem}")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
