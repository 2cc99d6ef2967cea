from django.urls import path

from . import api, data_api, views, views_verification
from .exchange import api as api_exchange
from .exchange import views as views_exchange

# Web pages under /sharing/
urlpatterns: list = [
    path("apply/", views.apply, name="sharing-apply"),
    path("applications/", views.application_list, name="sharing-applications"),
    path("applications/<int:pk>/", views.application_detail, name="sharing-application"),
    path("applications/<int:pk>/edit/", views.application_edit, name="sharing-application-edit"),
    path(
        "applications/<int:pk>/add-resource/",
        views.application_add_resource,
        name="sharing-application-add-resource",
    ),
    path("applications/<int:pk>/act/", views.application_act_view, name="sharing-application-act"),
    path(
        "applications/<int:pk>/attachments/<int:attachment_pk>/",
        views.attachment_download,
        name="sharing-attachment",
    ),
    path("queue/", views.queue, name="sharing-queue"),
    path("verification-rules/", views_verification.verification_rules, name="sharing-verification-rules"),
    path("grants/", views.grant_list, name="sharing-grants"),
    path("grants/<int:pk>/change/", views.grant_change_view, name="sharing-grant-change"),
    path("grants/<int:pk>/usage-reports/", views.usage_report_view, name="sharing-usage-report"),
    path("grants/<int:pk>/pushes/", views_exchange.push_tasks, name="sharing-push-tasks"),
    path("pushes/<int:pk>/", views_exchange.push_task, name="sharing-push-task"),
    path("pushes/<int:pk>/<str:move>/", views_exchange.push_task_move, name="sharing-push-task-move"),
]

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
    path(
        "grants/<int:pk>/push-tasks/", api_exchange.GrantPushTasksApi.as_view(), name="api-grant-push-tasks"
    ),
    path("push-tasks/<int:pk>/", api_exchange.PushTaskApi.as_view(), name="api-push-task"),
    path("push-tasks/<int:pk>/runs/", api_exchange.PushTaskRunsApi.as_view(), name="api-push-task-runs"),
    path(
        "push-tasks/<int:pk>/pause/",
        api_exchange.PushTaskMoveApi.as_view(move="pause"),
        name="api-push-task-pause",
    ),
    path(
        "push-tasks/<int:pk>/resume/",
        api_exchange.PushTaskMoveApi.as_view(move="resume"),
        name="api-push-task-resume",
    ),
    path("push-tasks/<int:pk>/check/", api_exchange.PushTaskCheckApi.as_view(), name="api-push-task-check"),
    path("push-runs/<int:pk>/", api_exchange.PushRunApi.as_view(), name="api-push-run"),
]

# The data service interface under /api/v1/data/: API keys only, grant-scoped.
data_urlpatterns = [
    path("resources/<int:pk>/records/", data_api.RecordListApi.as_view(), name="data-records"),
    path("resources/<int:pk>/records/<str:key>/", data_api.RecordDetailApi.as_view(), name="data-record"),
    path("resources/<int:pk>/statistics/", data_api.StatisticsApi.as_view(), name="data-statistics"),
    path("interfaces/<int:pk>/call/", data_api.InterfaceCallApi.as_view(), name="data-interface-call"),
    path("verification-rules/", data_api.VerificationRuleListApi.as_view(), name="data-verification-rules"),
    path("verification-rules/<int:pk>/verify/", data_api.VerifyApi.as_view(), name="data-verify"),
]
