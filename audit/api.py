"""GET /api/v1/audit/events/: the audit search, for people and for a unit's information systems."""

from drf_spectacular.utils import extend_schema
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from dataplatform.core.audit_actions import AuditAction
from dataplatform.core.request_types import ApiRequest

from .search import audit_event_search
from .serializers import AuditEventOut, AuditFilterParams
from .services import audit_record
from .usage import event_rows


class AuditEventPage(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class AuditEventListApi(APIView):
    pagination_class = AuditEventPage  # read by the schema generator: the answer is a page, not a list

    @extend_schema(
        parameters=[AuditFilterParams],
        responses=AuditEventOut(many=True),
        summary="Search the audit log: only the events the caller may see",
    )
    def get(self, request: ApiRequest) -> Response:
        params = AuditFilterParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        events = audit_event_search(user=request.user, filters=params.filters())
        paginator = AuditEventPage()
        page = paginator.paginate_queryset(events, request, view=self)
        assert page is not None  # the page has a size: it always paginates
        # A page of the log taken away by a client is recorded as the page's CSV export is (issue 18).
        audit_record(
            action=AuditAction.AUDIT_EXPORT,
            actor=request.user,
            request=request,
            record_count=len(page),
            detail={"query": request.query_params.dict(), "api": True},
        )
        return paginator.get_paginated_response(AuditEventOut(event_rows(page), many=True).data)
