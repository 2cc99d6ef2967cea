"""The federation's REST API (/api/v1/federation/): the same reads and actions as its pages, for other
systems. The rules are in peers.py, cascade.py, open_sync.py and backflow.py; these views only parse,
check who may see what and answer.

- ``peers/``: the platform administrator's peers with their delivery state; add, suspend, resume.
- ``remote-entries/``: the other nodes' catalog entries (a government unit's people, the administrators).
- ``open-network/``: the lower nodes' open datasets listed on this portal (public, as the portal's page).
- ``backflow/``: back-flow applications (回流), their timelines with the upper node's answers, and the
  steps a unit and its authority take.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import prefetch_related_objects
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dataplatform.core.errors import Forbidden
from dataplatform.core.models import Role, User
from dataplatform.core.request_types import ApiRequest, PersonApiRequest

from . import serializers as s
from .backflow import (
    backflow_act,
    backflow_create,
    backflow_for_user,
    backflow_visible,
    backflows_of_unit,
    backflows_reviewed_by,
    backflows_to_review,
)
from .cascade import remote_catalog_visible, remote_entries_search, remote_entry_for_user
from .exports import exports_of
from .models import BackflowRequest, Peer
from .open_sync import remote_datasets_search
from .peers import peer_resume, peer_save, peer_suspend
from .selectors import peer_state, peer_states


def _platform_admin(request: ApiRequest) -> None:
    if not request.user.has_role(Role.PLATFORM_ADMIN):
        raise PermissionDenied


def _query(shape: type[s.serializers.Serializer], request: Request) -> dict:
    """The query parameters read by ``shape``: a 400 naming each one that is not valid."""
    query = shape(data=request.query_params)
    query.is_valid(raise_exception=True)
    return dict(query.validated_data)


# --- peers ------------------------------------------------------------------------------------------------


class PeerListApi(APIView):
    @extend_schema(
        responses=s.PeerStateOut(many=True),
        summary="The peer nodes with their state: last contact, backlog, errors (the platform administrator)",
    )
    def get(self, request: ApiRequest) -> Response:
        _platform_admin(request)
        return Response(s.PeerStateOut(peer_states(), many=True).data)

    @extend_schema(
        request=s.PeerIn,
        responses={201: s.PeerOut},
        summary="Register a peer node (its address, level, region and public key)",
        description="The new peer gets this node's shared catalog, and an upper peer its open catalog, "
        "through the outbox. Audited as federation.peer_create.",
    )
    def post(self, request: PersonApiRequest) -> Response:
        _platform_admin(request)
        body = s.PeerIn(data=request.data)
        body.is_valid(raise_exception=True)
        peer = peer_save(actor=request.user, peer=None, **body.validated_data)
        return Response(s.PeerOut(peer).data, status=status.HTTP_201_CREATED)


class PeerDetailApi(APIView):
    @extend_schema(
        responses=s.PeerDetailOut,
        summary="A peer node's state and, for a lower node, the back-flow exports to it",
    )
    def get(self, request: ApiRequest, pk: int) -> Response:
        _platform_admin(request)
        peer = get_object_or_404(Peer, pk=pk)
        state = peer_state(peer)
        exports = exports_of(peer) if peer.relation == "lower" else []
        return Response(s.PeerDetailOut(state, context={"exports": exports}).data)


class PeerActApi(APIView):
    @extend_schema(
        request=s.PeerActIn,
        responses=s.PeerOut,
        summary="Suspend a peer (its requests are refused, nothing is sent) or resume it",
    )
    def post(self, request: PersonApiRequest, pk: int) -> Response:
        _platform_admin(request)
        peer = get_object_or_404(Peer, pk=pk)
        body = s.PeerActIn(data=request.data)
        body.is_valid(raise_exception=True)
        if body.validated_data["action"] == "suspend":
            peer = peer_suspend(actor=request.user, peer=peer, reason=body.validated_data["reason"])
        else:
            peer = peer_resume(actor=request.user, peer=peer)
        return Response(s.PeerOut(peer).data)


# --- the other nodes' catalogs -------------------------------------------------------------------------------


class RemoteEntryListApi(generics.ListAPIView):
    """The other nodes' catalog entries, read-only, each with its origin node: the upper node's catalog and
    what the lower nodes registered here; available ones, by name."""

    serializer_class = s.RemoteEntryOut
    request: ApiRequest

    def get_queryset(self):
        if not remote_catalog_visible(self.request.user):
            raise PermissionDenied
        query = _query(s.RemoteEntryQuery, self.request)
        return remote_entries_search(
            q=query["q"],
            origin=query.get("origin"),
            relation=query.get("relation", ""),
            retired=query["retired"],
        )

    @extend_schema(parameters=[s.RemoteEntryQuery], summary="Search the other nodes' catalogs")
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)


class RemoteEntryDetailApi(APIView):
    @extend_schema(
        responses=s.RemoteEntryDetailOut,
        summary="Another node's catalog entry: its data items and national catalog metadata",
    )
    def get(self, request: ApiRequest, pk: int) -> Response:
        entry = remote_entry_for_user(request.user, pk)
        if entry is None:
            raise NotFound
        return Response(s.RemoteEntryDetailOut(entry, context={"request": request}).data)


class OpenNetworkApi(generics.ListAPIView):
    """The open datasets of the lower-level platforms listed on this portal (Q6.3, F9), newest first; the data
    and its downloads stay with their origin (``landing_url``, ``distributions``). Public, like the portal."""

    serializer_class = s.RemoteDatasetOut
    permission_classes = [AllowAny]
    authentication_classes: list = []

    def get_queryset(self):
        query = _query(s.OpenNetworkQuery, self.request)
        origin = None
        if "origin" in query:
            origin = Peer.objects.filter(pk=query["origin"]).first()
            if origin is None:
                return remote_datasets_search().none()
        return remote_datasets_search(q=query["q"], origin=origin)

    @extend_schema(parameters=[s.OpenNetworkQuery], summary="Open data of the lower-level platforms")
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)


# --- back-flow -----------------------------------------------------------------------------------------------


def _backflow_out(request: Request, backflow: BackflowRequest, code: int = 200) -> Response:
    prefetch_related_objects([backflow], "steps__actor__unit")
    return Response(s.BackflowOut(backflow, context={"request": request}).data, status=code)


def _backflow(request: ApiRequest, pk: int) -> BackflowRequest:
    backflow = backflow_for_user(request.user, pk)
    if backflow is None:
        raise NotFound
    return backflow


class BackflowListApi(generics.ListAPIView):
    """Back-flow applications: the caller's unit's and those its authority reviews, newest first.
    ``?mine=1``: my unit's only; ``?todo=1``: the ones whose review I owe now (earliest due first);
    ``?status=``. The steps open to the caller are on each application's own address (they cost a
    permission query each)."""

    serializer_class = s.BackflowRowOut
    request: ApiRequest

    def get_queryset(self):
        user = self.request.user
        if not backflow_visible(user):
            raise PermissionDenied
        query = _query(s.BackflowQuery, self.request)
        if query["todo"]:
            found = backflows_to_review(user)
        elif query["mine"]:
            found = backflows_of_unit(user).order_by("-created_at", "-pk")
        else:
            found = (backflows_of_unit(user) | backflows_reviewed_by(user)).order_by("-created_at", "-pk")
        if "status" in query:
            found = found.filter(status=query["status"])
        return found.select_related("remote_entry__origin", "applicant_unit", "created_by").prefetch_related(
            "steps__actor__unit"
        )

    @extend_schema(
        parameters=[s.BackflowQuery],
        summary="Back-flow applications (回流) of my unit and those my authority reviews",
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=s.BackflowIn,
        responses={201: s.BackflowOut},
        summary="Apply for an upper node's entry to flow back to my unit (Q4.3, Q-A2.4)",
        description="A government unit's data administrator applies; a county unit's application goes to "
        "the county authority, then the city authority; a city unit's to the city authority. The approval "
        "goes to the upper node, whose answers come back onto the timeline.",
    )
    def post(self, request: PersonApiRequest) -> Response:
        if not isinstance(request.user, User):
            raise Forbidden(
                _("An information system reads back-flow applications; a person signs in to apply.")
            )
        if not backflow_visible(request.user):
            raise PermissionDenied
        body = s.BackflowIn(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        entry = remote_entry_for_user(request.user, data.pop("remote_entry"))
        if entry is None:
            raise s.serializers.ValidationError({"remote_entry": [_("No such entry of another node.")]})
        backflow = backflow_create(actor=request.user, remote_entry=entry, **data)
        return _backflow_out(request, backflow, status.HTTP_201_CREATED)


class BackflowDetailApi(APIView):
    @extend_schema(
        responses=s.BackflowOut,
        summary="A back-flow application with its timeline (the upper node's answers marked upstream)",
    )
    def get(self, request: ApiRequest, pk: int) -> Response:
        return _backflow_out(request, _backflow(request, pk))


class BackflowActApi(APIView):
    @extend_schema(
        request=s.BackflowActIn,
        responses=s.BackflowOut,
        summary="Take a step: forward (county authority), approve (city authority), refuse, withdraw",
        description="refuse needs an opinion (the reasons). approve sends the application to the upper node.",
    )
    def post(self, request: ApiRequest, pk: int) -> Response:
        backflow = _backflow(request, pk)
        body = s.BackflowActIn(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        backflow = backflow_act(
            request=backflow,
            action=data["action"],
            actor=request.user,
            reason=data["opinion"],
            http_request=request,
        )
        return _backflow_out(request, backflow)
