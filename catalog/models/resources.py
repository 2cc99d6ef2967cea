import datetime as dt

from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dataplatform.core.models import HistoryEntry, Unit

from ..item_names import item_name_validate


class Category(models.TextChoices):
    # Q5.2: the basic information resources; their basic items are unconditional by rule.
    POPULATION = "population", _("Basic: population")
    LEGAL_PERSON = "legal_person", _("Basic: legal persons")
    GEOSPATIAL = "geospatial", _("Basic: natural resources and geography")
    E_LICENCE = "e_licence", _("Basic: electronic licences")
    CREDIT = "credit", _("Basic: credit")
    THEMATIC = "thematic", _("Thematic")
    DEPARTMENTAL = "departmental", _("Departmental")


BASIC_CATEGORIES = (
    Category.POPULATION,
    Category.LEGAL_PERSON,
    Category.GEOSPATIAL,
    Category.E_LICENCE,
    Category.CREDIT,
)


class ClassLevel(models.IntegerChoices):
    # The guide's four levels; the codes are 1, 2 and 3 digits long, the sub-item's as long as needed.
    CLASS = 1, pgettext_lazy("classification level", "Class")
    ITEM = 2, pgettext_lazy("classification level", "Item")
    HEADING = 3, pgettext_lazy("classification level", "Heading")
    SUB_HEADING = 4, pgettext_lazy("classification level", "Sub-heading")


CODE_DIGITS = {ClassLevel.CLASS: 1, ClassLevel.ITEM: 2, ClassLevel.HEADING: 3}


class Classification(models.Model):
    """A node of the government information resource classification (政务信息资源分类: 类/项/目/细目).

    A node's code is its parent's code followed by its own digits, so a code names its whole path.
    ``category`` is the platform's flat category the node's entries take (empty for the basic class
    itself, whose items each name their basic resource).
    """

    code = models.CharField(_("classification code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.PositiveSmallIntegerField(_("level"), choices=ClassLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    category = models.CharField(_("category"), max_length=20, choices=Category.choices, blank=True)

    class Meta:
        verbose_name = _("resource classification")
        verbose_name_plural = _("resource classifications")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_basic(self) -> bool:
        return self.category in BASIC_CATEGORIES


class ShareType(models.TextChoices):
    UNCONDITIONAL = "unconditional", _("Unconditional sharing")
    CONDITIONAL = "conditional", _("Conditional sharing")
    NOT_SHARED = "not_shared", _("Not shared for now")


class OpenType(models.TextChoices):
    UNIVERSAL = "universal", _("Universal open")
    ON_APPLICATION = "on_application", _("Open on application")
    NOT_OPEN = "not_open", _("Not open")


class ShareScope(models.TextChoices):
    ALL_GOVERNMENT = "all_government", _("All government units")
    SAME_REGION = "same_region", _("Units of the same region")
    NAMED_UNITS = "named_units", _("Named units only")


class GradingLevel(models.TextChoices):
    # G9 classification and grading (分类分级).
    LEVEL_1 = "1", _("Level 1 (general)")
    LEVEL_2 = "2", _("Level 2 (internal)")
    LEVEL_3 = "3", _("Level 3 (sensitive)")
    LEVEL_4 = "4", _("Level 4 (important)")


class DataFormat(models.TextChoices):
    TABLE = "table", _("Structured table")
    FILE = "file", _("Files")
    INTERFACE = "interface", _("Service interface")


class ServiceMethod(models.TextChoices):
    # Q-A1.5
    INTERFACE = "interface", _("Data service interface")
    VERIFICATION = "verification", _("Cross-verification")
    BULK_EXCHANGE = "bulk_exchange", _("Bulk exchange")


class UpdateFrequency(models.TextChoices):
    REALTIME = "realtime", _("Real time")
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    YEARLY = "yearly", _("Yearly")


# How old the data may be before it is stale (Q3.6, G16); real time allows a day's slack.
FRESHNESS: dict[str, dt.timedelta] = {
    UpdateFrequency.REALTIME: dt.timedelta(days=1),
    UpdateFrequency.DAILY: dt.timedelta(days=1),
    UpdateFrequency.WEEKLY: dt.timedelta(days=7),
    UpdateFrequency.MONTHLY: dt.timedelta(days=31),
    UpdateFrequency.QUARTERLY: dt.timedelta(days=92),
    UpdateFrequency.YEARLY: dt.timedelta(days=366),
}


class ResourceStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted for review")
    PUBLISHED = "published", _("Published")
    RETURNED = "returned", _("Returned")
    RETIRED = "retired", _("Retired")


class Resource(models.Model):
    """A government data resource catalog entry (政务数据资源目录, Q4.2, G10).

    The row is the working copy; each publication freezes a ``ResourceVersion``. An entry that has
    been published once stays available to sharing while a revision of it is under review.
    """

    code = models.CharField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    classification = models.ForeignKey(
        Classification,
        verbose_name=_("classification"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="resources",
    )
    description = models.TextField(_("description"), blank=True)
    producer = models.ForeignKey(
        "core.Unit", verbose_name=_("producing unit"), on_delete=models.PROTECT, related_name="resources"
    )
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    data_format = models.CharField(_("data format"), max_length=20, choices=DataFormat.choices)
    update_frequency = models.CharField(_("update frequency"), max_length=20, choices=UpdateFrequency.choices)
    share_type = models.CharField(_("share type"), max_length=20, choices=ShareType.choices)
    share_conditions = models.TextField(_("share conditions"), blank=True)
    share_basis = models.TextField(_("basis in law or policy"), blank=True)
    share_scope = models.CharField(
        _("share scope"), max_length=20, choices=ShareScope.choices, default=ShareScope.ALL_GOVERNMENT
    )
    open_type = models.CharField(_("open type"), max_length=20, choices=OpenType.choices)
    not_open_reason = models.TextField(_("reason for not opening"), blank=True)
    grading_level = models.CharField(
        _("classification and grading level"), max_length=2, choices=GradingLevel.choices
    )
    service_methods = models.JSONField(_("service methods"), default=list)
    related_codes = models.JSONField(_("related resource codes"), default=list, blank=True)
    # Q8.3: classified data never enters the platform; the producer declares it on every entry.
    holds_no_classified_data = models.BooleanField(_("holds no classified data"), default=False)
    collecting_unit = models.ForeignKey(
        "core.Unit",
        verbose_name=_("collecting unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approving_unit = models.ForeignKey(
        "core.Unit",
        verbose_name=_("approving unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    providing_unit = models.ForeignKey(
        "core.Unit",
        verbose_name=_("providing unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    status = models.CharField(
        _("status"), max_length=20, choices=ResourceStatus.choices, default=ResourceStatus.DRAFT
    )
    return_reason = models.TextField(_("reason for return"), blank=True)
    review_due = models.DateField(_("review due"), null=True, blank=True)
    # G11: when the legal basis changes the producer owes an update within 15 business days.
    basis_changed_note = models.TextField(_("legal basis change"), blank=True)
    update_due = models.DateField(_("update due"), null=True, blank=True)
    filed_with_authority_at = models.DateTimeField(_("filed with the authority"), null=True, blank=True)
    published_version = models.PositiveIntegerField(_("published version"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    last_aggregated_at = models.DateTimeField(_("last aggregated at"), null=True, blank=True)
    record_count = models.PositiveIntegerField(_("records"), default=0)
    search_text = models.TextField(editable=False, blank=True)  # segmented words, for full-text search
    # A mirror of another node's entry (回流, docs/federation.md §14): its records come from that node's
    # transfers only. Empty for this node's own entries.
    origin_node = models.CharField(_("origin node"), max_length=64, blank=True, db_default="")
    origin_code = models.CharField(_("code at the origin node"), max_length=60, blank=True, db_default="")

    created_by = models.ForeignKey(
        "core.User", verbose_name=_("created by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("data resource")
        verbose_name_plural = _("data resources")
        ordering = ["code"]
        indexes = [
            models.Index(fields=["status", "producer"], name="resource_status_producer"),
            models.Index(fields=["published_version"], name="resource_published"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def service_method_labels(self) -> list[str]:
        """The service methods as people read them ("Data service interface", not "interface")."""
        return [str(ServiceMethod(m).label) if m in ServiceMethod.values else m for m in self.service_methods]

    @property
    def is_basic(self) -> bool:
        return self.category in BASIC_CATEGORIES

    @property
    def provider(self) -> Unit:
        """The guide's 信息资源提供方: the providing unit when one is named, else the producer."""
        return self.providing_unit or self.producer

    @property
    def provider_credit_code(self) -> str:
        return self.provider.credit_code

    @property
    def is_available(self) -> bool:
        """Published once and not retired: applicants can find it and its data can be shared."""
        return self.published_version is not None and self.status != ResourceStatus.RETIRED

    @property
    def is_stale(self) -> bool:
        if self.data_format == DataFormat.INTERFACE:
            return False
        if self.last_aggregated_at is None:
            return self.is_available
        return timezone.now() - self.last_aggregated_at > FRESHNESS[self.update_frequency]

    @property
    def key_item(self) -> "DataItem | None":
        return next((item for item in self.items.all() if item.is_key), None)


class ItemType(models.TextChoices):
    STRING = "string", _("Text")
    INTEGER = "integer", _("Integer")
    DECIMAL = "decimal", _("Decimal")
    DATE = "date", _("Date")
    DATETIME = "datetime", _("Date and time")
    BOOLEAN = "boolean", _("Yes / no")


class DataItem(models.Model):
    """A data item (field) of a resource. ``name`` is its identifier in records and APIs, and the
    column's name in the entry's records table (``item_names``)."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="items")
    name = models.SlugField(_("identifier"), max_length=60, validators=[item_name_validate])
    label = models.CharField(_("label"), max_length=100)
    item_type = models.CharField(_("type"), max_length=20, choices=ItemType.choices, default=ItemType.STRING)
    length = models.PositiveIntegerField(
        _("data length"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    description = models.CharField(_("description"), max_length=300, blank=True)
    is_personal = models.BooleanField(_("personal information"), default=False)
    is_sensitive = models.BooleanField(_("sensitive"), default=False)
    is_key = models.BooleanField(_("record key"), default=False)
    # The record key is a query item too: the services set it (item_names.item_flags_settle).
    # db_default: rows written past the ORM (bench loads, a rolling deploy's old code) are no query items.
    is_query = models.BooleanField(
        _("query item"),
        default=False,
        db_default=False,
        help_text=_("Consumers may filter records by this item; it is indexed."),
    )
    required = models.BooleanField(_("required"), default=False)
    # FB12: the item holding each record's administrative division code; data flowing back to a lower
    # node carries that node's region's records only.
    is_region = models.BooleanField(
        _("region code item"),
        default=False,
        db_default=False,
        help_text=_(
            "Holds each record's administrative division code: a lower node receives its region's records only."
        ),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("data item")
        verbose_name_plural = _("data items")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["resource", "name"], name="item_name_unique_in_resource")
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.name})"


class ResourceVersion(models.Model):
    """What a resource said when it was published: metadata and items, frozen."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    snapshot = models.JSONField(_("content"))
    published_at = models.DateTimeField(_("published at"), default=timezone.now)
    published_by = models.ForeignKey(
        "core.User", verbose_name=_("published by"), null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("resource version")
        verbose_name_plural = _("resource versions")
        ordering = ["resource", "-number"]
        constraints = [models.UniqueConstraint(fields=["resource", "number"], name="version_number_unique")]

    def __str__(self) -> str:
        return f"{self.resource.code} v{self.number}"


class ResourceStatusChange(HistoryEntry):
    """One row per lifecycle transition (STYLE rule 2)."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=ResourceStatus.choices)
    to_status = models.CharField(max_length=20, choices=ResourceStatus.choices)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["resource", "at", "id"]

    def __str__(self) -> str:
        return f"{self.resource_id}: {self.from_status} → {self.to_status}"
