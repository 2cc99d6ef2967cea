from django.db import models
from django.utils.translation import gettext_lazy as _

from ..credit_code import validate_credit_code


class Level(models.TextChoices):
    CITY = "city", _("City")
    COUNTY = "county", _("County / district")


class Region(models.Model):
    """An administrative region: the city, or one of its counties and districts (Q1.5, Q-A2.4)."""

    code = models.CharField(_("division code"), max_length=6, unique=True)
    name = models.CharField(_("name"), max_length=50)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent region"), null=True, blank=True, on_delete=models.PROTECT
    )

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]
        permissions = [("review_region", _("Review for the units of this region"))]

    def __str__(self) -> str:
        return self.name


class UnitKind(models.TextChoices):
    AUTHORITY = "authority", _("Data authority")
    TECH_SERVICE = "tech_service", _("Technical service unit")
    GOVERNMENT = "government", _("Government unit")
    ENTERPRISE = "enterprise", _("Enterprise")
    UNIVERSITY = "university", _("University")
    RESEARCH = "research", _("Research institute")


PUBLIC_ORGANIZATION_KINDS = (UnitKind.ENTERPRISE, UnitKind.UNIVERSITY, UnitKind.RESEARCH)


class IdentityStatus(models.TextChoices):
    """Whether the platform knows the unit is who it says (issue 18): a public organization registers
    itself, so its registration documents are verified by the data authority before it acts as itself."""

    UNVERIFIED = "unverified", _("Awaiting verification")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Rejected")


class Unit(models.Model):
    """A government unit or a public organization (单位). Citizens are people without a unit."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, unique=True, validators=[validate_credit_code]
    )
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices)
    level = models.CharField(_("administrative level"), max_length=10, choices=Level.choices)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="units"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # Q6.4: only domestic-controlled enterprises may apply for on-application open data.
    declares_domestic_controlled = models.BooleanField(_("declares it is domestic-controlled"), default=False)
    # Q5.9: public security, courts, procuratorates, justice, state security, discipline inspection:
    # their needs are coordinated by the authority.
    is_special_department = models.BooleanField(_("special department"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    # Issue 18: a unit registered by a visitor is unverified until the authority checks its documents
    # (dataplatform.core.identity, the one place that moves it); units made by administrators are verified.
    identity_status = models.CharField(
        _("identity"), max_length=20, choices=IdentityStatus.choices, default=IdentityStatus.UNVERIFIED
    )
    identity_decided_at = models.DateTimeField(_("identity decided at"), null=True, blank=True)
    identity_decided_by = models.ForeignKey(
        "core.User",
        verbose_name=_("identity decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    identity_note = models.TextField(_("reason for the rejection"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["region__code", "name"]
        constraints = [
            # Q-A2.4: one data authority for the city and one for each county.
            models.UniqueConstraint(
                fields=["region"], condition=models.Q(kind="authority"), name="one_authority_per_region"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_government(self) -> bool:
        return self.kind not in PUBLIC_ORGANIZATION_KINDS

    @property
    def is_public_organization(self) -> bool:
        return self.kind in PUBLIC_ORGANIZATION_KINDS

    @property
    def identity_proven(self) -> bool:
        """The authority (or the platform administrator) verified the unit's registration documents, or
        an administrator made the unit: only then is its credit code its own (issue 18)."""
        return self.identity_status == IdentityStatus.VERIFIED
