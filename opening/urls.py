from django.urls import URLPattern, path, re_path

from . import api, ckan, views, views_applications, views_manage
from .dcat import views as dcat_views

# The public portal and its management pages, under /open/
urlpatterns = [
    path("", views.portal_home, name="open-home"),
    path(
        "datasets/<slug:slug>/",
        dcat_views.negotiated(dcat_views.dataset_rdf)(views.dataset_page),
        name="open-dataset",
    ),
    re_path(
        r"^datasets/(?P<slug>[-\w]+)\.(?P<fmt>ttl|jsonld|rdf)$",
        dcat_views.dataset_rdf,
        name="open-dataset-rdf",
    ),
    re_path(
        r"^datasets/(?P<slug>[-\w]+)/download\.(?P<fmt>csv|xlsx|json)$",
        views.dataset_file,
        name="open-download",
    ),
    re_path(r"^catalog\.(?P<fmt>jsonld|ttl|rdf)$", dcat_views.catalog_rdf, name="open-dcat"),
    path("catalog", dcat_views.catalog_rdf, name="open-catalog"),
    path(
        "organizations/<str:code>/",
        dcat_views.negotiated(dcat_views.publisher_rdf)(dcat_views.publisher_page),
        name="open-organization",
    ),
    re_path(
        r"^organizations/(?P<code>\w+)\.(?P<fmt>ttl|jsonld|rdf)$",
        dcat_views.publisher_rdf,
        name="open-organization-rdf",
    ),
    path("datasets/<slug:slug>/apply/", views_applications.application_new, name="open-apply"),
    path("applications/", views_applications.application_list, name="open-applications"),
    path("applications/<int:pk>/", views_applications.application_detail, name="open-application"),
    path(
        "applications/<int:pk>/action/", views_applications.application_action, name="open-application-action"
    ),
    path("agreement/", views_applications.agreement, name="open-agreement"),
    path("register/", views_applications.organization_register_view, name="open-register"),
    path("manage/", views_manage.manage_home, name="open-manage"),
    path("manage/propose/<int:resource_pk>/", views_manage.proposal_edit, name="open-propose"),
    path("manage/<int:pk>/", views_manage.entry_manage, name="open-manage-entry"),
    path("manage/<int:pk>/action/", views_manage.entry_action, name="open-manage-action"),
    path("manage/reviews/<int:year>/", views_manage.review_page, name="open-manage-review"),
]

# The CKAN-compatible action API, under /api/action/ and /api/3/action/ (as CKAN serves it); a trailing
# slash is taken too.
ckan_urlpatterns: list[URLPattern] = [
    re_path(r"^(?P<action>[\w-]+)/?$", ckan.ckan_action, name="ckan-action"),
]

# The authorised interface for on-application data, under /api/v1/open/
api_urlpatterns = [
    path("datasets/<slug:slug>/records/", api.OpenRecordsApi.as_view(), name="open-api-records"),
    path("datasets/<slug:slug>/statistics/", api.OpenStatisticsApi.as_view(), name="open-api-statistics"),
]
