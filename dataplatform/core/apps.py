from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "dataplatform.core"
    label = "core"
    verbose_name = _("Platform core")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from . import schema  # noqa: F401  (registers the API key scheme with drf-spectacular)
        from .business_days import calendar_changed
        from .models import CalendarDay, CalendarYear

        # Processes keep the working calendar (business_days): any change of its rows, from the import, the
        # admin or a shell, makes them read it again.
        for model in (CalendarDay, CalendarYear):
            post_save.connect(
                calendar_changed, sender=model, dispatch_uid=f"calendar_changed_{model.__name__}"
            )
            post_delete.connect(
                calendar_changed, sender=model, dispatch_uid=f"calendar_deleted_{model.__name__}"
            )
