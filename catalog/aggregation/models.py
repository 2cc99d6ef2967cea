"""Aggregation batches: one upload or API call that writes records."""

from django.db import models
from django.utils.formats import number_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from catalog.models.resources import Resource


class BatchSource(models.TextChoices):
    API = "api", _("API")
    FILE = "file", _("File upload")
    DELETION = "deletion", _("Deletion")
    FEDERATION = "federation", _("Back-flow from the upper node")


class BatchStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    PROCESSING = "processing", _("Processing")
    DONE = "done", _("Aggregated")
    FAILED = "failed", _("Refused")


class AggregationBatch(models.Model):
    """One aggregation (汇聚): a batch of records applied whole or not at all."""

    resource = models.ForeignKey(Resource, on_delete=models.PROTECT, related_name="batches")
    source = models.CharField(_("source"), max_length=10, choices=BatchSource.choices)
    file = models.FileField(_("file"), upload_to="uploads/%Y/%m/", blank=True)
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=BatchStatus.choices, default=BatchStatus.PENDING
    )
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    inserted = models.PositiveIntegerField(_("inserted"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    deleted = models.PositiveIntegerField(_("deleted"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    message = models.TextField(_("message"), blank=True)
    created_by = models.ForeignKey("core.User", null=True, on_delete=models.PROTECT, related_name="+")
    api_key = models.ForeignKey(
        "core.ApiKey", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    # Written every few seconds by the worker that holds the batch: a processing batch whose heartbeat
    # stopped lost its worker. started_at, set by each claim, tells the claims apart.
    heartbeat_at = models.DateTimeField(_("heartbeat at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("aggregation batch")
        verbose_name_plural = _("aggregation batches")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.resource_id} #{self.pk} {self.status}"

    @property
    def summary(self) -> str:
        """What the batch did, in the reader's language: a finished batch says it from its counts; a
        refused one has its message (in the language of the request or the worker that refused it)."""
        if self.status != BatchStatus.DONE:
            return self.message
        counts = {
            "rows": number_format(self.total_rows, force_grouping=True),
            "inserted": number_format(self.inserted, force_grouping=True),
            "updated": number_format(self.updated, force_grouping=True),
            "unchanged": number_format(self.unchanged, force_grouping=True),
            "deleted": number_format(self.deleted, force_grouping=True),
        }
        if self.source == BatchSource.DELETION:
            return gettext("%(rows)s key(s): %(deleted)s deleted, %(unchanged)s not found.") % counts
        return (
            gettext("%(rows)s row(s): %(inserted)s inserted, %(updated)s updated, %(unchanged)s unchanged.")
            % counts
        )

    @property
    def file_removed(self) -> bool:
        """An uploaded file is removed once its batch has finished (UPLOAD_KEEP_HOURS)."""
        return self.source == BatchSource.FILE and not self.file

    @property
    def progress(self) -> int:
        """Percent done, for the upload page's progress bar."""
        if self.status in (BatchStatus.DONE, BatchStatus.FAILED):
            return 100
        return int(100 * self.processed_rows / self.total_rows) if self.total_rows else 0
