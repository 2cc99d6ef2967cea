"""The aggregated records of a resource and the tombstones of deleted ones."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .resources import Resource


class Record(models.Model):
    """One aggregated record of a resource, keyed by the resource's key item.

    Re-aggregation updates in place; ``updated_at`` changes only when the data does, so increments
    (pushes) and corrections can be found by it.
    """

    id = models.BigAutoField(primary_key=True)
    # No single-column index: record_key_unique and record_changed both start with resource_id.
    resource = models.ForeignKey(Resource, on_delete=models.PROTECT, related_name="records", db_index=False)
    key = models.CharField(max_length=200)
    data = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # Which batch last changed the record: provenance only. Batches are never deleted, so the link
    # needs neither a constraint nor an index, which would cost a check and an index write per row
    # on every aggregation (bench/aggregate.py).
    batch = models.ForeignKey(
        "AggregationBatch",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )

    class Meta:
        verbose_name = _("record")
        verbose_name_plural = _("records")
        constraints = [models.UniqueConstraint(fields=["resource", "key"], name="record_key_unique")]
        indexes = [models.Index(fields=["resource", "updated_at"], name="record_changed")]

    def __str__(self) -> str:
        return f"{self.resource_id}:{self.key}"


class RecordDeletion(models.Model):
    """A tombstone: the record with this key was withdrawn from the entry at ``deleted_at``.

    Records are deleted outright; their tombstones let increments (bulk exchange pushes) carry the
    deletion to the applicants' copies.
    """

    id = models.BigAutoField(primary_key=True)
    resource = models.ForeignKey(Resource, on_delete=models.PROTECT, related_name="+", db_index=False)
    key = models.CharField(max_length=200)
    deleted_at = models.DateTimeField(default=timezone.now)
    batch = models.ForeignKey(
        "AggregationBatch", null=True, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False
    )

    class Meta:
        verbose_name = _("deleted record")
        verbose_name_plural = _("deleted records")
        indexes = [models.Index(fields=["resource", "deleted_at"], name="record_deleted")]

    def __str__(self) -> str:
        return f"{self.resource_id}:{self.key} deleted"
