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


# --- Bulk exchange: a push run is one short task; the timer starts due runs and rescues lost ones. ---


@shared_task(acks_late=True)
def push_run(run_id: int) -> str | None:
    from .exchange.runs import push_run_execute

    run = push_run_execute(run_id)
    return run.status if run is not None else None


@shared_task
def start_due_pushes() -> int:
    from .exchange.runs import pushes_start_due

    return pushes_start_due()
