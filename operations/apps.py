from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    """Commands that run the whole platform: the demo data and the timer loop. It sits above every app."""

    name = "operations"
    verbose_name = _("Operations")

    def ready(self) -> None:
        from . import metrics  # noqa: F401  (connects the Celery task-failure counter, in every process)
