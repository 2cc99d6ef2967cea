from django.urls import path

from . import api

# API under /api/v1/audit/
urlpatterns = [
    path("events/", api.AuditEventListApi.as_view(), name="api-audit-events"),
]
