from django.urls import path

from . import views_backflow, views_catalog, views_pages

urlpatterns = [
    path("", views_pages.peers, name="federation-peers"),
    path("peers/<int:pk>/", views_pages.peer_detail, name="federation-peer"),
    path("node/", views_pages.node, name="federation-node"),
    path("catalog/", views_catalog.remote_catalog, name="federation-catalog"),
    path("catalog/<int:pk>/", views_catalog.remote_entry, name="federation-remote-entry"),
    path("backflow/", views_backflow.backflow_list, name="federation-backflow-list"),
    path("backflow/new/<int:entry_pk>/", views_backflow.backflow_new, name="federation-backflow-new"),
    path("backflow/<int:pk>/", views_backflow.backflow_detail, name="federation-backflow"),
]
