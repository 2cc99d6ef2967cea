from django.urls import path

from . import views_pages

urlpatterns = [
    path("", views_pages.peers, name="federation-peers"),
    path("peers/<int:pk>/", views_pages.peer_detail, name="federation-peer"),
    path("node/", views_pages.node, name="federation-node"),
]
