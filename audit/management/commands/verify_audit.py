from django.core.management.base import BaseCommand, CommandError

from audit.selectors import audit_verify


class Command(BaseCommand):
    help = (
        "Recompute every audit hash chain and hold it against the recorded heads and checkpoint files; "
        "report the first broken or missing link per chain and exit non-zero if there is one."
    )

    def handle(self, *args, **options) -> None:
        report = audit_verify()
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
        if not report.ok:
            raise CommandError("The audit log fails verification.")
        self.stdout.write(f"All {len(report.chains)} chains verified.")
