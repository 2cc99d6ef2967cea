from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: audit events are never changed or deleted (Q8.4)."""

    list_display = [
        "occurred_at",
        "actor_name",
        "actor_unit",
        "action",
        "object_repr",
        "outcome",
        "client_ip",
    ]
    list_filter = ["outcome", "action"]
    search_fields = ["actor_name", "object_repr", "action"]
    date_hierarchy = "occurred_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
