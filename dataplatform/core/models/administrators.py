from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .people import Role, User, phone_validator
from .units import Unit

# Q9.2: the roles a unit registers by real name on the platform.
REGISTERED_ROLES = (Role.DATA_ADMIN, Role.LEADER)


class PersonnelChangeStatus(models.TextChoices):
    FILED = "filed", _("Filed with the authority")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class PersonnelChange(models.Model):
    """A unit reports a change of its leader in charge or a data administrator (人员变更报备, Q9.2);
    the authority approves it, and only then does the role move (``people.role_assign`` / ``role_revoke``)."""

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("role"), max_length=20, choices=[(r.value, r.label) for r in REGISTERED_ROLES])
    incoming = models.ForeignKey(
        User,
        verbose_name=_("person taking the role"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    outgoing = models.ForeignKey(
        User,
        verbose_name=_("person leaving the role"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The incoming person's real name and contact details as filed; written to the account on approval.
    real_name = models.CharField(_("real name"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[phone_validator])
    email = models.EmailField(_("e-mail"), blank=True)
    reason = models.TextField(_("reason"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=PersonnelChangeStatus.choices,
        default=PersonnelChangeStatus.FILED,
    )
    filed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField(_("filed at"), default=timezone.now)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        verbose_name = _("personnel change")
        verbose_name_plural = _("personnel changes")
        ordering = ["-filed_at", "-id"]
        indexes = [models.Index(fields=["status", "unit"], name="personnel_change_open")]

    def __str__(self) -> str:
        return f"{self.unit} · {self.get_role_display()} · {self.outgoing or '—'} → {self.incoming or '—'}"
