from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SharingConfig(AppConfig):
    name = "sharing"
    verbose_name = _("Sharing")

    def ready(self) -> None:
        from audit.grants import register_grant_lookups
        from audit.lookups import register_lookups

        from . import audit_pickers
        from .models import Grant

        register_grant_lookups(
            grants_of=lambda resource_id: list(
                Grant.objects.filter(resource_id=resource_id).values_list("pk", flat=True)
            ),
            resource_names=lambda ids: dict(
                Grant.objects.filter(pk__in=ids).values_list("pk", "resource__name")
            ),
        )
        register_lookups(
            resources=audit_pickers.resources_find,
            grants=audit_pickers.grants_find,
            item_labels=audit_pickers.item_labels,
        )
