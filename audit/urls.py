from django.urls import path, re_path

from . import views, views_usage

# Web pages under /audit/
urlpatterns = [
    path("", views_usage.index, name="audit-index"),
    path("verify/", views.verify, name="audit-verify"),
    path("search/", views_usage.search, name="audit-search"),
    path("search.csv", views_usage.search_csv, name="audit-search-csv"),
    re_path(r"^lookup/(?P<kind>unit|person|resource|grant)/$", views_usage.lookup, name="audit-lookup"),
    re_path(r"^usage/(?P<day>\d{4}-\d{2}-\d{2})\.csv$", views_usage.usage_csv, name="audit-usage-csv"),
    re_path(r"^usage/(?P<day>\d{4}-\d{2}-\d{2})/$", views_usage.usage_day, name="audit-usage-day"),
]
