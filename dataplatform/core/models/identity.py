import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .people import User
from .units import Unit

# The types a registration document may have, by the content type sniffed from its first bytes.
PROOF_EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


def proof_path(instance: "IdentityProof", filename: str) -> str:
    """A name of our own under MEDIA_ROOT, with the extension of the sniffed type: never the uploader's."""
    now = timezone.now()
    return f"identity/{now:%Y}/{now:%m}/{uuid.uuid4().hex}{PROOF_EXTENSIONS.get(instance.content_type, '')}"


class IdentityProof(models.Model):
    """A public organization's registration document (营业执照, 事业单位法人证书): a scan the registrant
    uploads and the data authority checks against the unit's name and credit code (issue 18)."""

    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="identity_proofs"
    )
    file = models.FileField(_("file"), upload_to=proof_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=50)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("registration document")
        verbose_name_plural = _("registration documents")
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.unit} · {self.original_name}"
