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
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dataplatform.core.models import Role
from dataplatform.core.request_types import ApiRequest, PersonApiRequest

from . import serializers as s
from .backflow import (
    backflow_act,
    backflow_create,
    backflow_for_user,
    backflow_visible,
    backflows_of_unit,
    backflows_to_review,
)
from .cascade import RELATIONS, remote_catalog_visible, remote_entries_search, remote_entry_for_user
from .exports import exports_of
from .models import BackflowRequest, BackflowStatus, Peer
from .open_sync import remote_datasets_search
from .peers import peer_resume, peer_save, peer_suspend
from .selectors import peer_states


def _platform_admin(request: ApiRequest) -> None:
    if not request.user.has_role(Role.PLATFORM_ADMIN):
        raise PermissionDenied


def _flag(request: Request, name: str) -> bool:
    return request.query_params.get(name, "") not in ("", "0", "false")


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
        state = next(state for state in peer_states() if state.peer.pk == peer.pk)
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
    what the lower nodes registered here. ``?q=`` every word; ``?origin=`` a peer's id; ``?relation=upper``
    or ``lower``; ``?retired=1`` includes retired entries."""

    serializer_class = s.RemoteEntryOut
    request: ApiRequest

    def get_queryset(self):
        if not remote_catalog_visible(self.request.user):
            raise PermissionDenied
        params = self.request.query_params
        origin = params.get("origin", "")
        relation = params.get("relation", "")
        if origin and not origin.isdigit():
            raise s.serializers.ValidationError({"origin": [_("A peer's id: a whole number.")]})
        if relation and relation not in RELATIONS:
            raise s.serializers.ValidationError({"relation": [_("upper or lower.")]})
        return remote_entries_search(
            q=params.get("q", "")[:100],
            origin=int(origin) if origin else None,
            relation=relation,
            retired=_flag(self.request, "retired"),
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str),
            OpenApiParameter("origin", int),
            OpenApiParameter("relation", enum=list(RELATIONS)),
            OpenApiParameter("retired", bool),
        ],
        summary="Search the other nodes' catalogs",
    )
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
    and its downloads stay with their origin (``landing_url``, ``distributions``). Public, like the portal.
    ``?q=`` every word; ``?origin=`` a peer's id."""

    serializer_class = s.RemoteDatasetOut
    permission_classes = [AllowAny]
    authentication_classes: list = []

    def get_queryset(self):
        origin = self.request.query_params.get("origin", "")
        if origin and not origin.isdigit():
            raise s.serializers.ValidationError({"origin": [_("A peer's id: a whole number.")]})
        peer = Peer.objects.filter(pk=int(origin)).first() if origin else None
        if origin and peer is None:
            return remote_datasets_search().none()
        return remote_datasets_search(q=self.request.query_params.get("q", "")[:100], origin=peer)

    @extend_schema(
        parameters=[OpenApiParameter("q", str), OpenApiParameter("origin", int)],
        summary="Open data of the lower-level platforms",
    )
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
        params = self.request.query_params
        if _flag(self.request, "todo"):
            found = backflows_to_review(user)
        else:
            found = backflows_of_unit(user).order_by("-created_at", "-pk")
            if not _flag(self.request, "mine"):
                reviewed = backflows_to_review(user).values("pk")
                found = (backflows_of_unit(user) | BackflowRequest.objects.filter(pk__in=reviewed)).order_by(
                    "-created_at", "-pk"
                )
        if params.get("status"):
            if params["status"] not in BackflowStatus.values:
                raise s.serializers.ValidationError({"status": [_("Not a back-flow application status.")]})
            found = found.filter(status=params["status"])
        return found.select_related("remote_entry__origin", "applicant_unit__region", "created_by", "mirror")

    def get_serializer(self, *args, **kwargs):
        if args and kwargs.get("many"):
            rows = list(args[0])
            prefetch_related_objects(rows, "steps__actor__unit")
            args = (rows, *args[1:])
        return super().get_serializer(*args, **kwargs)

    @extend_schema(
        parameters=[
            OpenApiParameter("mine", bool),
            OpenApiParameter("todo", bool),
            OpenApiParameter("status", enum=BackflowStatus.values),
        ],
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
