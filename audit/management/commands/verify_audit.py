from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.checkpoint_files import FileCheckpoint, witness_file_read
from audit.selectors import audit_verify


class Command(BaseCommand):
    help = (
        "Recompute every audit hash chain and hold it against the recorded heads, checkpoint files and "
        "anchors (TSA timestamps, heads sent to witnesses); report the first broken or missing link per "
        "chain and exit non-zero if there is one."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--witness",
            action="append",
            default=[],
            metavar="FILE",
            help=(
                "The chain heads a producing unit kept from its usage log pushes, JSON lines of "
                '{"owner_unit_id": id (null: the platform), "seq": n, "hash": h}; may be given more than once.'
            ),
        )

    def handle(self, *args, **options) -> None:
        witness: list[FileCheckpoint] = []
        for name in options["witness"]:
            path = Path(name)
            if not path.is_file():
                raise CommandError(f"{name}: no such file.")
            witness.extend(witness_file_read(path))
        report = audit_verify(witness=witness)
        for chain in report.chains:
            line = f"{chain.owner_name}: {chain.verified} sealed, {chain.unsealed} unsealed, head {chain.head_hash[:16]}"
            if chain.ok:
                self.stdout.write(f"OK     {line}")
            else:
                broken = chain.broken
                assert broken is not None  # not ok: broken
                self.stdout.write(
                    f"BROKEN {line}; {broken.kind} at event {broken.event_id} position {broken.seq}: {broken.message}"
                )
        for where in report.unreadable_checkpoints:
            self.stdout.write(f"BROKEN checkpoint file line {where} cannot be read")
        for problem in report.problems:
            self.stdout.write(f"BROKEN {problem.kind}: {problem.message}")
        if not report.ok:
            raise CommandError("The audit log fails verification.")
        self.stdout.write(f"All {len(report.chains)} chains verified; {report.anchors} anchors hold.")
