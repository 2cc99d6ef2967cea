"""The collection catalog (采集目录, Q3.1–Q3.3, G14), temporary collection outside it (Q3.2) and data
collected for an emergency (G40). Imported by ``catalog.models``, so the models belong to the catalog app."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CollectionItem(models.Model):
    """One data item of the authority's collection catalog and the unit that is its legal source
    (法定数源单位): one item, one source (一数一源, Q3.1, G14)."""

    identifier = models.SlugField(_("identifier"), max_length=60)
    label = models.CharField(_("label"), max_length=100)
    description = models.CharField(_("description"), max_length=300, blank=True)
    source_unit = models.ForeignKey(
        "core.Unit", verbose_name=_("legal source unit"), on_delete=models.PROTECT, related_name="+"
    )
    legal_basis = models.TextField(_("legal basis"), blank=True)
    is_active = models.BooleanField(_("in force"), default=True)
    created_by = models.ForeignKey("core.User", null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("collection catalog item")
        verbose_name_plural = _("collection catalog items")
        ordering = ["label", "id"]
        constraints = [
            # 一数一源: an item in force has exactly one legal source.
            models.UniqueConstraint(
                fields=["identifier"], condition=models.Q(is_active=True), name="one_source_per_item"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.identifier})"


class SourceCheckStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting the authority")
    CONFIRMED = "confirmed", _("Confirmed by the authority")
    REFUSED = "refused", _("Refused by the authority")


class SourceConflict(models.Model):
    """A catalog entry carries a data item whose legal source is another unit: flagged with that
    source, and published only once the authority confirms it (Q3.3: no repeated collection)."""

    resource = models.ForeignKey(
        "catalog.Resource", on_delete=models.CASCADE, related_name="source_conflicts"
    )
    item_name = models.SlugField(_("data item"), max_length=60)
    item_label = models.CharField(_("label"), max_length=100)
    collection_item = models.ForeignKey(
        CollectionItem, verbose_name=_("collection catalog item"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=SourceCheckStatus.choices, default=SourceCheckStatus.PENDING
    )
    note = models.TextField(_("authority's note"), blank=True)
    decided_by = models.ForeignKey(
        "core.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    flagged_at = models.DateTimeField(_("flagged at"), default=timezone.now)

    class Meta:
        verbose_name = _("source check")
        verbose_name_plural = _("source checks")
        ordering = ["resource", "item_name"]
        constraints = [
            models.UniqueConstraint(fields=["resource", "item_name"], name="one_source_check_per_item")
        ]

    def __str__(self) -> str:
        return f"{self.resource_id}:{self.item_name} → {self.collection_item.source_unit_id}"


class Emergency(models.Model):
    """An emergency (突发事件) declared by a data authority, during which units may collect urgently (G40)."""

    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    region = models.ForeignKey(
        "core.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    started_on = models.DateField(_("started on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    declared_by = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+")
    ended_by = models.ForeignKey(
        "core.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("emergency")
        verbose_name_plural = _("emergencies")
        ordering = ["-started_on", "-id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_over(self) -> bool:
        return self.ended_on is not None


class Disposal(models.TextChoices):
    # G40: after the emergency, data touching secrets, personal information or privacy is sealed or
    # destroyed; what a law says to keep is kept, and the law is named.
    SEALED = "sealed", _("Sealed")
    DESTROYED = "destroyed", _("Destroyed")
    RETAINED = "retained", _("Kept as the law requires")


class TemporaryCollection(models.Model):
    """Data a unit collects outside the collection catalog, for a special business need or an
    emergency (Q3.2), recorded with its reason and end date; marked with the emergency if for one (G40)."""

    unit = models.ForeignKey(
        "core.Unit", verbose_name=_("collecting unit"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("what is collected"), max_length=200)
    data_items = models.TextField(_("data items"))
    reason = models.TextField(_("reason"))
    emergency = models.ForeignKey(
        Emergency,
        verbose_name=_("emergency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="collections",
    )
    contains_personal_info = models.BooleanField(_("personal information or secrets"), default=False)
    resource = models.ForeignKey(
        "catalog.Resource",
        verbose_name=_("catalog entry holding the data"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    recorded_by = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    disposal = models.CharField(_("disposal"), max_length=20, choices=Disposal.choices, blank=True)
    disposal_note = models.TextField(_("disposal note"), blank=True)
    disposed_by = models.ForeignKey(
        "core.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    disposed_at = models.DateTimeField(_("disposed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("temporary collection")
        verbose_name_plural = _("temporary collections")
        ordering = ["-starts_on", "-id"]

    def __str__(self) -> str:
        return f"{self.unit} · {self.title}"

    @property
    def is_emergency(self) -> bool:
        return self.emergency_id is not None

    @property
    def awaits_disposal(self) -> bool:
        """Its emergency is over (G40) and nobody has recorded what became of the data yet."""
        return not self.disposal and self.emergency is not None and self.emergency.is_over
