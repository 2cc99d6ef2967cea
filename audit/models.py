from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Outcome(models.TextChoices):
    OK = "ok", _("Done")
    DENIED = "denied", _("Refused")
    FAILED = "failed", _("Failed")


class AuditEvent(models.Model):
    """One operation on information resources or one decision (Q8.4, F24).

    Rows are only ever inserted, through ``audit.services.audit_record``. The fields are plain
    values (names and labels are copied, not only referenced) so that an event still reads the
    same in three years, and so that a hash over ``canonical()`` can chain the events later.
    """

    occurred_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    action = models.CharField(_("action"), max_length=60, db_index=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.OK)
    actor = models.ForeignKey(
        "core.User",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_name = models.CharField(_("person's name"), max_length=150, blank=True)
    actor_unit = models.ForeignKey(
        "core.Unit", verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    api_key = models.ForeignKey(
        "core.ApiKey",
        verbose_name=_("API key"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The unit whose data the operation touched: its usage log and, later, its hash chain.
    owner_unit = models.ForeignKey(
        "core.Unit",
        verbose_name=_("data owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    object_type = models.CharField(_("object type"), max_length=60, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    data_items = models.JSONField(_("data items"), default=list, blank=True)
    record_count = models.PositiveIntegerField(_("records"), null=True, blank=True)
    purpose = models.CharField(_("purpose"), max_length=300, blank=True)
    client_ip = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
            models.Index(fields=["owner_unit", "occurred_at"], name="audit_owner_time"),
            models.Index(fields=["actor_unit", "occurred_at"], name="audit_actor_unit_time"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.action} {self.object_repr}"

    def canonical(self) -> dict:
        """The event's content in a stable form, for hashing."""
        return {
            "occurred_at": self.occurred_at.isoformat(),
            "action": self.action,
            "outcome": self.outcome,
            "actor": self.actor_id,
            "actor_name": self.actor_name,
            "actor_unit": self.actor_unit_id,
            "api_key": self.api_key_id,
            "owner_unit": self.owner_unit_id,
            "object": [self.object_type, self.object_id, self.object_repr],
            "data_items": self.data_items,
            "record_count": self.record_count,
            "purpose": self.purpose,
            "client_ip": self.client_ip,
            "detail": self.detail,
        }
