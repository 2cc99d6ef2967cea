"""The open catalog (开放目录), its de-identification rules, the yearly review, and on-application
opening: applications by public organizations and the grants that follow them."""

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from catalog.models import OpenType
from dataplatform.core.models import HistoryEntry


class OpenEntryStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed, awaiting the authority")
    OPEN = "open", pgettext_lazy("open data", "Open")  # not an interface request's "Open" (in progress)
    NOT_OPEN = "not_open", _("Not open")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class OpenEntry(models.Model):
    """A published catalog entry's place in the open catalog: how it opens, decided by the authority
    with the producer (Q6.1, G34, F12)."""

    resource = models.OneToOneField(
        "catalog.Resource",
        verbose_name=_("data resource"),
        on_delete=models.PROTECT,
        related_name="open_entry",
    )
    uuid = models.UUIDField(_("public identifier"), default=uuid.uuid4, unique=True, editable=False)
    slug = models.SlugField(_("public name"), max_length=100, unique=True)
    open_type = models.CharField(_("open type"), max_length=20, choices=OpenType.choices)
    not_open_reason = models.TextField(_("reason for not opening"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=OpenEntryStatus.choices, default=OpenEntryStatus.PROPOSED
    )
    tags = models.JSONField(_("keywords"), default=list, blank=True)
    # The keywords as "|证照|个体户|", for an exact keyword match that SQLite (the demo) can run too:
    # it has no JSON containment lookup.
    tags_text = models.TextField(editable=False, blank=True)
    licence = models.CharField(_("licence"), max_length=40, default="CC-BY-4.0")
    terms = models.TextField(_("terms of use"), blank=True)
    proposed_by = models.ForeignKey(
        "core.User", verbose_name=_("proposed by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(_("proposed at"), default=timezone.now)
    decided_by = models.ForeignKey(
        "core.User",
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    # F33: a risky dataset can be withdrawn, with the reason shown on its page.
    withdrawal_reason = models.TextField(_("reason for withdrawal"), blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    last_reviewed_year = models.PositiveSmallIntegerField(_("last yearly review"), null=True, blank=True)
    view_count = models.PositiveIntegerField(_("views"), default=0)
    download_count = models.PositiveIntegerField(_("downloads"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("open catalog entry")
        verbose_name_plural = _("open catalog entries")
        ordering = ["slug"]
        indexes = [models.Index(fields=["status", "open_type"], name="open_entry_status")]

    def __str__(self) -> str:
        return self.slug

    @staticmethod
    def tag_token(tag: str) -> str:
        return f"|{tag}|"

    @property
    def is_public(self) -> bool:
        """Shown on the portal, in the CKAN API and in DCAT."""
        return self.status == OpenEntryStatus.OPEN

    @property
    def is_downloadable(self) -> bool:
        return self.is_public and self.open_type == OpenType.UNIVERSAL


class OpenEntryChange(HistoryEntry):
    """One row per decision on an entry (STYLE rule 2), with the open type it left the entry in."""

    entry = models.ForeignKey(OpenEntry, on_delete=models.CASCADE, related_name="changes")
    from_status = models.CharField(max_length=20, choices=OpenEntryStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=OpenEntryStatus.choices)
    open_type = models.CharField(max_length=20, choices=OpenType.choices)

    class Meta:
        verbose_name = _("open catalog decision")
        verbose_name_plural = _("open catalog decisions")
        ordering = ["entry", "at", "id"]

    def __str__(self) -> str:
        return f"{self.entry_id}: {self.from_status} → {self.to_status}"


class DeidRule(models.TextChoices):
    # Q6.1, G32, F13: personal and sensitive items open only de-identified (脱敏).
    MASK_ID_NUMBER = "mask_id_number", _("Mask an ID number")
    MASK_PHONE = "mask_phone", _("Mask a phone number")
    MASK_NAME = "mask_name", _("Mask a name")
    GENERALISE_DATE = "generalise_date", _("Generalise a date to its year")
    GENERALISE_ADDRESS = "generalise_address", _("Generalise an address to its county")
    DROP = "drop", _("Drop the item")


class ItemRule(models.Model):
    """The de-identification rule for one data item of an open entry, by the item's identifier (the
    catalog replaces item rows when an entry is revised; an item left without a rule is dropped)."""

    entry = models.ForeignKey(OpenEntry, on_delete=models.CASCADE, related_name="rules")
    item_name = models.SlugField(_("data item"), max_length=60)
    rule = models.CharField(_("rule"), max_length=30, choices=DeidRule.choices)

    class Meta:
        verbose_name = _("de-identification rule")
        verbose_name_plural = _("de-identification rules")
        constraints = [models.UniqueConstraint(fields=["entry", "item_name"], name="one_rule_per_open_item")]

    def __str__(self) -> str:
        return f"{self.item_name}: {self.rule}"


class ReviewDecision(models.TextChoices):
    KEEP = "keep", _("Keep as it is")
    WITHDRAW = "withdraw", _("Withdraw")


class CatalogReview(models.Model):
    """The yearly adjustment of the open catalog (Q6.1, G34, F12): every entry, one decision each."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("yearly open catalog review")
        verbose_name_plural = _("yearly open catalog reviews")
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)


class CatalogReviewItem(models.Model):
    review = models.ForeignKey(CatalogReview, on_delete=models.CASCADE, related_name="items")
    entry = models.ForeignKey(OpenEntry, on_delete=models.CASCADE, related_name="review_items")
    decision = models.CharField(_("decision"), max_length=20, choices=ReviewDecision.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    decided_by = models.ForeignKey(
        "core.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("review item")
        verbose_name_plural = _("review items")
        ordering = ["review", "entry__slug"]
        constraints = [models.UniqueConstraint(fields=["review", "entry"], name="one_review_item_per_entry")]

    def __str__(self) -> str:
        return f"{self.review.year}: {self.entry_id}"


class UseKind(models.TextChoices):
    RESEARCH = "research", _("Scientific research")
    EDUCATION = "education", _("Education")
    COMMERCIAL = "commercial", _("Commercial development")
    PUBLIC_SERVICE = "public_service", _("Public service")


class OpenApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted, awaiting evaluation")
    EVALUATED = "evaluated", _("Evaluated, awaiting the authority")
    CONFIRMED = "confirmed", _("Confirmed, awaiting the agreement")
    GRANTED = "granted", _("Granted")
    REJECTED = "rejected", _("Rejected")


class OpenApplication(models.Model):
    """A public organization's application for on-application open data (Q6.4, Q6.5, F10, G26)."""

    entry = models.ForeignKey(
        OpenEntry, verbose_name=_("dataset"), on_delete=models.PROTECT, related_name="applications"
    )
    organization = models.ForeignKey(
        "core.Unit",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="open_applications",
    )
    applicant = models.ForeignKey(
        "core.User", verbose_name=_("applicant"), on_delete=models.PROTECT, related_name="open_applications"
    )
    scenario = models.TextField(_("application scenario"))
    purpose = models.TextField(_("use"))
    use_kind = models.CharField(_("kind of use"), max_length=20, choices=UseKind.choices)
    requirements = models.TextField(_("requirements"), blank=True)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    declares_domestic_controlled = models.BooleanField(_("declares it is domestic-controlled"), default=False)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=OpenApplicationStatus.choices,
        default=OpenApplicationStatus.SUBMITTED,
    )
    evaluation_note = models.TextField(_("evaluation"), blank=True)
    decision_note = models.TextField(_("decision"), blank=True)
    agreement_version = models.CharField(_("agreement version"), max_length=20, blank=True)
    agreement_accepted_at = models.DateTimeField(_("agreement accepted at"), null=True, blank=True)
    agreement_accepted_by = models.ForeignKey(
        "core.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("open data application")
        verbose_name_plural = _("open data applications")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.organization} · {self.entry}"


class OpenApplicationChange(HistoryEntry):
    """One row per step of an application (STYLE rule 2)."""

    application = models.ForeignKey(OpenApplication, on_delete=models.CASCADE, related_name="changes")
    from_status = models.CharField(max_length=20, choices=OpenApplicationStatus.choices)
    to_status = models.CharField(max_length=20, choices=OpenApplicationStatus.choices)

    class Meta:
        ordering = ["application", "at", "id"]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.from_status} → {self.to_status}"


class OpenGrant(models.Model):
    """What an accepted application allows: one organization, one dataset, one kind of use, a period."""

    application = models.OneToOneField(OpenApplication, on_delete=models.PROTECT, related_name="grant")
    organization = models.ForeignKey("core.Unit", on_delete=models.PROTECT, related_name="open_grants")
    entry = models.ForeignKey(OpenEntry, on_delete=models.PROTECT, related_name="grants")
    use_kind = models.CharField(_("kind of use"), max_length=20, choices=UseKind.choices)
    # Q6.5, G26: universities and research institutes use it for research and education only.
    research_and_education_only = models.BooleanField(_("research and education only"), default=False)
    commercial_use_allowed = models.BooleanField(_("commercial use allowed"), default=False)
    agreement_version = models.CharField(_("agreement version"), max_length=20)
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("to"))
    is_active = models.BooleanField(_("active"), default=True)
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)

    class Meta:
        verbose_name = _("open data grant")
        verbose_name_plural = _("open data grants")
        ordering = ["-granted_at"]
        indexes = [models.Index(fields=["organization", "entry", "is_active"], name="open_grant_lookup")]

    def __str__(self) -> str:
        return f"{self.organization} · {self.entry}"

    def usable_on(self, day) -> bool:
        return self.is_active and self.start_date <= day <= self.end_date
