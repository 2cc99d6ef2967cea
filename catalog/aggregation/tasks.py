"""Celery tasks: thin interfaces that fetch by id and call a service.

The names are the ones the tasks had as ``catalog.tasks``: the beat schedule and queued messages use them.
"""

from celery import shared_task

from .files import upload_files_remove_kept
from .services import batch_ids_waiting, batch_process


@shared_task(name="catalog.tasks.aggregate_batch")
def aggregate_batch(batch_id: int) -> str | None:
    """Aggregate an uploaded file. Idempotent: a batch that is not waiting any more is left alone."""
    batch = batch_process(batch_id=batch_id)
    return batch.status if batch is not None else None


@shared_task(name="catalog.tasks.aggregate_waiting_batches")
def aggregate_waiting_batches() -> int:
    """Timer: queue again the batches whose task was lost or whose worker died."""
    ids = batch_ids_waiting()
    for batch_id in ids:
        aggregate_batch.delay(batch_id)
    return len(ids)


@shared_task(name="catalog.tasks.remove_kept_upload_files")
def remove_kept_upload_files() -> int:
    """Timer: remove the files of batches finished more than UPLOAD_KEEP_HOURS ago."""
    return upload_files_remove_kept()
