"""Celery tasks: thin interfaces that fetch by id and call a service."""

import logging

from celery import shared_task
from celery.signals import before_task_publish

from .notifications import notification_send_email, notification_send_pending_emails

logger = logging.getLogger(__name__)


@shared_task
def send_notification_email(notification_id: int) -> bool:
    """A failed send is logged and left to the timer (which tries it again, a bounded number of times):
    it must not fail the on-commit hook of the operation that notified."""
    try:
        return notification_send_email(notification_id)
    except Exception:
        logger.exception("Could not e-mail notification %s; the timer will try again", notification_id)
        return False


@shared_task
def send_pending_notification_emails() -> int:
    """Timer: send e-mails whose task was lost (a broker restart, a crash before the queue), each on its
    own: a row that fails is counted and logged, and the rows after it are still sent. Returns the sent."""
    sent, _failed = notification_send_pending_emails()
    return sent


# --- heartbeats, read by /readyz (dataplatform.core.health) ------------------------------------------


@shared_task(ignore_result=True)
def heartbeat() -> None:
    """Timer: the worker that runs it is alive. Beat's own heartbeat is written where beat publishes it
    (beat_published, below); run in-process by ``manage.py run_timers`` (embedded mode: eager), this
    process is beat and worker at once, and writes both."""
    from .health import BEAT, WORKER, heartbeat_write

    if heartbeat.request.is_eager:
        heartbeat_write(WORKER, BEAT)
    else:
        heartbeat_write(WORKER)


HEARTBEAT_TASK = "dataplatform.core.tasks.heartbeat"


@before_task_publish.connect(weak=False, dispatch_uid="dataplatform.core.tasks.beat_published")
def beat_published(sender: str | None = None, **kwargs) -> None:
    """Only Celery beat publishes the heartbeat task: its publishing is beat's heartbeat. A failed write
    must not stop beat from sending the task."""
    if sender != HEARTBEAT_TASK:
        return
    from .health import BEAT, heartbeat_write

    try:
        heartbeat_write(BEAT)
    except Exception:
        logger.exception("Could not write beat's heartbeat")
