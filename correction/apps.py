from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CorrectionConfig(AppConfig):
    name = "correction"
    verbose_name = _("Correction")
