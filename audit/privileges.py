"""What the application's database role may do to the audit tables (issue 18, item 3: least privilege).

Every other table of the platform the application may read and write (``manage.py grant_app_role``);
these it may only read, and add to in the ways the code does: it records events (``audit_record``)
and seals them (``_seal_rows`` sets the sealing columns, nothing else), moves the chain heads
(``_seal_batch``) and appends checkpoints and anchors (``audit_checkpoint``, ``audit.anchoring``). It never changes what an event says
or removes one. Archiving (the archive row, DETACH and DROP of a month) is the owner's
(``manage.py archive_audit``), so archives are read-only to the application. The partitions of the
event table are read-only too (``partitions.partition_read_only_sql``): rows go through the parent.

A model of this app missing here gets the ordinary privileges; tests/hardening/test_db_roles.py makes
every model of the app be named here, so that a new audit table is a decision, not an accident.
"""

from django.db import models

from .models import (
    AuditAnchor,
    AuditArchive,
    AuditChain,
    AuditCheckpoint,
    AuditEvent,
    UsagePush,
    UsageWebhook,
)

ORDINARY = "SELECT, INSERT, UPDATE, DELETE"
SEAL_FIELDS = ("chain_seq", "prev_hash", "hash", "sealed_at")  # what audit.services._seal_rows sets
HEAD_FIELDS = ("head_seq", "head_hash", "updated_at")  # what audit.services._seal_batch saves


def _column(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field) and field.column  # a concrete field of the model
    return field.column


def _update(model: type[models.Model], fields: tuple[str, ...]) -> str:
    return f"UPDATE ({', '.join(_column(model, name) for name in fields)})"


def app_privileges() -> dict[type[models.Model], str]:
    """Per model of the audit app, the application role's privileges on its table, as GRANT takes them."""
    return {
        AuditEvent: f"SELECT, INSERT, {_update(AuditEvent, SEAL_FIELDS)}",
        # INSERT: get_or_create of a unit's first chain; FOR UPDATE needs an UPDATE privilege.
        AuditChain: f"SELECT, INSERT, {_update(AuditChain, HEAD_FIELDS)}",
        AuditCheckpoint: "SELECT, INSERT",
        AuditAnchor: "SELECT, INSERT",  # audit.anchoring writes each anchor once
        AuditArchive: "SELECT",
        UsageWebhook: ORDINARY,  # a unit's own settings
        UsagePush: ORDINARY,  # the push queue: rows first, claimed by compare-and-swap
    }
