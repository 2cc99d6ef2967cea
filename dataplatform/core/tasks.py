"""Celery tasks: thin interfaces that fetch by id and call a service."""

from celery import shared_task

from .notifications import notification_send_email, pending_email_ids


@shared_task
def send_notification_email(notification_id: int) -> bool:
    return notification_send_email(notification_id)


@shared_task
def send_pending_notification_emails() -> int:
    """Timer: send e-mails whose task was lost (a broker restart, a crash before the queue)."""
    return sum(notification_send_email(pk) for pk in pending_email_ids())
