from django.urls import path

from . import api, data_api

# Web pages under /sharing/
urlpatterns: list = []

# REST API under /api/v1/sharing/
api_urlpatterns = [
    path("applications/", api.ApplicationListApi.as_view(), name="api-applications"),
    path("applications/<int:pk>/", api.ApplicationDetailApi.as_view(), name="api-application"),
    path("applications/<int:pk>/act/", api.ApplicationActApi.as_view(), name="api-application-act"),
    path(
        "applications/<int:pk>/attachments/", api.AttachmentApi.as_view(), name="api-application-attachments"
    ),
    path("grants/", api.GrantListApi.as_view(), name="api-grants"),
    path("grants/<int:pk>/change/", api.GrantChangeApi.as_view(), name="api-grant-change"),
    path("grants/<int:pk>/usage-reports/", api.UsageReportApi.as_view(), name="api-grant-usage-reports"),
]

# The data service interface under /api/v1/data/: API keys only, grant-scoped.
data_urlpatterns = [
    path("resources/<int:pk>/records/", data_api.RecordListApi.as_view(), name="data-records"),
    path("resources/<int:pk>/records/<str:key>/", data_api.RecordDetailApi.as_view(), name="data-record"),
    path("resources/<int:pk>/statistics/", data_api.StatisticsApi.as_view(), name="data-statistics"),
    path("verification-rules/", data_api.VerificationRuleListApi.as_view(), name="data-verification-rules"),
    path("verification-rules/<int:pk>/verify/", data_api.VerifyApi.as_view(), name="data-verify"),
]
