from django.contrib import admin

from dataplatform.core.admin import ReadOnlyAdmin

from .models import CatalogReview, OpenApplication, OpenEntry, OpenGrant


@admin.register(OpenEntry)
class OpenEntryAdmin(ReadOnlyAdmin):
    list_display = ["slug", "open_type", "status", "view_count", "download_count"]
    list_filter = ["status", "open_type"]
    search_fields = ["slug", "resource__name"]


@admin.register(OpenApplication)
class OpenApplicationAdmin(ReadOnlyAdmin):
    list_display = ["entry", "organization", "use_kind", "status", "created_at"]
    list_filter = ["status", "use_kind"]


@admin.register(OpenGrant)
class OpenGrantAdmin(ReadOnlyAdmin):
    list_display = [
        "entry",
        "organization",
        "use_kind",
        "research_and_education_only",
        "end_date",
        "is_active",
    ]


@admin.register(CatalogReview)
class CatalogReviewAdmin(ReadOnlyAdmin):
    list_display = ["year", "created_at"]
