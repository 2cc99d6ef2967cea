"""Celery interfaces over the outbox, the nonce purge and the back-flow timers (thin, STYLE rule 1). The
beat schedule is in settings."""

from celery import shared_task

from .outbox import outbox_deliver_peer, outboxes_deliver_due
from .signing import nonces_purge


@shared_task
def deliver_peer(peer_id: int) -> int:
    return outbox_deliver_peer(peer_id)


@shared_task
def deliver_due() -> int:
    return outboxes_deliver_due()


@shared_task
def purge_nonces() -> int:
    return nonces_purge()


@shared_task
def exports_step() -> int:
    from .transfer import exports_step as step

    return step()


@shared_task
def usage_reports_send() -> int:
    from .usage import usage_reports_send as send

    return send()
