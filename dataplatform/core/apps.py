from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "dataplatform.core"
    label = "core"
    verbose_name = _("Platform core")

    def ready(self) -> None:
        from . import schema  # noqa: F401  (registers the API key scheme with drf-spectacular)
