"""Audit's timers: thin interfaces over the services. Both are idempotent: a second run, or a second
worker at the same time, finds nothing left to do."""

import logging

from celery import shared_task

from dataplatform.core.db_roles import owner_connection

from .archive import audit_archive_expired
from .partitions import is_partitioned, partitions_ensure, partitions_maintainable
from .services import audit_checkpoint, audit_seal
from .usage import usage_push_daily

logger = logging.getLogger(__name__)


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
    """Create the coming months' partitions; archive and drop those older than the retention (Q8.4).

    As the owner of the tables: a worker connected as the application's role alone (docker-compose) may
    not, and leaves the work to `manage.py archive_audit`, which the maintenance service runs as the owner."""
    with owner_connection():
        if is_partitioned() and not partitions_maintainable():
            logger.info(
                "Audit partitions are maintained by the owner of the tables (manage.py archive_audit)."
            )
            return 0
        partitions_ensure()
        return len(audit_archive_expired())
