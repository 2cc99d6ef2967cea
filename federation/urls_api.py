"""The federation's REST API under /api/v1/federation/ (federation/api.py)."""

from django.urls import path

from . import api

urlpatterns = [
    path("peers/", api.PeerListApi.as_view(), name="api-federation-peers"),
    path("peers/<int:pk>/", api.PeerDetailApi.as_view(), name="api-federation-peer"),
    path("peers/<int:pk>/act/", api.PeerActApi.as_view(), name="api-federation-peer-act"),
    path("remote-entries/", api.RemoteEntryListApi.as_view(), name="api-federation-remote-entries"),
    path("remote-entries/<int:pk>/", api.RemoteEntryDetailApi.as_view(), name="api-federation-remote-entry"),
    path("open-network/", api.OpenNetworkApi.as_view(), name="api-federation-open-network"),
    path("backflow/", api.BackflowListApi.as_view(), name="api-federation-backflows"),
    path("backflow/<int:pk>/", api.BackflowDetailApi.as_view(), name="api-federation-backflow"),
    path("backflow/<int:pk>/act/", api.BackflowActApi.as_view(), name="api-federation-backflow-act"),
]
