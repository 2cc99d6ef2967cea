from django.contrib import admin

from dataplatform.core.admin import ReadOnlyAdmin

from .models import Complaint, CopyRequest, Dispute, InfoProject, SubjectAuthorization, SubjectIdentity

admin.site.register([InfoProject, Dispute, CopyRequest, SubjectAuthorization, Complaint], ReadOnlyAdmin)


@admin.register(SubjectIdentity)
class SubjectIdentityAdmin(ReadOnlyAdmin):
    list_display = ["user", "method", "verified_by", "verified_at"]
