from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dataplatform.core.models import Role
from dataplatform.core.people import regions_reviewed_by
from dataplatform.core.request_types import ApiRequest, PersonApiRequest

from . import serializers as s
from .access import (
    resource_for_user,
    resources_visible_to,
)
from .models import ResourceStatus
from .services import resource_create, resource_mark_basis_changed, resource_update, version_diff
from .workflow import resource_transition


def _out(request: Request, resource, code: int = 200) -> Response:
    return Response(s.ResourceOut(resource, context={"request": request}).data, status=code)


class ResourceListApi(generics.ListAPIView):
    """Entries the caller can see: filter with ``?mine=1``, ``?status=``, ``?review=1`` (my review queue)."""

    serializer_class = s.ResourceOut
    request: ApiRequest

    def get_queryset(self):
        resources = resources_visible_to(self.request.user).prefetch_related(
            "items", "source_conflicts__collection_item__source_unit"
        )
        params = self.request.query_params
        if params.get("mine"):
            resources = resources.filter(producer=getattr(self.request.user, "unit", None))
        if params.get("status"):
            resources = resources.filter(status=params["status"])
        if params.get("review"):
            resources = resources.filter(
                status=ResourceStatus.SUBMITTED, producer__region__in=regions_reviewed_by(self.request.user)
            ).order_by("review_due")
        return resources

    @extend_schema(
        request=s.ResourceIn, responses={201: s.ResourceOut}, summary="Register a catalog entry (draft)"
    )
    def post(self, request: PersonApiRequest) -> Response:
        if request.user.unit is None or not request.user.has_role(Role.DATA_ADMIN):
            raise PermissionDenied
        body = s.ResourceIn(data=request.data)
        body.is_valid(raise_exception=True)
        resource = resource_create(
            actor=request.user, producer=request.user.unit, request=request, **body.validated_data
        )
        return _out(request, resource, status.HTTP_201_CREATED)


class ResourceDetailApi(APIView):
    @extend_schema(responses=s.ResourceOut, summary="A catalog entry")
    def get(self, request: ApiRequest, pk: int) -> Response:
        return _out(request, resource_for_user(request.user, pk))

    @extend_schema(request=s.ResourceIn, responses=s.ResourceOut, summary="Change a draft or returned entry")
    def patch(self, request: PersonApiRequest, pk: int) -> Response:
        resource = resource_for_user(request.user, pk, write=True)
        body = s.ResourceIn(resource, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        return _out(
            request,
            resource_update(actor=request.user, resource=resource, request=request, **body.validated_data),
        )


class ResourceTransitionApi(APIView):
    @extend_schema(
        request=s.TransitionIn,
        responses=s.ResourceOut,
        summary="Move an entry along its lifecycle: submitted, published, returned, draft (revise), retired",
    )
    def post(self, request: ApiRequest, pk: int) -> Response:
        resource = resource_for_user(request.user, pk)
        body = s.TransitionIn(data=request.data)
        body.is_valid(raise_exception=True)
        resource = resource_transition(
            resource=resource, actor=request.user, request=request, **body.validated_data
        )
        return _out(request, resource)


class ResourceBasisChangedApi(APIView):
    @extend_schema(
        request=s.BasisChangedIn, responses=s.ResourceOut, summary="Mark the legal basis as changed (G11)"
    )
    def post(self, request: PersonApiRequest, pk: int) -> Response:
        resource = resource_for_user(request.user, pk)
        if not regions_reviewed_by(request.user).filter(pk=resource.producer.region_id).exists():
            raise PermissionDenied
        body = s.BasisChangedIn(data=request.data)
        body.is_valid(raise_exception=True)
        return _out(
            request,
            resource_mark_basis_changed(
                actor=request.user, resource=resource, request=request, **body.validated_data
            ),
        )


class ResourceVersionsApi(APIView):
    @extend_schema(responses=s.VersionOut(many=True), summary="Published versions, newest first")
    def get(self, request: ApiRequest, pk: int) -> Response:
        resource = resource_for_user(request.user, pk)
        return Response(s.VersionOut(resource.versions.all(), many=True).data)


class ResourceHistoryApi(APIView):
    @extend_schema(responses=s.StatusChangeOut(many=True), summary="Every status change of an entry")
    def get(self, request: ApiRequest, pk: int) -> Response:
        resource = resource_for_user(request.user, pk)
        return Response(s.StatusChangeOut(resource.status_changes.select_related("actor"), many=True).data)


class ResourceDiffApi(APIView):
    @extend_schema(
        parameters=[s.DiffQuery], responses={200: dict}, summary="What changed between two versions"
    )
    def get(self, request: ApiRequest, pk: int) -> Response:
        resource = resource_for_user(request.user, pk)
        query = s.DiffQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(version_diff(resource, query.validated_data["before"], query.validated_data["after"]))
