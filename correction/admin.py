from django.contrib import admin

from .models import CorrectionTicket, TicketStep


class StepInline(admin.TabularInline):
    model = TicketStep
    extra = 0
    readonly_fields = ["action", "from_status", "to_status", "actor_name", "reason", "at"]
    exclude = ["actor"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CorrectionTicket)
class CorrectionTicketAdmin(admin.ModelAdmin):
    """Read-only: tickets move only through the workflow (correction/workflow.py)."""

    list_display = ["id", "kind", "resource", "producer", "status", "due", "overdue_since", "reported_at"]
    list_filter = ["status", "kind"]
    search_fields = ["resource__name", "resource__code", "producer__name", "description"]
    inlines = [StepInline]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False
