from celery import shared_task

from .services import catalog_review_open


@shared_task
def open_yearly_review() -> int:
    """The yearly open catalog review task (Q6.1, G34, F12); idempotent, so a daily run is harmless."""
    return catalog_review_open().pk
