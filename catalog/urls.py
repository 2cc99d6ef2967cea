from django.urls import path  # noqa: F401

# Web pages under /catalog/
urlpatterns: list = [
    # entries
    # aggregation
    # search
]

# REST API under /api/v1/catalog/
api_urlpatterns: list = [
    # entries
    # aggregation
    # search
]
