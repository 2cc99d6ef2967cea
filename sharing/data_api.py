"""The data service interface (数据服务接口, Q-A1.5): an applying unit's information system reads the
records of a resource with its API key, and gets only the data items its active grant covers.

Every endpoint here is an interface over one data call (sharing.calls.data_call): the grant, the limits,
the crawler watch and the audit are the same for all of them; refusals map to HTTP in the exception
handler (dataplatform.core.api_errors).
"""

import json
import urllib.request

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.ingest import CONVERTERS
from catalog.models import InterfaceStatus, Resource, ServiceInterface
from catalog.records import Column, RecordRow, Where, published_columns, record_by_key, records_where
from dataplatform.core.models import Role
from dataplatform.core.permissions import IsApiClient
from dataplatform.core.request_types import ApiRequest, PersonApiRequest

from .access import verification_rule_for_user, verification_rules_visible_to
from .calls import Audited, Granted, Read, SharedResource, Use, data_call, rate_limit_headers
from .grant_check import REFUSAL_CODES
from .models import VerificationRule
from .record_pages import PARAMS as PAGE_PARAMS
from .record_pages import KeysetPagination, keyset_page, page_response
from .verification import statistics, verification_rule_create, verify

RESERVED_PARAMS = {"fields", *PAGE_PARAMS}


class RecordOut(serializers.Serializer):
    key = serializers.CharField()
    # A field named like Serializer.data: the metaclass takes declared fields out of the class.
    data = serializers.DictField(  # type: ignore[assignment]
        help_text="Only the data items your grant covers (or those named in ?fields=)."
    )
    updated_at = serializers.DateTimeField()


class DataApiView(APIView):
    """A view of the data interface: every answer, a refusal with 429 included, carries the RateLimit
    fields of the call's grant (read from the counters the limits already moved: no extra round trip)."""

    permission_classes = [IsApiClient]
    refusal_codes = REFUSAL_CODES  # the 403 codes the OpenAPI schema lists (dataplatform.core.schema)
    # Where the call is nothing but a data call, its API-key lockout check rides in the round trip that
    # counts it against its grant (ApiKeyAuthentication, sharing.calls): one trip to Redis, not two.
    key_lockout_in_call = False

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        for name, value in rate_limit_headers(request).items():
            response[name] = value
        return response


def requested_fields(request: Request) -> list[str]:
    return [f for f in request.query_params.get("fields", "").split(",") if f]


def filter_names(request: Request) -> list[str]:
    return [name for name in request.query_params if name not in RESERVED_PARAMS]


_TIME = serializers.DateTimeField()  # RecordOut's updated_at, written as that field writes it


def project(record: RecordRow, items: list[str]) -> dict:
    """A record as RecordOut describes it, built as a plain dict: a serializer per row deep-copies its
    fields, which cost a 50-record page 5 ms of CPU (bench/filters.py)."""
    return {
        "key": record.key,
        "data": {item: record.data.get(item) for item in items},
        "updated_at": _TIME.to_representation(record.updated_at),
    }


FIELDS_PARAM = OpenApiParameter(
    "fields",
    OpenApiTypes.STR,
    description="Comma-separated data items to return; all granted items by default.",
)


# The filters are a free-form query object (form style, exploded): each further query parameter names a
# granted query item (indexed), and the value it must equal.
FILTER_PARAM = OpenApiParameter(
    "filters",
    {"type": "object", "additionalProperties": {"type": "string"}},
    style="form",
    explode=True,
    description=(
        "Filters: every query parameter other than `fields`, `cursor` and `page_size` names a granted query "
        "item (the key, or an item the catalog marks as a query item: indexed) and the value it must equal, "
        "converted to the item's type (`?company_name=泉州某贸易有限公司`). Naming an item outside the grant "
        "is refused (403 `item_not_granted`); naming one that is not a query item, 400."
    ),
    examples=[OpenApiExample("By credit code", value={"credit_code": "91350500MA0000001X"})],
)


class RecordDetailApi(DataApiView):
    key_lockout_in_call = True

    @extend_schema(
        parameters=[FIELDS_PARAM],
        responses={200: RecordOut},
        summary="One record by its key, with the granted data items only",
        examples=[
            OpenApiExample(
                "A company",
                response_only=True,
                value={
                    "key": "91350500MA0000001X",
                    "data": {"credit_code": "91350500MA0000001X", "company_name": "泉州某贸易有限公司"},
                    "updated_at": "2026-11-20T08:00:00Z",
                },
            )
        ],
    )
    def get(self, request: ApiRequest, pk: int, key: str) -> Response:
        def read(granted: list[Granted]) -> Read:
            record = record_by_key(resource_id=granted[0].resource.pk, key=key)
            answer = project(record, granted[0].items) if record else None
            audited = Audited(count=1 if record else 0, detail={"key": key})
            return Read(answer, [audited], found=record is not None)

        use = Use(
            SharedResource(pk),
            items=requested_fields(request),
            also=filter_names(request),
            expect_rows=1,
            key=key,
        )
        call = data_call(client=request.user, request=request, action="data.query", uses=[use], read=read)
        if call.answer is None:
            raise exceptions.NotFound(_("No record with this key."))
        return Response(call.answer)


class RecordListApi(DataApiView):
    key_lockout_in_call = True
    pagination_class = KeysetPagination  # read by the schema generator: the answer is a page, not a list

    @extend_schema(
        parameters=[
            FIELDS_PARAM,
            FILTER_PARAM,
        ],
        responses={200: RecordOut(many=True)},
        summary="Records filtered by granted query items, a page at a time in key order (follow `next`)",
    )
    def get(self, request: ApiRequest, pk: int) -> Response:
        page = keyset_page(request)

        def read(granted: list[Granted]) -> Read:
            resource, items = granted[0].resource, granted[0].items
            filters = record_filters(request, published_columns(resource))
            rows = records_where(resource_id=resource.pk, where=filters, after=page.after, limit=page.fetch)
            shown = rows[: page.size]
            results = [project(row, items) for row in shown]
            answer = page_response(request, page, [row.key for row in rows], results)
            filtered = {k: v for k, v in request.query_params.items() if k not in RESERVED_PARAMS}
            return Read(answer, [Audited(count=len(shown), detail={"filters": filtered})])

        use = Use(
            SharedResource(pk),
            items=requested_fields(request),
            also=filter_names(request),
            expect_rows=page.size,
            walk=walked_filters(request),
        )
        return data_call(
            client=request.user, request=request, action="data.query", uses=[use], read=read
        ).answer


def walked_filters(request: Request) -> str:
    """The filter set a list call pages through (its filters only), so that its pages count together for
    the page-walk watch whatever their size or the items they ask for."""
    query = sorted((k, v) for k, v in request.query_params.items() if k not in RESERVED_PARAMS)
    return json.dumps(query, ensure_ascii=False)


def record_filters(request: Request, columns: tuple[Column, ...]) -> Where:
    """The filters of a list call (granted query items equal to values), converted to the items' types:
    each is an indexed column (the key is the table's primary key), so no filter walks the table."""
    by_name = {column.name: column for column in columns}
    equals = {}
    for name, value in request.query_params.items():
        if name in RESERVED_PARAMS:
            continue
        column = by_name.get(name)
        if column is None or not column.is_query:
            message = _("%(item)s is not a query item of this entry; filter by its query items.")
            raise exceptions.ValidationError({name: message % {"item": name}})
        try:
            converted = CONVERTERS[column.item_type](value)
        except ValueError as exc:
            raise exceptions.ValidationError({name: str(exc)}) from exc
        column_name, value = column.term(converted)
        equals[column_name] = value
    return Where(equals)


# --- cross-verification and statistics: usable but invisible ------------------------------------


class VerificationRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = VerificationRule
        fields = ["id", "name", "description", "inputs", "checks", "is_active", "created_at"]


class VerifyIn(serializers.Serializer):
    inputs = serializers.DictField(child=serializers.CharField(allow_blank=True))


class VerifyOut(serializers.Serializer):
    rule = serializers.IntegerField()
    results = serializers.DictField(
        child=serializers.BooleanField(), help_text="Each check's answer; no data."
    )
    all = serializers.BooleanField()


class StatisticsOut(serializers.Serializer):
    group_by = serializers.CharField()
    min_group_size = serializers.IntegerField()
    groups = serializers.ListField(
        child=serializers.DictField(), help_text="{value, count}, large groups only."
    )
    suppressed_groups = serializers.IntegerField(help_text="Groups too small to show, counted, never listed.")


class VerificationRuleListApi(APIView):
    @extend_schema(responses=VerificationRuleSerializer(many=True), summary="Verification rules")
    def get(self, request: ApiRequest) -> Response:
        # Only to whom may call them or owns the data they check (issue 18): a rule names resources and items.
        rules = verification_rules_visible_to(request.user)
        return Response(VerificationRuleSerializer(rules, many=True).data)

    @extend_schema(
        request=VerificationRuleSerializer,
        responses={201: VerificationRuleSerializer},
        summary="Make a verification rule (technical service unit)",
    )
    def post(self, request: PersonApiRequest) -> Response:
        if not request.user.has_role(Role.EVALUATOR):
            raise exceptions.PermissionDenied(_("The technical service unit makes verification rules."))
        body = VerificationRuleSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        fields = {k: v for k, v in body.validated_data.items() if k != "is_active"}
        rule = verification_rule_create(actor=request.user, **fields)
        return Response(VerificationRuleSerializer(rule).data, status=201)


class VerifyApi(DataApiView):
    @extend_schema(
        request=VerifyIn,
        responses=VerifyOut,
        summary="Verify inputs against a rule: only true or false per check comes back",
        examples=[
            OpenApiExample(
                "Inputs",
                request_only=True,
                value={"inputs": {"id_number": "350503199001011234", "name": "陈伟"}},
            ),
            OpenApiExample(
                "Answer", response_only=True, value={"rule": 1, "results": {"registered": True}, "all": True}
            ),
        ],
    )
    def post(self, request: ApiRequest, pk: int) -> Response:
        try:
            rule = verification_rule_for_user(request.user, pk)
        except Http404 as exc:  # missing, inactive or not the caller's: the same answer
            raise exceptions.NotFound(_("No such verification rule.")) from exc
        body = VerifyIn(data=request.data)
        body.is_valid(raise_exception=True)
        return Response(
            verify(client=request.user, rule=rule, inputs=body.validated_data["inputs"], request=request)
        )


class StatisticsApi(DataApiView):
    @extend_schema(
        parameters=[
            OpenApiParameter("group_by", OpenApiTypes.STR, required=True, description="A granted data item.")
        ],
        responses=StatisticsOut,
        summary="Counts per value of a granted item; groups below the minimum size are suppressed",
    )
    def get(self, request: ApiRequest, pk: int) -> Response:
        resource = Resource.objects.select_related("producer").filter(pk=pk).first()
        if resource is None or not resource.is_available:
            raise exceptions.NotFound(_("No published resource with this id."))
        group_by = request.query_params.get("group_by", "")
        if not group_by:
            raise exceptions.ValidationError({"group_by": _("Name the data item to group by.")})
        return Response(
            statistics(client=request.user, resource=resource, group_by=group_by, request=request)
        )


# --- producers' published service interfaces, called through the platform ------------------------

UPSTREAM_TIMEOUT = 10  # seconds
UPSTREAM_MAX_BYTES = 5 * 1024 * 1024


def only_granted(payload, items: list[str]):
    """Keep only granted items in an upstream answer: an object, or a list of objects."""
    if isinstance(payload, dict):
        return {key: value for key, value in payload.items() if key in items}
    if isinstance(payload, list):
        return [only_granted(entry, items) for entry in payload]
    raise ValueError("The upstream interface answered neither an object nor a list of objects.")


def call_upstream(url: str, *, query: str, body: bytes | None) -> object:
    request = urllib.request.Request(
        f"{url}?{query}" if query else url,
        data=body,
        method="POST" if body is not None else "GET",
        headers={"Content-Type": "application/json", "Accept": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=UPSTREAM_TIMEOUT) as response:  # noqa: S310 (reviewed URL)
        return json.loads(response.read(UPSTREAM_MAX_BYTES + 1)[:UPSTREAM_MAX_BYTES])


class InterfaceCallApi(DataApiView):
    """Call a producer's published service interface (Q2.3) as one data call, like the record
    interface; only the granted items of its answer come back."""

    def handle(self, request: Request, pk: int, body: bytes | None) -> Response:
        interface = (
            ServiceInterface.objects.select_related("resource__producer")
            .filter(pk=pk, status=InterfaceStatus.PUBLISHED)
            .first()
        )
        if interface is None:
            raise exceptions.NotFound(_("No published service interface with this id."))

        def read(granted: list[Granted]) -> Read:
            query = request.META.get("QUERY_STRING", "")
            try:
                answer = only_granted(
                    call_upstream(interface.upstream_url, query=query, body=body), granted[0].items
                )
            except (OSError, ValueError) as exc:
                answer = Response(
                    {
                        "detail": _("The producer's interface did not answer usably: %(error)s")
                        % {"error": exc}
                    },
                    status=502,
                )
            else:
                answer = Response(answer)
            return Read(answer, [Audited()])

        use = Use(SharedResource(interface.resource_id, known=interface.resource))
        return data_call(
            client=request.user,
            request=request,
            action="data.query",
            uses=[use],
            read=read,
            detail={"interface": interface.pk},
        ).answer

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, summary="Call a published service interface (GET)")
    def get(self, request: ApiRequest, pk: int) -> Response:
        return self.handle(request, pk, None)

    @extend_schema(
        request=OpenApiTypes.OBJECT, responses={200: OpenApiTypes.OBJECT}, summary="Call it (POST)"
    )
    def post(self, request: ApiRequest, pk: int) -> Response:
        return self.handle(request, pk, json.dumps(request.data).encode())
