"""Bulk exchange (批量数据交换): push tasks that copy a grant's items into the applicant's own table.

A push task names the target database and table; its credentials are encrypted at rest
(``sharing/exchange/crypto.py``). Each run is a row written before its Celery task is queued, claimed
by a compare-and-swap update; the target holds the authoritative progress (``dp_push_state``), written
in the same target transaction as each batch (``sharing/exchange/targets.py``).
"""

import uuid

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

table_name_validator = RegexValidator(
    r"^[A-Za-z_][A-Za-z0-9_]{0,62}(\.[A-Za-z_][A-Za-z0-9_]{0,62})?$",
    _("Letters, digits and underscores, optionally schema.table."),
)


class TargetEngine(models.TextChoices):
    POSTGRESQL = "postgresql", "PostgreSQL"
    MYSQL = "mysql", "MySQL / MariaDB"


class PushTask(models.Model):
    # Who this task is wherever it pushes: its progress in a target (``dp_push_state``) is keyed by
    # this, never by the id, which another platform (or this one restored or re-seeded) also uses.
    identity = models.UUIDField(_("identity"), default=uuid.uuid4, unique=True, editable=False)
    grant = models.ForeignKey("sharing.Grant", on_delete=models.PROTECT, related_name="push_tasks")
    name = models.CharField(_("name"), max_length=100)
    engine = models.CharField(_("database"), max_length=20, choices=TargetEngine.choices)
    host = models.CharField(_("host"), max_length=200)
    port = models.PositiveIntegerField(_("port"))
    database = models.CharField(_("database name"), max_length=100)
    username = models.CharField(_("user name"), max_length=100)
    password_encrypted = models.TextField(blank=True)  # Fernet token; never shown, never logged
    table = models.CharField(_("table"), max_length=130, validators=[table_name_validator])
    interval_minutes = models.PositiveIntegerField(_("every (minutes)"), default=24 * 60)
    next_run_at = models.DateTimeField(_("next run"), null=True, blank=True)
    paused = models.BooleanField(_("paused"), default=False)
    failures = models.PositiveIntegerField(_("consecutive failures"), default=0)
    watermark = models.DateTimeField(_("data up to"), null=True, blank=True)
    created_by = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("push task")
        verbose_name_plural = _("push tasks")
        ordering = ["grant", "name"]
        indexes = [models.Index(fields=["next_run_at"], name="push_task_due")]

    def __str__(self) -> str:
        return self.name


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


ACTIVE_RUN = (RunStatus.QUEUED, RunStatus.RUNNING)


class RunTrigger(models.TextChoices):
    SCHEDULE = "schedule", _("Schedule")
    MANUAL = "manual", _("On demand")
    RETRY = "retry", _("Retry")


class PushRun(models.Model):
    task = models.ForeignKey(PushTask, on_delete=models.CASCADE, related_name="runs")
    trigger = models.CharField(_("trigger"), max_length=10, choices=RunTrigger.choices)
    status = models.CharField(_("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    full = models.BooleanField(_("full load"), null=True)
    rows_written = models.PositiveBigIntegerField(_("rows written"), default=0)
    rows_deleted = models.PositiveBigIntegerField(_("rows deleted"), default=0)
    rows_expected = models.PositiveBigIntegerField(_("rows to push"), null=True)
    watermark = models.DateTimeField(_("data up to"), null=True)
    error = models.TextField(_("error"), blank=True)
    queued_at = models.DateTimeField(_("queued at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True)
    heartbeat_at = models.DateTimeField(null=True)
    finished_at = models.DateTimeField(_("finished at"), null=True)
    claims = models.PositiveIntegerField(default=0)  # how many times a worker took it up
    created_by = models.ForeignKey("core.User", null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("push run")
        verbose_name_plural = _("push runs")
        ordering = ["-queued_at", "-id"]
        constraints = [
            # One run at a time per task: a second timer tick or button press finds this one.
            models.UniqueConstraint(
                fields=["task"], condition=Q(status__in=ACTIVE_RUN), name="one_active_run_per_task"
            )
        ]

    def __str__(self) -> str:
        return f"{self.task_id} #{self.pk} {self.status}"

    @property
    def duration(self):
        if self.started_at is None:
            return None
        return (self.finished_at or timezone.now()) - self.started_at

    @property
    def progress(self) -> int | None:
        if self.status == RunStatus.DONE:
            return 100
        if not self.rows_expected:
            return None
        done = self.rows_written + self.rows_deleted
        return min(99, int(100 * done / self.rows_expected))
