from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dataplatform.core.models.history import HistoryEntry


class TicketKind(models.TextChoices):
    REPORT = "report", _("Problem data report")  # 问题数据反馈, Q7.1: an applying unit
    OBJECTION = "objection", _("Objection")  # 异议, G42 and F25: a data subject or an open-data user


class TicketStatus(models.TextChoices):
    TRIAGE = "triage", _("Being analysed by the technical service unit")
    DISPATCHED = "dispatched", _("With the producer for a decision")
    CORRECTING = "correcting", _("Being corrected at the source")
    RESOLVED = "resolved", _("Corrected: waiting for the reporter's confirmation")
    CONFIRMED = "confirmed", _("Correction confirmed")
    DECLINED = "declined", _("Producer decided not to correct")
    CLOSED = "closed", _("Closed: not a data problem")


# The steps that run against a due date (Q7.2): the producer's decision, then its correction.
TIMED_STATUSES = (TicketStatus.DISPATCHED, TicketStatus.CORRECTING)
OPEN_STATUSES = (TicketStatus.TRIAGE, *TIMED_STATUSES, TicketStatus.RESOLVED)

MAX_KEYS = 50
DESCRIPTION_MAX_LENGTH = 500  # Q7.1: the problem is described briefly and precisely


class CorrectionTicket(models.Model):
    """A correction ticket (纠错工单): a report of problem data (问题数据反馈) or an objection (异议), from
    the report to the corrected records seen re-aggregated."""

    kind = models.CharField(_("kind"), max_length=20, choices=TicketKind.choices)
    resource = models.ForeignKey(
        "catalog.Resource", verbose_name=_("resource"), on_delete=models.PROTECT, related_name="+"
    )
    # Copied from the resource when reported: the statistics count tickets per producing unit.
    producer = models.ForeignKey(
        "core.Unit", verbose_name=_("producing unit"), on_delete=models.PROTECT, related_name="+"
    )
    keys = models.JSONField(_("record keys"))
    items = models.JSONField(_("data items"))
    description = models.CharField(_("what is wrong"), max_length=DESCRIPTION_MAX_LENGTH)
    proposed_value = models.CharField(_("value believed right"), max_length=500, blank=True)
    evidence = models.TextField(_("evidence"), blank=True)
    attachment = models.FileField(_("evidence file"), upload_to="corrections/%Y/%m/", blank=True)

    # A person, or an applying unit's information system through its API key (then no person).
    reporter = models.ForeignKey(
        "core.User",
        verbose_name=_("reporter"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reporter_unit = models.ForeignKey(
        "core.Unit",
        verbose_name=_("reporting unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    api_key = models.ForeignKey(
        "core.ApiKey",
        verbose_name=_("API key"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    status = models.CharField(
        _("status"), max_length=20, choices=TicketStatus.choices, default=TicketStatus.TRIAGE
    )
    reported_at = models.DateTimeField(_("reported at"), default=timezone.now)
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    # Deadlines are stored when their clocks start (STYLE rule 6), in business days (Q7.2).
    decision_due = models.DateField(_("decision due"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    correction_due = models.DateField(_("correction due"), null=True, blank=True)
    corrected_at = models.DateTimeField(_("corrected records seen at"), null=True, blank=True)
    correction_business_days = models.PositiveSmallIntegerField(
        _("business days from decision to correction"), null=True, blank=True
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)

    # The step owed now: its due date, and what the timers have done about it (compare-and-swap claims).
    due = models.DateField(_("due"), null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    overdue_since = models.DateTimeField(_("overdue since"), null=True, blank=True)
    overdue_reminded_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("correction ticket")
        verbose_name_plural = _("correction tickets")
        ordering = ["-reported_at", "-id"]
        indexes = [
            models.Index(fields=["status", "due"], name="ticket_status_due"),
            models.Index(fields=["resource", "status"], name="ticket_resource_status"),
            models.Index(fields=["producer", "status"], name="ticket_producer_status"),
        ]

    def __str__(self) -> str:
        # Never the record keys: they are ID numbers and credit codes, and this text goes into the audit
        # log and the feeds of people who may not read the record.
        return f"#{self.pk} {self.resource.name}"

    @property
    def is_overdue(self) -> bool:
        return self.overdue_since is not None and self.status in TIMED_STATUSES


class TicketStep(HistoryEntry):
    """The timeline: one row per step, with who, when and what they said (STYLE rule 2). The timers'
    escalations appear here too, as steps that leave the status as it was."""

    ticket = models.ForeignKey(CorrectionTicket, on_delete=models.CASCADE, related_name="steps")
    from_status = models.CharField(max_length=20, choices=TicketStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=TicketStatus.choices)
    actor_name = models.CharField(_("by"), max_length=150)  # a person, an information system, or "platform"

    class Meta:
        verbose_name = _("ticket step")
        verbose_name_plural = _("ticket steps")
        ordering = ["ticket", "at", "id"]

    def __str__(self) -> str:
        return f"#{self.ticket_id} {self.action}"
