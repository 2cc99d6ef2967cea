from django.contrib import admin

from .models import Complaint, CopyRequest, Dispute, InfoProject, SubjectAuthorization, SubjectIdentity


@admin.register(InfoProject, Dispute, CopyRequest, SubjectAuthorization, Complaint)
class ReadOnlyAdmin(admin.ModelAdmin):
    """Read-only: every change goes through the services, which audit it."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SubjectIdentity)
class SubjectIdentityAdmin(ReadOnlyAdmin):
    list_display = ["user", "method", "verified_by", "verified_at"]
