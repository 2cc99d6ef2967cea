"""Correction's tasks: thin interfaces over the services (STYLE: deadlines are data, timers scan)."""

from celery import shared_task

from .services import (
    tickets_mark_overdue,
    tickets_remind,
    tickets_remind_overdue,
    tickets_resolve_corrected,
)


@shared_task
def resolve_corrected_tickets(resource_id: int) -> int:
    """Queued after each successful aggregation of the resource (catalog/aggregation.py)."""
    return tickets_resolve_corrected(resource_id=resource_id)


@shared_task
def scan_corrected_tickets() -> int:
    """Backup for a lost queued check (a broker restart): every ticket being corrected."""
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
