"""Timers for sharing: thin interfaces over the services' scans (STYLE: deadlines are data)."""

from celery import shared_task

from .services import applications_mark_overdue, applications_remind, grants_expire, usage_reports_remind


@shared_task
def remind_applications() -> int:
    return applications_remind()


@shared_task
def mark_overdue_applications() -> int:
    return applications_mark_overdue()


@shared_task
def expire_grants() -> int:
    return grants_expire()


@shared_task
def remind_usage_reports() -> int:
    return usage_reports_remind()
