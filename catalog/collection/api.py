"""/api/v1/catalog/collection/…, source-checks/…, temporary-collections/…, emergencies/…"""

import re

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from dataplatform.core.models import Role
from dataplatform.core.request_types import ApiRequest, PersonApiRequest

from ..models import CollectionItem, SourceCheckStatus
from . import serializers as s
from .emergency import (
    awaiting_disposal,
    emergencies_visible_to,
    emergency_declare,
    emergency_end,
    temporary_collection_dispose,
    temporary_collection_record,
    temporary_collections_visible_to,
)
from .services import (
    collection_catalog_search,
    collection_item_create,
    source_conflict_decide,
    source_conflicts_visible_to,
)


def _get(queryset, pk: int):
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


class CollectionItemListApi(generics.ListAPIView):
    serializer_class = s.CollectionItemOut
    request: ApiRequest

    @extend_schema(
        parameters=[s.CollectionSearchParams],
        summary="Search the collection catalog: each data item's legal source (Q3.1, G14)",
        description="Apply to the legal source, through the entries listed, rather than collect the item "
        "again (Q3.3).",
    )
    def get(self, request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = s.CollectionSearchParams(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        user = self.request.user
        unit = getattr(user, "unit", None)
        if not (unit is not None and unit.is_government) and not user.has_role(Role.PLATFORM_ADMIN):
            return CollectionItem.objects.none()  # public organizations use the open-data portal
        return collection_catalog_search(**params.validated_data)

    @extend_schema(
        request=s.CollectionItemIn,
        responses={201: s.CollectionItemOut},
        summary="The authority names the legal source of a data item",
    )
    def post(self, request: PersonApiRequest) -> Response:
        body = s.CollectionItemIn(data=request.data)
        body.is_valid(raise_exception=True)
        item = collection_item_create(actor=request.user, request=request, **body.validated_data)
        return Response(s.CollectionItemOut(item).data, status=status.HTTP_201_CREATED)


class SourceConflictListApi(generics.ListAPIView):
    """Entries' data items whose legal source is another unit; ``?status=pending`` for the open ones."""

    serializer_class = s.SourceConflictOut

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=SourceCheckStatus.values, required=False),
            OpenApiParameter("resource", int, required=False, description="One catalog entry's checks."),
        ],
        summary="Source checks: items whose legal source is another unit (Q3.1)",
    )
    def get(self, request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        conflicts = source_conflicts_visible_to(self.request.user)
        params = self.request.query_params
        if params.get("status"):
            conflicts = conflicts.filter(status=params["status"])
        if re.fullmatch(r"[0-9]{1,18}", params.get("resource", "")):
            conflicts = conflicts.filter(resource_id=int(params["resource"]))
        return conflicts


class SourceConflictDecisionApi(APIView):
    @extend_schema(
        request=s.SourceDecisionIn,
        responses=s.SourceConflictOut,
        summary="The authority confirms an item may be carried, or refuses it",
    )
    def post(self, request: PersonApiRequest, pk: int) -> Response:
        conflict = _get(source_conflicts_visible_to(request.user), pk)
        body = s.SourceDecisionIn(data=request.data)
        body.is_valid(raise_exception=True)
        conflict = source_conflict_decide(
            actor=request.user, conflict=conflict, request=request, **body.validated_data
        )
        return Response(s.SourceConflictOut(conflict).data)


class TemporaryCollectionListApi(generics.ListAPIView):
    """Temporary collections outside the catalog (Q3.2); ``?awaiting_disposal=1`` for what must be sealed
    or destroyed (G40)."""

    serializer_class = s.TemporaryCollectionOut

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "awaiting_disposal",
                bool,
                required=False,
                description="Only what must be sealed or destroyed.",
            )
        ],
        summary="Temporary collections outside the catalog (Q3.2, G40)",
    )
    def get(self, request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        collections = temporary_collections_visible_to(self.request.user)
        if self.request.query_params.get("awaiting_disposal"):
            collections = awaiting_disposal(collections)
        return collections

    @extend_schema(
        request=s.TemporaryCollectionIn,
        responses={201: s.TemporaryCollectionOut},
        summary="Record a temporary collection with its reason and end date",
    )
    def post(self, request: PersonApiRequest) -> Response:
        body = s.TemporaryCollectionIn(data=request.data)
        body.is_valid(raise_exception=True)
        collection = temporary_collection_record(actor=request.user, request=request, **body.validated_data)
        return Response(s.TemporaryCollectionOut(collection).data, status=status.HTTP_201_CREATED)


class TemporaryCollectionDisposalApi(APIView):
    @extend_schema(
        request=s.DisposalIn,
        responses=s.TemporaryCollectionOut,
        summary="Record that the data was sealed, destroyed or kept under a law (G40)",
    )
    def post(self, request: PersonApiRequest, pk: int) -> Response:
        collection = _get(temporary_collections_visible_to(request.user), pk)
        body = s.DisposalIn(data=request.data)
        body.is_valid(raise_exception=True)
        collection = temporary_collection_dispose(
            actor=request.user, collection=collection, request=request, **body.validated_data
        )
        return Response(s.TemporaryCollectionOut(collection).data)


class EmergencyListApi(generics.ListAPIView):
    serializer_class = s.EmergencyOut

    def get_queryset(self):
        return emergencies_visible_to(self.request.user).select_related("region")

    @extend_schema(request=s.EmergencyIn, responses={201: s.EmergencyOut}, summary="Declare an emergency")
    def post(self, request: PersonApiRequest) -> Response:
        body = s.EmergencyIn(data=request.data)
        body.is_valid(raise_exception=True)
        emergency = emergency_declare(actor=request.user, request=request, **body.validated_data)
        return Response(s.EmergencyOut(emergency).data, status=status.HTTP_201_CREATED)


class EmergencyDetailApi(APIView):
    @extend_schema(
        responses=s.EmergencyDetailOut,
        summary="An emergency and the data collected for it, with what became of it",
    )
    def get(self, request: ApiRequest, pk: int) -> Response:
        emergency = _get(emergencies_visible_to(request.user), pk)
        collections = temporary_collections_visible_to(request.user).filter(emergency=emergency)
        return Response(s.EmergencyDetailOut(emergency, context={"collections": collections}).data)


class EmergencyEndApi(APIView):
    @extend_schema(
        request=s.EmergencyEndIn, responses=s.EmergencyOut, summary="Record the end of an emergency"
    )
    def post(self, request: PersonApiRequest, pk: int) -> Response:
        emergency = _get(emergencies_visible_to(request.user), pk)
        body = s.EmergencyEndIn(data=request.data)
        body.is_valid(raise_exception=True)
        emergency = emergency_end(
            actor=request.user, emergency=emergency, request=request, **body.validated_data
        )
        return Response(s.EmergencyOut(emergency).data)
