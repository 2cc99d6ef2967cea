"""The tombstones of deleted records (the records themselves: ``catalog.records``, a table per resource)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .resources import Resource


class RecordDeletion(models.Model):
    """A tombstone: the record with this key was withdrawn from the entry at ``deleted_at``.

    Records are deleted outright; their tombstones let increments (bulk exchange pushes) carry the
    deletion to the applicants' copies.
    """

    id = models.BigAutoField(primary_key=True)
    resource = models.ForeignKey(Resource, on_delete=models.PROTECT, related_name="+", db_index=False)
    key = models.CharField(max_length=200)
    # The record's administrative division code when the entry has a region item (DataItem.is_region): a
    # lower node is sent the deletions of its own region's records only (FB12).
    region = models.CharField(max_length=12, blank=True, db_default="")
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
