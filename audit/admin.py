from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from dataplatform.core.admin import ReadOnlyAdmin

from .event_views import actor_not_a_person
from .models import (
    AuditAnchor,
    AuditArchive,
    AuditChain,
    AuditCheckpoint,
    AuditEvent,
    UsagePush,
    UsageWebhook,
)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = [
        "occurred_at",
        "actor",
        "actor_unit",
        "action",
        "object_repr",
        "outcome",
        "client_ip",
        "chain_seq",
    ]
    list_filter = ["outcome", "action"]
    search_fields = ["actor_name", "object_repr", "action"]
    date_hierarchy = "occurred_at"

    @admin.display(description=_("done by"), ordering="actor_name")
    def actor(self, event: AuditEvent) -> str:
        """A person's name, or in words who acted when no person did ("public" is a stored code)."""
        return event.actor_name if event.actor_id else actor_not_a_person(event)


@admin.register(AuditChain)
class AuditChainAdmin(ReadOnlyAdmin):
    list_display = ["owner_unit", "head_seq", "head_hash", "updated_at"]


@admin.register(AuditCheckpoint)
class AuditCheckpointAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "chain", "seq", "hash"]


@admin.register(AuditAnchor)
class AuditAnchorAdmin(ReadOnlyAdmin):
    """Chain heads timestamped by the TSA or sent to a unit (audit.anchoring); a failed attempt shows its error."""

    list_display = ["created_at", "kind", "where", "digest", "error"]
    list_filter = ["kind"]


@admin.register(AuditArchive)
class AuditArchiveAdmin(ReadOnlyAdmin):
    """Months past the retention, exported and dropped (Q8.4); verify a file with audit/archive_verify.py."""

    list_display = [
        "partition",
        "range_start",
        "range_end",
        "event_count",
        "file_name",
        "sha256",
        "created_at",
    ]


@admin.register(UsageWebhook)
class UsageWebhookAdmin(admin.ModelAdmin):
    """Where a producing unit receives its daily usage log (Q8.4); set by the platform administrators."""

    list_display = ["unit", "url", "is_active"]


@admin.register(UsagePush)
class UsagePushAdmin(admin.ModelAdmin):
    list_display = ["unit", "day", "status", "attempts", "delivered_at", "last_error"]
    list_filter = ["status"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False
