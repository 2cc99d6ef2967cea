"""Audit's timers: thin interfaces over the services. Both are idempotent: a second run, or a second
worker at the same time, finds nothing left to do."""

from celery import shared_task

from .services import audit_checkpoint, audit_seal


@shared_task
def seal_events() -> int:
    return audit_seal()


@shared_task
def write_checkpoints() -> int:
    return len(audit_checkpoint())
