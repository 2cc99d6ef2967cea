from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit")

    def ready(self) -> None:
        from dataplatform.core.events import register_writer

        from .services import audit_record

        register_writer(audit_record)
