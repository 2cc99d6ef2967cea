from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.parsers import MultiPartParser
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
    unit_catalog,
)
from .models import Classification, ResourceStatus
from .services import resource_create, resource_mark_basis_changed, resource_update, version_diff
from .spreadsheet import catalog_export_csv, catalog_export_xlsx, catalog_import, spreadsheet_response
from .workflow import resource_transition


def _out(request: Request, resource, code: int = 200) -> Response:
    return Response(s.ResourceOut(resource, context={"request": request}).data, status=code)


class ResourceListApi(generics.ListAPIView):
    """Entries the caller can see: filter with ``?mine=1``, ``?status=``, ``?review=1`` (my review queue)."""

    serializer_class = s.ResourceOut
    request: ApiRequest

    def get_queryset(self):
        resources = (
            resources_visible_to(self.request.user)
            .select_related("providing_unit", "classification__parent__parent")
            .prefetch_related("items", "source_conflicts__collection_item__source_unit")
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


class CatalogExportApi(APIView):
    @extend_schema(
        parameters=[s.CatalogExportQuery],
        responses={
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): bytes,
            (200, "text/csv"): bytes,
        },
        summary="The caller's unit's catalog as the guide's spreadsheet (one row per data item)",
        description="Columns in the order and words of the government information resource catalog guide, "
        "then the platform's extended elements. ``?kind=csv`` for CSV (UTF-8 with BOM).",
    )
    def get(self, request: ApiRequest) -> HttpResponse:
        unit = getattr(request.user, "unit", None)
        if unit is None:
            raise PermissionDenied
        query = s.CatalogExportQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        as_csv = query.validated_data["kind"] == "csv"
        resources = unit_catalog(unit)
        content = catalog_export_csv(resources) if as_csv else catalog_export_xlsx(resources)
        return spreadsheet_response(content, as_csv=as_csv)


class CatalogImportApi(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": s.CatalogImportIn},
        responses={201: s.CatalogImportOut},
        summary="Create or update the unit's draft entries from a catalog spreadsheet (all or nothing)",
        description="A refusal (400) lists each row's errors in ``rows``: [{row, column, message}].",
    )
    def post(self, request: PersonApiRequest) -> Response:
        if request.user.unit is None or not request.user.has_role(Role.DATA_ADMIN):
            raise PermissionDenied
        body = s.CatalogImportIn(data=request.data)
        body.is_valid(raise_exception=True)
        upload = body.validated_data["file"]
        result = catalog_import(
            actor=request.user,
            unit=request.user.unit,
            content=upload.read(),
            filename=upload.name,
            request=request,
        )
        return Response(
            {
                "created": [resource.code for resource in result.created],
                "updated": [resource.code for resource in result.updated],
            },
            status=status.HTTP_201_CREATED,
        )


class ClassificationListApi(generics.ListAPIView):
    """The resource classification (类/项/目/细目) entries are classified by."""

    serializer_class = s.ClassificationOut
    pagination_class = None
    queryset = Classification.objects.select_related("parent")
