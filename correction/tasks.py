"""Correction's tasks: thin interfaces over the services (STYLE: deadlines are data, timers scan)."""

from celery import shared_task

from .services import (
    tickets_mark_overdue,
    tickets_remind,
    tickets_remind_overdue,
    tickets_resolve_corrected,
)


@shared_task
def scan_corrected_tickets() -> int:
    """Every minute: resolve the tickets being corrected whose records were re-aggregated since the
    decision. The catalog's aggregation knows nothing of correction; this scan is how a corrected
    record is noticed."""
    return tickets_resolve_corrected()


@shared_task(name="correction.tasks.resolve_corrected_tickets")
def resolve_corrected_tickets_queued_before() -> int:
    """The task the aggregation used to queue after each batch: messages still in the broker from before
    the scan took its place run the scan, rather than failing as unregistered."""
    return tickets_resolve_corrected()


@shared_task
def remind_tickets() -> int:
    return tickets_remind()


@shared_task
def mark_overdue_tickets() -> int:
    return tickets_mark_overdue()


@shared_task
def remind_overdue_tickets() -> int:
    return tickets_remind_overdue()
