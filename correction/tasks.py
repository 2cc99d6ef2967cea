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


@shared_task
def remind_tickets() -> int:
    return tickets_remind()


@shared_task
def mark_overdue_tickets() -> int:
    return tickets_mark_overdue()


@shared_task
def remind_overdue_tickets() -> int:
    return tickets_remind_overdue()
