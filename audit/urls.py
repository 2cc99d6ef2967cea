from django.urls import path

from . import views

# Web pages under /audit/
urlpatterns = [
    path("verify/", views.verify, name="audit-verify"),
]
