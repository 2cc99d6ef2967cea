"""Governance: information projects and their data assets (Q4.4, G50), the rights of data subjects
(G39, G41–G43) and disputes between units (G51). Every lifecycle here moves through ``workflow.py``,
which writes one ``Step`` per move; documents hang on the step that brought them."""

import pathlib
import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dataplatform.core.models import HistoryEntry

# --- information projects (Q4.4, G50) --------------------------------------------------------------


class ProjectStage(models.TextChoices):
    FEASIBILITY = "feasibility", _("Feasibility study")  # 可行性研究报告暨初步设计方案阶段
    CONSTRUCTION = "construction", _("Under construction")
    ACCEPTED = "accepted", _("Accepted")  # 最终验收通过


class InfoProject(models.Model):
    """A government information project (政务信息化项目) and the data assets it will produce."""

    code = models.CharField(_("project code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    unit = models.ForeignKey(
        "core.Unit", verbose_name=_("project unit"), on_delete=models.PROTECT, related_name="+"
    )
    # Q1.6: the project approving department checks the data work before acceptance.
    approving_unit = models.ForeignKey(
        "core.Unit", verbose_name=_("approving department"), on_delete=models.PROTECT, related_name="+"
    )
    description = models.TextField(_("description"), blank=True)
    fiscal_funds = models.BooleanField(_("built with fiscal funds"), default=True)
    status = models.CharField(
        _("stage"), max_length=20, choices=ProjectStage.choices, default=ProjectStage.FEASIBILITY
    )
    created_by = models.ForeignKey("core.User", null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("registered at"), default=timezone.now)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("information project")
        verbose_name_plural = _("information projects")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ProjectAsset(models.Model):
    """A data asset (数据资产) the project declared at feasibility stage, and the catalog entry that
    registers it once it exists."""

    project = models.ForeignKey(InfoProject, on_delete=models.CASCADE, related_name="assets")
    name = models.CharField(_("data asset"), max_length=200)
    description = models.CharField(_("description"), max_length=500, blank=True)
    resource = models.ForeignKey(
        "catalog.Resource",
        verbose_name=_("catalog entry"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("project data asset")
        verbose_name_plural = _("project data assets")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="asset_name_unique")]

    def __str__(self) -> str:
        return self.name


# --- data subjects (G39, G41–G43) -----------------------------------------------------------------


class SubjectKind(models.TextChoices):
    PERSON = "person", _("Natural person")  # by the resident ID number
    COMPANY = "company", _("Legal person")  # by the unified social credit code


class SubjectIdentity(models.Model):
    """A citizen's identity as verified by the platform: the ID number checked in person (or through
    the province's unified identity authentication) by a platform administrator. A person never
    declares it alone. A company acts through its data administrator, whose unit carries the credit code."""

    user = models.OneToOneField(
        "core.User", verbose_name=_("person"), on_delete=models.CASCADE, related_name="subject_identity"
    )
    id_number = models.CharField(_("resident ID number"), max_length=18, unique=True)
    method = models.CharField(_("how it was verified"), max_length=200)
    verified_by = models.ForeignKey(
        "core.User", verbose_name=_("verified by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    verified_at = models.DateTimeField(_("verified at"), default=timezone.now)

    class Meta:
        verbose_name = _("verified identity")
        verbose_name_plural = _("verified identities")

    def __str__(self) -> str:
        return f"{self.user} · {self.id_number[:6]}…"


class SubjectMixin(models.Model):
    """Who the data is about, and the person who acts for it."""

    subject_kind = models.CharField(_("subject kind"), max_length=10, choices=SubjectKind.choices)
    subject_id = models.CharField(_("ID number or credit code"), max_length=18, db_index=True)
    requested_by = models.ForeignKey(
        "core.User", verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        abstract = True


class CopyStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    PROVIDED = "provided", _("Copy provided")
    REFUSED = "refused", _("Refused")


class CopyRequest(SubjectMixin):
    """A subject asks a producing unit for a copy of the records about it (G42 查阅、复制)."""

    resource = models.ForeignKey(
        "catalog.Resource", verbose_name=_("resource"), on_delete=models.PROTECT, related_name="+"
    )
    producer = models.ForeignKey(
        "core.Unit", verbose_name=_("producing unit"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=CopyStatus.choices, default=CopyStatus.REQUESTED
    )
    due = models.DateField(_("due"), null=True, blank=True)
    # The records as they were when the producer provided the copy: the copy the subject downloads.
    copy = models.JSONField(_("copy"), null=True, blank=True)
    provided_at = models.DateTimeField(_("provided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("copy request")
        verbose_name_plural = _("copy requests")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["producer", "status"], name="copy_producer_status")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.resource.name}"


class AuthorizationStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    REVOKED = "revoked", _("Revoked")


class SubjectAuthorization(SubjectMixin):
    """A subject authorizes a named unit to use its sensitive data, for a stated purpose and period
    (G41 授权第三方使用). Each use checks it and is audited."""

    grantee = models.ForeignKey(
        "core.Unit", verbose_name=_("authorized unit"), on_delete=models.PROTECT, related_name="+"
    )
    resources = models.ManyToManyField("catalog.Resource", verbose_name=_("resources"), related_name="+")
    purpose = models.CharField(_("purpose"), max_length=300)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    status = models.CharField(
        _("status"), max_length=20, choices=AuthorizationStatus.choices, default=AuthorizationStatus.ACTIVE
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("subject authorization")
        verbose_name_plural = _("subject authorizations")
        ordering = ["-created_at", "-id"]
        # The check on every use: this unit, this subject, active.
        indexes = [models.Index(fields=["grantee", "subject_id", "status"], name="authorization_use")]

    def __str__(self) -> str:
        return f"#{self.pk} → {self.grantee.name}: {self.purpose[:40]}"


class ComplaintStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    HANDLING = "handling", _("Being handled")
    ANSWERED = "answered", _("Answered")


class Complaint(SubjectMixin):
    """A subject complains to the data authority of the unit's level that a unit harmed its rights (G43)."""

    against = models.ForeignKey(
        "core.Unit", verbose_name=_("complained-of unit"), on_delete=models.PROTECT, related_name="+"
    )
    authority = models.ForeignKey(
        "core.Unit", verbose_name=_("data authority"), on_delete=models.PROTECT, related_name="+"
    )
    description = models.TextField(_("complaint"))
    status = models.CharField(
        _("status"), max_length=20, choices=ComplaintStatus.choices, default=ComplaintStatus.SUBMITTED
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["authority", "status"], name="complaint_authority_status")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.against_id}"


# --- disputes (G51) ---------------------------------------------------------------------------------


class DisputeMatter(models.TextChoices):
    COLLECTION = "collection", _("Collection")
    USE = "use", _("Use")
    MANAGEMENT = "management", _("Management")


class DisputeStatus(models.TextChoices):
    NEGOTIATING = "negotiating", _("Negotiation between the units")  # 自行协商
    COORDINATING = "coordinating", _("Coordination by the authority")  # 主管部门协调
    CONSULTING = "consulting", _("Joint consultation")  # 会同机构编制管理部门等联合会商
    REPORTING = "reporting", _("Report being prepared")  # 列明各方理据，提出倾向性意见
    REPORTED = "reported", _("Reported to the government for decision")  # 报请本级党委或者人民政府决定
    SETTLED = "settled", _("Settled")
    DECIDED = "decided", _("Decided by the government")


class Dispute(models.Model):
    """A dispute between two units of one level over the collection, use or management of data."""

    title = models.CharField(_("title"), max_length=200)
    matter = models.CharField(_("matter"), max_length=20, choices=DisputeMatter.choices)
    description = models.TextField(_("description"))
    raised_by = models.ForeignKey(
        "core.Unit", verbose_name=_("raising unit"), on_delete=models.PROTECT, related_name="+"
    )
    other_party = models.ForeignKey(
        "core.Unit", verbose_name=_("other unit"), on_delete=models.PROTECT, related_name="+"
    )
    authority = models.ForeignKey(
        "core.Unit", verbose_name=_("data authority"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=DisputeStatus.choices, default=DisputeStatus.NEGOTIATING
    )
    raised_by_grounds = models.TextField(_("grounds of the raising unit"), blank=True)
    other_party_grounds = models.TextField(_("grounds of the other unit"), blank=True)
    authority_opinion = models.TextField(_("the authority's opinion"), blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    created_by = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"


# --- the timeline and its documents ----------------------------------------------------------------


class Step(HistoryEntry):
    """One row per move of any lifecycle here (STYLE rule 2), with its date, opinion (``reason``) and
    documents. ``subject`` names the lifecycle (``dispute``, ``project``…) and ``object_id`` its row."""

    subject = models.CharField(max_length=20)
    object_id = models.BigIntegerField()
    actor_name = models.CharField(_("by"), max_length=150)
    actor_unit = models.ForeignKey(
        "core.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("step")
        verbose_name_plural = _("steps")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["subject", "object_id"], name="governance_step_of")]

    def __str__(self) -> str:
        return f"{self.subject}#{self.object_id} {self.action}"

    @property
    def lifecycle_name(self) -> str:
        return f"governance.{self.subject}"


DOCUMENT_EXTENSIONS = frozenset(
    {".pdf", ".ofd", ".doc", ".docx", ".xls", ".xlsx", ".txt", ".jpg", ".jpeg", ".png", ".zip"}
)


def document_path(instance: "StepDocument", filename: str) -> str:
    """A name of our own under MEDIA_ROOT: a random one with the (checked) extension, never the
    uploader's, which may hold path parts or characters a file system refuses."""
    suffix = pathlib.PurePath(filename).suffix.lower()
    suffix = suffix if suffix in DOCUMENT_EXTENSIONS else ""
    now = timezone.now()
    return f"governance/{now:%Y}/{now:%m}/{uuid.uuid4().hex}{suffix}"


class StepDocument(models.Model):
    step = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(_("file"), upload_to=document_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size"))

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name
