"""Celery interfaces over the outbox and the nonce purge (thin, STYLE rule 1). The beat schedule
(``deliver-federation-outbox`` every minute, ``purge-federation-nonces`` hourly) is in settings."""

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
