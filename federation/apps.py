from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FederationConfig(AppConfig):
    name = "federation"
    verbose_name = _("Federation")

    def ready(self) -> None:
        # The receivers that turn local changes into outbox rows, and the handlers of their message kinds.
        from . import backflow, cascade, exports, open_sync, transfer, usage  # noqa: F401
