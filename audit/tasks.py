"""Audit's timers: thin interfaces over the services. Both are idempotent: a second run, or a second
worker at the same time, finds nothing left to do."""

from celery import shared_task

from .archive import audit_archive_expired
from .partitions import partitions_ensure
from .services import audit_checkpoint, audit_seal
from .usage import usage_push_daily


@shared_task
def seal_events() -> int:
    return audit_seal()


@shared_task
def write_checkpoints() -> int:
    return len(audit_checkpoint())


@shared_task
def push_usage_logs() -> int:
    """Yesterday's usage log to every producing unit whose data was used (Q8.4, F24), and the retries of
    failed webhooks. Idempotent: run hourly, it pushes each unit's day once."""
    return usage_push_daily()


@shared_task
def maintain_partitions() -> int:
    """Create the coming months' partitions; archive and drop those older than the retention (Q8.4)."""
    partitions_ensure()
    return len(audit_archive_expired())
