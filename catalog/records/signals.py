"""A resource's table is made with the resource and dropped with it: every resource has one, so that no
read has to ask first whether it exists."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from ..models import Resource
from .tables import drop_table, ensure_table


@receiver(post_save, sender=Resource, dispatch_uid="records_table_create")
def _resource_saved(sender, instance: Resource, created: bool, raw: bool = False, **kwargs) -> None:
    if created:
        drop_table(instance.pk)  # SQLite may give a new resource the number of one rolled back or flushed
        ensure_table(instance.pk, [])


@receiver(post_delete, sender=Resource, dispatch_uid="records_table_drop")
def _resource_deleted(sender, instance: Resource, **kwargs) -> None:
    drop_table(instance.pk)
