from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = _("Catalog")

    def ready(self) -> None:
        # Celery's autodiscovery looks only for ``catalog.tasks``; the aggregation tasks live in their package.
        from .aggregation import tasks  # noqa: F401
        from .records import signals  # noqa: F401
