from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SharingConfig(AppConfig):
    name = "sharing"
    verbose_name = _("Sharing")

    def ready(self) -> None:
        from audit.grants import register_grant_lookups

        from .models import Grant

        register_grant_lookups(
            grants_of=lambda resource_id: list(
                Grant.objects.filter(resource_id=resource_id).values_list("pk", flat=True)
            ),
            resource_names=lambda ids: dict(
                Grant.objects.filter(pk__in=ids).values_list("pk", "resource__name")
            ),
        )
