from django.urls import path

from . import api, views

# Web pages under /governance/
urlpatterns = [
    path("", views.home, name="governance-home"),
    path("projects/", views.projects, name="governance-projects"),
    path("projects/<int:pk>/", views.project_detail, name="governance-project"),
    path("projects/<int:pk>/assets/", views.project_asset, name="governance-project-asset"),
    path("subject/", views.subject_home, name="governance-subject"),
    path("subject/object/<int:resource_pk>/", views.objection, name="governance-objection"),
    path("copies/", views.copies, name="governance-copies"),
    path("copies/<int:pk>/file/", views.copy_file, name="governance-copy-file"),
    path("authorizations/", views.authorizations, name="governance-authorizations"),
    path("complaints/", views.complaints, name="governance-complaints"),
    path("identities/", views.identities, name="governance-identities"),
    path("disputes/", views.disputes, name="governance-disputes"),
    path("disputes/<int:pk>/", views.dispute_detail, name="governance-dispute"),
    path("documents/<int:pk>/", views.document, name="governance-document"),
    path("<str:kind>/<int:pk>/act/", views.act_view, name="governance-act"),
]

# REST API under /api/v1/governance/
api_urlpatterns = [
    path("projects/", api.ProjectListApi.as_view(), name="api-governance-projects"),
    path("projects/<int:pk>/", api.ProjectDetailApi.as_view(), name="api-governance-project"),
    path("projects/<int:pk>/assets/", api.ProjectAssetsApi.as_view(), name="api-governance-project-assets"),
    path(
        "projects/<int:pk>/assets/<int:asset_pk>/",
        api.ProjectAssetLinkApi.as_view(),
        name="api-governance-project-asset",
    ),
    path("projects/<int:pk>/readiness/", api.ProjectReadinessApi.as_view(), name="api-governance-readiness"),
    path("projects/<int:pk>/act/", api.ProjectActApi.as_view(), name="api-governance-project-act"),
    path("subject/holdings/", api.HoldingsApi.as_view(), name="api-governance-holdings"),
    path("subject/objections/", api.ObjectionApi.as_view(), name="api-governance-objections"),
    path("copy-requests/", api.CopyListApi.as_view(), name="api-governance-copies"),
    path("copy-requests/<int:pk>/act/", api.CopyActApi.as_view(), name="api-governance-copy-act"),
    path("copy-requests/<int:pk>/copy/", api.CopyDownloadApi.as_view(), name="api-governance-copy"),
    path("authorizations/", api.AuthorizationListApi.as_view(), name="api-governance-authorizations"),
    path(
        "authorizations/<int:pk>/act/",
        api.AuthorizationActApi.as_view(),
        name="api-governance-authorization-act",
    ),
    path("authorized-data/", api.AuthorizedDataApi.as_view(), name="api-governance-authorized-data"),
    path("complaints/", api.ComplaintListApi.as_view(), name="api-governance-complaints"),
    path("complaints/<int:pk>/act/", api.ComplaintActApi.as_view(), name="api-governance-complaint-act"),
    path("disputes/", api.DisputeListApi.as_view(), name="api-governance-disputes"),
    path("disputes/<int:pk>/", api.DisputeDetailApi.as_view(), name="api-governance-dispute"),
    path("disputes/<int:pk>/act/", api.DisputeActApi.as_view(), name="api-governance-dispute-act"),
]
