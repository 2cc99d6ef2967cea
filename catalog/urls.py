from django.urls import path

from . import api

# Web pages under /catalog/
urlpatterns: list = [
    # entries
    # aggregation
    # search
]

# REST API under /api/v1/catalog/
api_urlpatterns: list = [
    # entries
    path("resources/", api.ResourceListApi.as_view(), name="api-resources"),
    path("resources/<int:pk>/", api.ResourceDetailApi.as_view(), name="api-resource"),
    path(
        "resources/<int:pk>/transition/", api.ResourceTransitionApi.as_view(), name="api-resource-transition"
    ),
    path(
        "resources/<int:pk>/basis-changed/", api.ResourceBasisChangedApi.as_view(), name="api-resource-basis"
    ),
    path("resources/<int:pk>/versions/", api.ResourceVersionsApi.as_view(), name="api-resource-versions"),
    path("resources/<int:pk>/versions/diff/", api.ResourceDiffApi.as_view(), name="api-resource-diff"),
    path("resources/<int:pk>/history/", api.ResourceHistoryApi.as_view(), name="api-resource-history"),
    path("resources/<int:pk>/interfaces/", api.InterfaceListApi.as_view(), name="api-resource-interfaces"),
    path("interfaces/<int:pk>/review/", api.InterfaceReviewApi.as_view(), name="api-interface-review"),
    path("interface-requests/", api.InterfaceRequestListApi.as_view(), name="api-interface-requests"),
    path(
        "interface-requests/<int:pk>/extension/",
        api.InterfaceRequestExtensionApi.as_view(),
        name="api-ir-extension",
    ),
    path(
        "interface-requests/<int:pk>/decision/",
        api.InterfaceRequestDecisionApi.as_view(),
        name="api-ir-decision",
    ),
    path(
        "interface-requests/<int:pk>/fulfil/", api.InterfaceRequestFulfilApi.as_view(), name="api-ir-fulfil"
    ),
    # aggregation
    # search
]
