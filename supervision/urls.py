from django.urls import path

from . import views

urlpatterns = [
    path("", views.dashboard, name="supervision-dashboard"),
    path("export.xlsx", views.export_xlsx, name="supervision-export"),
]
