"""The signed protocol between nodes, mounted under ``/federation/`` (plain views, outside ``/api/v1/``)."""

from django.urls import path

from . import views

urlpatterns = [
    path("v1/messages/", views.messages_receive, name="federation-protocol-messages"),
    path("v1/node/", views.node_info, name="federation-protocol-node"),
]
