from django.urls import path

from . import views_open

# The portal's page of the lower nodes' open data, under /open/network/ (before opening's /open/ patterns).
urlpatterns = [
    path("", views_open.open_network, name="open-network"),
]
