"""Claiming a file's batch for one worker, and noticing a worker that died (STYLE rule 5).

A claim is a compare-and-swap update of the batch row; while the worker holds the batch, a thread writes
its heartbeat. A processing batch whose heartbeat stopped for UPLOAD_STALE_SECONDS lost its worker (the
transaction it had open was rolled back with it) and is claimed again; a live long upload never is.
"""

import datetime as dt
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import DatabaseError, connections, transaction
from django.db.models import Q
from django.utils import timezone

from .models import AggregationBatch, BatchStatus

logger = logging.getLogger(__name__)


def worker_lost(now: dt.datetime) -> Q:
    """Processing, but its worker has written no heartbeat for UPLOAD_STALE_SECONDS: it died, and the
    transaction it had open was rolled back with it, so nothing of the batch was applied."""
    stale = now - dt.timedelta(seconds=settings.UPLOAD_STALE_SECONDS)
    silent = Q(heartbeat_at__lt=stale) | Q(heartbeat_at=None, started_at__lt=stale)
    return Q(status=BatchStatus.PROCESSING) & silent


def batch_claim(batch_id: int) -> dt.datetime | None:
    """Compare and swap: of two workers (or a retry) only one goes on; a batch whose worker still
    beats is not taken. Answers the claim's started_at, which tells this claim from a later one."""
    now = timezone.now()
    waiting = Q(status=BatchStatus.PENDING) | worker_lost(now)
    claimed = AggregationBatch.objects.filter(waiting, pk=batch_id).update(
        status=BatchStatus.PROCESSING, started_at=now, heartbeat_at=now, processed_rows=0
    )
    return now if claimed == 1 else None


@contextmanager
def heartbeat(*, batch_id: int, claimed_at: dt.datetime) -> Iterator[None]:
    """Write the batch's heartbeat from a thread while the batch is processed. A thread, because the
    longest step (applying the rows) is one statement in one transaction, whose writes no other worker
    sees before it commits. The thread has its own database connection, so its writes commit at once."""
    stop = threading.Event()
    every = settings.UPLOAD_STALE_SECONDS / 6

    def beat() -> None:
        try:
            while not stop.wait(every):
                try:
                    _beat(batch_id, claimed_at)
                except DatabaseError:
                    logger.warning("Aggregation batch %s: the heartbeat was not written", batch_id)
        finally:
            connections.close_all()  # this thread's connection

    thread = threading.Thread(target=beat, name=f"batch-{batch_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _beat(batch_id: int, claimed_at: dt.datetime) -> None:
    """One heartbeat, unless the row is locked: then the worker itself is concluding the batch (and is
    alive). Never waiting for the lock, the thread can always be joined, even inside a transaction."""
    with transaction.atomic():
        mine = AggregationBatch.objects.select_for_update(skip_locked=True).filter(
            pk=batch_id, status=BatchStatus.PROCESSING, started_at=claimed_at
        )
        AggregationBatch.objects.filter(pk__in=list(mine.values_list("pk", flat=True))).update(
            heartbeat_at=timezone.now()
        )
