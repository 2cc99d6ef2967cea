from django.urls import path

from . import api, views
from .aggregation import api as api_aggregation
from .aggregation import views as views_aggregation
from .collection import api as api_collection
from .collection import views as views_collection
from .interfaces import api as api_interfaces
from .interfaces import views as views_interfaces
from .search import api as api_search
from .search import views as views_search

# Web pages under /catalog/
urlpatterns: list = [
    # entries
    path("", views.my_catalog, name="catalog-mine"),
    path("new/", views.resource_edit, name="catalog-new"),
    path("export/", views.catalog_export_view, name="catalog-export"),
    path("import/", views.catalog_import_view, name="catalog-import"),
    path("review/", views.review_queue, name="catalog-review"),
    path("<int:pk>/", views.resource_detail, name="catalog-resource"),
    path("<int:pk>/edit/", views.resource_edit, name="catalog-edit"),
    path("<int:pk>/transition/", views.resource_transition_view, name="catalog-transition"),
    path("<int:pk>/basis-changed/", views.resource_basis_changed_view, name="catalog-basis-changed"),
    path("<int:pk>/diff/", views.resource_diff, name="catalog-diff"),
    path("<int:pk>/interfaces/", views_interfaces.interface_register_view, name="catalog-interface-register"),
    path(
        "interfaces/<int:pk>/review/", views_interfaces.interface_review_view, name="catalog-interface-review"
    ),
    path("interface-requests/", views_interfaces.interface_requests, name="catalog-interface-requests"),
    path(
        "interface-requests/new/",
        views_interfaces.interface_request_action,
        name="catalog-interface-request-new",
    ),
    path(
        "interface-requests/<int:pk>/",
        views_interfaces.interface_request_action,
        name="catalog-interface-request",
    ),
    # aggregation
    path(
        "<int:pk>/upload/",
        views_aggregation.upload,
        name="catalog-upload",
    ),
    path(
        "uploads/<int:pk>/",
        views_aggregation.batch_detail,
        name="catalog-batch",
    ),
    # search
    path("search/", views_search.resource_search_page, name="catalog-search"),
    # collection catalog (Q3.1–Q3.3, G14), temporary collection (Q3.2) and emergencies (G40)
    path("collection/", views_collection.collection_catalog, name="catalog-collection"),
    path("collection/new/", views_collection.collection_item_add, name="catalog-collection-add"),
    path(
        "source-checks/<int:pk>/decide/", views_collection.source_check_decide, name="catalog-source-decide"
    ),
    path("temporary/", views_collection.temporary_collections, name="catalog-temporary"),
    path("temporary/new/", views_collection.temporary_collection_add, name="catalog-temporary-add"),
    path(
        "temporary/<int:pk>/dispose/",
        views_collection.temporary_collection_dispose_view,
        name="catalog-temporary-dispose",
    ),
    path("emergencies/new/", views_collection.emergency_declare_view, name="catalog-emergency-declare"),
    path("emergencies/<int:pk>/", views_collection.emergency_detail, name="catalog-emergency"),
    path("emergencies/<int:pk>/end/", views_collection.emergency_end_view, name="catalog-emergency-end"),
]

# REST API under /api/v1/catalog/
api_urlpatterns: list = [
    # entries
    path("resources/", api.ResourceListApi.as_view(), name="api-resources"),
    path("export/", api.CatalogExportApi.as_view(), name="api-catalog-export"),
    path("import/", api.CatalogImportApi.as_view(), name="api-catalog-import"),
    path("classifications/", api.ClassificationListApi.as_view(), name="api-classifications"),
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
    path(
        "resources/<int:pk>/interfaces/",
        api_interfaces.InterfaceListApi.as_view(),
        name="api-resource-interfaces",
    ),
    path(
        "interfaces/<int:pk>/review/",
        api_interfaces.InterfaceReviewApi.as_view(),
        name="api-interface-review",
    ),
    path(
        "interface-requests/", api_interfaces.InterfaceRequestListApi.as_view(), name="api-interface-requests"
    ),
    path(
        "interface-requests/<int:pk>/extension/",
        api_interfaces.InterfaceRequestExtensionApi.as_view(),
        name="api-ir-extension",
    ),
    path(
        "interface-requests/<int:pk>/decision/",
        api_interfaces.InterfaceRequestDecisionApi.as_view(),
        name="api-ir-decision",
    ),
    path(
        "interface-requests/<int:pk>/fulfil/",
        api_interfaces.InterfaceRequestFulfilApi.as_view(),
        name="api-ir-fulfil",
    ),
    # aggregation
    path(
        "resources/<int:pk>/records/",
        api_aggregation.RecordsUpsertApi.as_view(),
        name="api-resource-records",
    ),
    path(
        "resources/<int:pk>/records/delete/",
        api_aggregation.RecordsDeleteApi.as_view(),
        name="api-resource-records-delete",
    ),
    path(
        "resources/<int:pk>/uploads/",
        api_aggregation.UploadListApi.as_view(),
        name="api-resource-uploads",
    ),
    path(
        "uploads/<int:pk>/",
        api_aggregation.UploadDetailApi.as_view(),
        name="api-upload",
    ),
    # search
    path(
        "search/",
        api_search.ResourceSearchApi.as_view(),
        name="api-catalog-search",
    ),
    # collection catalog, source checks, temporary collection, emergencies
    path("collection/items/", api_collection.CollectionItemListApi.as_view(), name="api-collection-items"),
    path("source-checks/", api_collection.SourceConflictListApi.as_view(), name="api-source-checks"),
    path(
        "source-checks/<int:pk>/decision/",
        api_collection.SourceConflictDecisionApi.as_view(),
        name="api-source-check-decision",
    ),
    path(
        "temporary-collections/",
        api_collection.TemporaryCollectionListApi.as_view(),
        name="api-temporary-collections",
    ),
    path(
        "temporary-collections/<int:pk>/disposal/",
        api_collection.TemporaryCollectionDisposalApi.as_view(),
        name="api-temporary-collection-disposal",
    ),
    path("emergencies/", api_collection.EmergencyListApi.as_view(), name="api-emergencies"),
    path("emergencies/<int:pk>/", api_collection.EmergencyDetailApi.as_view(), name="api-emergency"),
    path("emergencies/<int:pk>/end/", api_collection.EmergencyEndApi.as_view(), name="api-emergency-end"),
]
