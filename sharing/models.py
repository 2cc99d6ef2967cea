from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import ServiceMethod
from dataplatform.core.models.history import HistoryEntry

from .exchange.models import PushRun as PushRun  # the models of bulk exchange, found by Django here
from .exchange.models import PushTask as PushTask


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    EVALUATING = "evaluating", _("Being evaluated by the technical service unit")
    CONSULTING = "consulting", _("Producer being consulted")
    COUNTY_REVIEW = "county_review", _("At the county authority")
    REVIEWING = "reviewing", _("At the authority for decision")
    COORDINATING = "coordinating", _("Being coordinated by the authority")
    CONFIGURING = "configuring", _("Push task being configured")
    RETURNED = "returned", _("Returned for revision")
    REFUSED = "refused", _("Refused")
    GRANTED = "granted", _("Granted")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_STATUSES = (
    ApplicationStatus.EVALUATING,
    ApplicationStatus.CONSULTING,
    ApplicationStatus.COUNTY_REVIEW,
    ApplicationStatus.REVIEWING,
    ApplicationStatus.COORDINATING,
    ApplicationStatus.CONFIGURING,
)


class Application(models.Model):
    """A sharing application (共享申请, Q-A2.1, G24). Online, it counts as a sealed paper one."""

    applicant_unit = models.ForeignKey(
        "core.Unit", verbose_name=_("applying unit"), on_delete=models.PROTECT, related_name="applications"
    )
    applicant = models.ForeignKey(
        "core.User", verbose_name=_("applicant"), on_delete=models.PROTECT, related_name="+"
    )
    business_matter = models.CharField(_("business matter"), max_length=200)
    scenario = models.TextField(_("application scenario"))
    information_system = models.CharField(_("information system"), max_length=200)
    service_method = models.CharField(_("service method"), max_length=20, choices=ServiceMethod.choices)
    scope = models.TextField(_("scope"), blank=True)
    end_date = models.DateField(_("end date"))
    status = models.CharField(
        _("status"), max_length=20, choices=ApplicationStatus.choices, default=ApplicationStatus.DRAFT
    )
    # The step owed now: its due date in business days, stored when its clock starts (STYLE rule 6).
    due = models.DateField(_("due"), null=True, blank=True)
    step_started_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    overdue_since = models.DateTimeField(_("overdue since"), null=True, blank=True)
    decision_basis = models.TextField(_("policy basis of the refusal"), blank=True)
    decision_reason = models.TextField(_("reason"), blank=True)
    filed_with_city_at = models.DateTimeField(_("filed with the city authority"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("sharing application")
        verbose_name_plural = _("sharing applications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "due"], name="application_status_due"),
            models.Index(fields=["applicant_unit", "status"], name="application_unit_status"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.business_matter}"

    @property
    def is_overdue(self) -> bool:
        return self.overdue_since is not None and self.status in OPEN_STATUSES


class ApplicationLine(models.Model):
    """One resource of an application and exactly which of its data items (minimum necessary)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="lines")
    resource = models.ForeignKey(
        "catalog.Resource", verbose_name=_("resource"), on_delete=models.PROTECT, related_name="+"
    )
    items = models.JSONField(_("data items"))
    # 会商: the producer's opinion, recorded during consultation.
    producer_agrees = models.BooleanField(_("producer agrees"), null=True, blank=True)
    producer_opinion = models.TextField(_("producer's opinion"), blank=True)
    producer_answered_by = models.ForeignKey(
        "core.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    producer_answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("application line")
        verbose_name_plural = _("application lines")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["application", "resource"], name="one_line_per_resource")
        ]

    def __str__(self) -> str:
        return f"{self.resource_id}: {', '.join(self.items)}"


def attachment_path(instance: "Attachment", filename: str) -> str:
    return f"applications/{instance.application_id}/{filename}"


class Attachment(models.Model):
    """Requirements and technical plan of a verification application (Q-A2.1), or other papers."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="attachments")
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=attachment_path)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.title


class ApplicationStep(HistoryEntry):
    """The timeline: one row per step taken, with who, when and what opinion (STYLE rule 2)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="steps")
    from_status = models.CharField(max_length=20, choices=ApplicationStatus.choices)
    to_status = models.CharField(max_length=20, choices=ApplicationStatus.choices)

    class Meta:
        verbose_name = _("application step")
        verbose_name_plural = _("application steps")
        ordering = ["application", "at", "id"]

    def __str__(self) -> str:
        return f"#{self.application_id} {self.action}"


class DeadlineMiss(models.Model):
    """A step that went past its due date: the supervision dashboard counts these per unit."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="deadline_misses")
    status = models.CharField(max_length=20, choices=ApplicationStatus.choices)
    owing_unit = models.ForeignKey("core.Unit", null=True, on_delete=models.PROTECT, related_name="+")
    due = models.DateField()
    marked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("missed deadline")
        verbose_name_plural = _("missed deadlines")
        constraints = [
            models.UniqueConstraint(fields=["application", "status", "due"], name="one_miss_per_step"),
        ]

    def __str__(self) -> str:
        return f"#{self.application_id} {self.status} due {self.due}"


class GrantStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    ENDED = "ended", _("Ended")
    EXPIRED = "expired", _("Expired")


class Grant(models.Model):
    """A grant (授权): this unit may use these items of this resource, this way, for this scenario,
    until this date. The data interfaces check it on every call with plain indexed queries."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="grants")
    unit = models.ForeignKey(
        "core.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="grants"
    )
    resource = models.ForeignKey(
        "catalog.Resource", verbose_name=_("resource"), on_delete=models.PROTECT, related_name="grants"
    )
    items = models.JSONField(_("data items"))
    service_method = models.CharField(_("service method"), max_length=20, choices=ServiceMethod.choices)
    scenario = models.TextField(_("scenario"))
    end_date = models.DateField(_("end date"))
    status = models.CharField(
        _("status"), max_length=20, choices=GrantStatus.choices, default=GrantStatus.ACTIVE
    )
    status_reason = models.TextField(_("reason"), blank=True)
    granted_by = models.ForeignKey("core.User", null=True, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)
    usage_reminded_at = models.DateTimeField(null=True, blank=True)
    # Q5.3: no crawlers or automatic query tools. Empty: the platform's defaults (settings.DATA_API).
    rate_per_minute = models.PositiveIntegerField(_("calls per minute"), null=True, blank=True)
    daily_quota = models.PositiveIntegerField(_("calls per day"), null=True, blank=True)
    # A grant is no licence to export the table: the records its calls return are counted too.
    daily_row_quota = models.PositiveIntegerField(_("records per day"), null=True, blank=True)

    class Meta:
        verbose_name = _("grant")
        verbose_name_plural = _("grants")
        ordering = ["-granted_at", "-id"]
        indexes = [
            models.Index(fields=["unit", "resource", "status"], name="grant_lookup"),
            models.Index(fields=["status", "end_date"], name="grant_expiry"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} → {self.resource_id} ({self.get_status_display()})"


class GrantEvent(HistoryEntry):
    """The grant's history: one row per change of its status (STYLE rule 2)."""

    grant = models.ForeignKey(Grant, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, choices=GrantStatus.choices)
    to_status = models.CharField(max_length=20, choices=GrantStatus.choices)

    class Meta:
        ordering = ["grant", "at", "id"]

    def __str__(self) -> str:
        return f"{self.grant_id}: {self.from_status} → {self.to_status}"


class UsageReport(models.Model):
    """A grant holder's periodic report of its use (G46), with the use record Q8.2 lists."""

    grant = models.ForeignKey(Grant, on_delete=models.PROTECT, related_name="usage_reports")
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    purpose = models.TextField(_("purpose"))
    users = models.TextField(_("users"))
    approver = models.CharField(_("approver"), max_length=100)
    data_content = models.TextField(_("data content"))
    method = models.CharField(_("method"), max_length=100)
    medium = models.CharField(_("medium"), max_length=100)
    filed_by = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField(_("filed at"), default=timezone.now)

    class Meta:
        verbose_name = _("usage report")
        verbose_name_plural = _("usage reports")
        ordering = ["-period_end"]

    def __str__(self) -> str:
        return f"{self.grant_id} {self.period_start}–{self.period_end}"


class VerificationRule(models.Model):
    """A cross-verification rule (数据交叉核验, Q-A1.5) made by the technical service unit: checks over
    one or more resources of several units that answer true or false, never the records ("usable but
    invisible", F15-F16).

    ``inputs``: [{"name": "id_number", "label": "公民身份号码"}, ...]
    ``checks``: [{"name": "registered", "resource": 12, "match": {"id_number": "id_number", "full_name": "name"},
                  "conditions": [{"item": "valid_until", "op": "not_before_today"}]}, ...]
    """

    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    inputs = models.JSONField(_("inputs"))
    checks = models.JSONField(_("checks"))
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("verification rule")
        verbose_name_plural = _("verification rules")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def resource_ids(self) -> list[int]:
        return sorted({check["resource"] for check in self.checks})
