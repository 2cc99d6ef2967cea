"""Service interfaces of resources and the interface requests that ask for them."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models.resources import Resource


class InterfaceStatus(models.TextChoices):
    REGISTERED = "registered", _("Registered, awaiting review")
    PUBLISHED = "published", _("Published")
    REJECTED = "rejected", _("Rejected")


class ServiceInterface(models.Model):
    """A producer's service interface for data that cannot be aggregated (Q2.3), which the technical
    service unit reviews, wraps and publishes."""

    resource = models.ForeignKey(Resource, on_delete=models.PROTECT, related_name="interfaces")
    name = models.CharField(_("name"), max_length=200)
    specification = models.TextField(_("specification"))
    call_instructions = models.TextField(_("call instructions"))
    upstream_url = models.URLField(_("upstream address"))
    status = models.CharField(
        _("status"), max_length=20, choices=InterfaceStatus.choices, default=InterfaceStatus.REGISTERED
    )
    review_note = models.TextField(_("review note"), blank=True)
    registered_by = models.ForeignKey("core.User", null=True, on_delete=models.PROTECT, related_name="+")
    registered_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    reviewed_by = models.ForeignKey(
        "core.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("service interface")
        verbose_name_plural = _("service interfaces")
        ordering = ["-registered_at"]

    def __str__(self) -> str:
        return self.name


class InterfaceRequestStatus(models.TextChoices):
    OPEN = "open", _("Open")
    EXTENSION_REQUESTED = "extension_requested", _("Extension requested")
    FULFILLED = "fulfilled", _("Fulfilled")


class InterfaceRequest(models.Model):
    """The authority asks a producer for a service interface (Q2.3): due in 10 business days, with at
    most one extension of at most 5 business days on a written, approved request."""

    producer = models.ForeignKey(
        "core.Unit",
        verbose_name=_("producing unit"),
        on_delete=models.PROTECT,
        related_name="interface_requests",
    )
    resource = models.ForeignKey(
        Resource,
        verbose_name=_("resource"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    description = models.TextField(_("what is needed"))
    requested_by = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    due = models.DateField(_("due"))
    status = models.CharField(
        _("status"),
        max_length=30,
        choices=InterfaceRequestStatus.choices,
        default=InterfaceRequestStatus.OPEN,
    )
    extension_days = models.PositiveSmallIntegerField(
        _("extension asked (business days)"), null=True, blank=True
    )
    extension_reason = models.TextField(_("reason for the extension"), blank=True)
    extension_granted = models.BooleanField(_("extension granted"), null=True, blank=True)
    extension_decided_by = models.ForeignKey(
        "core.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    interface = models.ForeignKey(
        ServiceInterface, verbose_name=_("interface"), null=True, blank=True, on_delete=models.PROTECT
    )
    fulfilled_at = models.DateTimeField(_("fulfilled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("interface request")
        verbose_name_plural = _("interface requests")
        ordering = ["due", "id"]

    def __str__(self) -> str:
        return f"{self.producer} · {self.description[:40]}"
