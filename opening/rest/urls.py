"""/api/v1/opening/: the open catalog's decisions and on-application opening."""

from django.urls import path

from . import views

urlpatterns = [
    path("entries/", views.OpenEntryListApi.as_view(), name="api-open-entries"),
    path("entries/<int:pk>/", views.OpenEntryDetailApi.as_view(), name="api-open-entry"),
    path("entries/<int:pk>/act/", views.OpenEntryActApi.as_view(), name="api-open-entry-act"),
    path("applications/", views.OpenApplicationListApi.as_view(), name="api-open-applications"),
    path("applications/<int:pk>/", views.OpenApplicationDetailApi.as_view(), name="api-open-application"),
    path(
        "applications/<int:pk>/act/", views.OpenApplicationActApi.as_view(), name="api-open-application-act"
    ),
]
