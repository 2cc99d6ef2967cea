from django.contrib import admin

from .models import Application, ApplicationLine, ApplicationStep, Grant, GrantEvent, UsageReport


class LineInline(admin.TabularInline):
    model = ApplicationLine
    extra = 0
    readonly_fields = ["resource", "items", "producer_agrees", "producer_opinion", "producer_answered_at"]


class StepInline(admin.TabularInline):
    model = ApplicationStep
    extra = 0
    readonly_fields = ["action", "from_status", "to_status", "actor", "reason", "at"]


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    """Read-only: applications move only through the workflow (sharing/workflow.py)."""

    list_display = [
        "id",
        "business_matter",
        "applicant_unit",
        "service_method",
        "status",
        "due",
        "overdue_since",
    ]
    list_filter = ["status", "service_method"]
    search_fields = ["business_matter", "applicant_unit__name"]
    inlines = [LineInline, StepInline]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False


class GrantEventInline(admin.TabularInline):
    model = GrantEvent
    extra = 0
    readonly_fields = ["action", "from_status", "to_status", "actor", "reason", "at"]


@admin.register(Grant)
class GrantAdmin(admin.ModelAdmin):
    list_display = ["id", "unit", "resource", "service_method", "status", "end_date"]
    list_filter = ["status", "service_method"]
    inlines = [GrantEventInline]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(UsageReport)
class UsageReportAdmin(admin.ModelAdmin):
    list_display = ["grant", "period_start", "period_end", "filed_by", "filed_at"]
