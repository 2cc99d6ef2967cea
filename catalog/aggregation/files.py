"""Uploaded files are copies of records that are stored (or were refused) once their batch has finished:
removed then, or after UPLOAD_KEEP_HOURS by a timer. A file of personal data kept for nothing can leak."""

import datetime as dt
import logging

from django.conf import settings
from django.utils import timezone

from .models import AggregationBatch, BatchStatus

logger = logging.getLogger(__name__)


def upload_file_remove(*, batch: AggregationBatch) -> None:
    """The file goes first, then the row's name of it, so that a failure in between leaves the name and
    the timer tries again (deleting a file that is gone already is no error)."""
    if not batch.file:
        return
    try:
        batch.file.storage.delete(batch.file.name)
    except OSError:
        logger.exception("Aggregation batch %s: its file could not be removed", batch.pk)
        return
    AggregationBatch.objects.filter(pk=batch.pk).update(file="")
    batch.file.name = ""


def upload_files_remove_kept() -> int:
    """Timer: remove the files of batches finished more than UPLOAD_KEEP_HOURS ago (and any left behind
    by a worker that stopped before removing its own)."""
    before = timezone.now() - dt.timedelta(hours=settings.UPLOAD_KEEP_HOURS)
    finished = AggregationBatch.objects.filter(
        status__in=(BatchStatus.DONE, BatchStatus.FAILED), finished_at__lt=before
    ).exclude(file="")
    removed = 0
    for batch in finished.only("pk", "file"):
        upload_file_remove(batch=batch)
        removed += 1
    return removed
