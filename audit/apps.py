from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit")

    def ready(self) -> None:
        from dataplatform.core.events import register_writer

        from .models import AuditEvent
        from .services import audit_record

        def event_times(*, action: str, client_ip: str, since):
            events = AuditEvent.objects.filter(action=action, client_ip=client_ip, occurred_at__gte=since)
            return list(events.order_by("occurred_at").values_list("occurred_at", flat=True))

        register_writer(audit_record, event_times)
