"""The authorised interface for on-application open data (/api/v1/open/): an organization's system
calls it with its API key and an active open grant; records come de-identified, statistics only as
aggregates over groups of at least the minimum size (F15-F16). Every call is audited."""

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.db.models.fields.json import KT
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.models import Outcome
from audit.services import audit_record
from catalog.models import OpenType, Record
from sharing.data_api import IsApiClient

from .applications import usable_grant
from .deidentify import open_view
from .models import OpenEntry, OpenGrant
from .selectors import public_entries


class RecordPage(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class OpenGrantApi(APIView):
    permission_classes = [IsApiClient]

    def entry_and_grant(self, request: Request, slug: str) -> tuple[OpenEntry, OpenGrant]:
        entry = public_entries().filter(slug=slug, open_type=OpenType.ON_APPLICATION).first()
        if entry is None:
            raise exceptions.NotFound("No dataset open on application with this name.")
        grant = usable_grant(unit_id=request.user.unit.pk, entry=entry)
        if grant is None:
            with transaction.atomic():
                self.audit(request, entry, None, outcome=Outcome.DENIED)
            raise exceptions.PermissionDenied(
                detail={
                    "detail": "Your organization has no active open grant for this dataset.",
                    "code": "no_grant",
                }
            )
        return entry, grant

    def audit(self, request, entry, grant, *, outcome=Outcome.OK, items=(), count=None, **detail) -> None:
        audit_record(
            action="open.api",
            actor=request.user,
            request=request,
            target=entry,
            outcome=outcome,
            owner_unit=entry.resource.producer,
            data_items=items,
            record_count=count,
            purpose=grant.application.purpose[:300] if grant else "",
            detail={"grant": grant.pk if grant else None, "path": request.path, **detail},
        )


class OpenRecordsApi(OpenGrantApi):
    @extend_schema(
        responses={200: OpenApiTypes.OBJECT}, summary="De-identified records of a dataset open on application"
    )
    def get(self, request: Request, slug: str) -> Response:
        entry, grant = self.entry_and_grant(request, slug)
        view = open_view(entry)
        records = (
            Record.objects.filter(resource_id=entry.resource_id)
            .order_by("key")
            .values_list("data", flat=True)
        )
        paginator = RecordPage()
        with transaction.atomic():
            page = paginator.paginate_queryset(records, request, view=self)
            self.audit(request, entry, grant, items=view.names, count=len(page))
        response = paginator.get_paginated_response([view.row(data) for data in page])
        response.data["use"] = {
            "use_kind": grant.use_kind,
            "research_and_education_only": grant.research_and_education_only,
            "commercial_use_allowed": grant.commercial_use_allowed,
            "until": grant.end_date,
        }
        return response


def open_statistics(entry: OpenEntry, group_by: str) -> dict:
    """Counts per value of an item shown as it is; groups under the minimum size are suppressed."""
    view = open_view(entry)
    if group_by not in view.plain:
        raise exceptions.ValidationError(
            {"group_by": f"Group by one of the items shown as they are: {', '.join(view.plain)}."}
        )
    minimum = settings.DATA_API["MIN_GROUP_SIZE"]
    groups = list(
        Record.objects.filter(resource_id=entry.resource_id)
        .values(value=KT(f"data__{group_by}"))
        .annotate(count=Count("id"))
        .order_by("value")
    )
    shown = [g for g in groups if g["count"] >= minimum]
    return {
        "group_by": group_by,
        "min_group_size": minimum,
        "groups": shown,
        "suppressed_groups": len(groups) - len(shown),
    }


class OpenStatisticsApi(OpenGrantApi):
    @extend_schema(
        parameters=[OpenApiParameter("group_by", OpenApiTypes.STR, required=True)],
        responses={200: OpenApiTypes.OBJECT},
        summary="Aggregate counts over a dataset open on application; small groups are suppressed",
    )
    def get(self, request: Request, slug: str) -> Response:
        entry, grant = self.entry_and_grant(request, slug)
        answer = open_statistics(entry, request.query_params.get("group_by", ""))
        with transaction.atomic():
            self.audit(
                request, entry, grant, items=[answer["group_by"]], count=0, statistics=answer["group_by"]
            )
        return Response(answer)
