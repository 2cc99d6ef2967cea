"""The data service interface (数据服务接口, Q-A1.5): an applying unit's information system reads the
records of a resource with its API key, and gets only the data items its active grant covers.

Every call is checked against the grant, counted against its limits, watched for crawler-like use
and audited, in that order; the audit event is written in the same transaction as the read, so a
call whose audit cannot be written returns nothing.
"""

import json
import urllib.request

from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.models import Outcome
from audit.services import audit_record
from catalog.ingest import CONVERTERS
from catalog.models import InterfaceStatus, ItemType, Record, Resource, ServiceInterface
from dataplatform.core.models import Role

from .grant_check import GrantRefused, check_items, grant_for_call
from .misuse import Throttled, observe, throttle
from .models import Grant, VerificationRule
from .verification import statistics, verification_rule_create, verify

RESERVED_PARAMS = {"fields", "page", "page_size"}


class IsApiClient(BasePermission):
    """The data endpoints serve information systems with an API key, not people's sessions."""

    message = "Call the data interface with your unit's API key: Authorization: Api-Key <key>."

    def has_permission(self, request, view) -> bool:
        return getattr(request.user, "api_key", None) is not None


class RecordOut(serializers.Serializer):
    key = serializers.CharField()
    data = serializers.DictField(
        help_text="Only the data items your grant covers (or those named in ?fields=)."
    )
    updated_at = serializers.DateTimeField()


class RecordPage(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class GrantRefusedError(exceptions.PermissionDenied):
    def __init__(self, refused: GrantRefused) -> None:
        super().__init__(detail={"detail": refused.message, "code": refused.code})


class ThrottledError(exceptions.Throttled):
    def __init__(self, throttled: Throttled) -> None:
        super().__init__(wait=throttled.retry_after, detail=throttled.message)


class DataApiView(APIView):
    permission_classes = [IsApiClient]

    def grant_and_items(self, request: Request, resource_id: int) -> tuple[Resource, Grant, list[str]]:
        """The usable grant, with its resource, in one query on the common path; the resource is read
        alone only to explain a refusal."""
        client = request.user
        try:
            grant = grant_for_call(unit_id=client.unit.pk, resource_id=resource_id)
            if not grant.resource.is_available:
                raise exceptions.NotFound("No published resource with this id.")
            fields = [f for f in request.query_params.get("fields", "").split(",") if f]
            items = check_items(grant, fields)
            check_items(grant, [name for name in request.query_params if name not in RESERVED_PARAMS])
        except GrantRefused as refused:
            resource = Resource.objects.select_related("producer").filter(pk=resource_id).first()
            if resource is None or not resource.is_available:
                raise exceptions.NotFound("No published resource with this id.") from refused
            audit_record(
                action="data.query",
                actor=client,
                request=request,
                target=resource,
                outcome=Outcome.DENIED,
                owner_unit=resource.producer,
                detail={"code": refused.code, "query": dict(request.query_params)},
            )
            raise GrantRefusedError(refused) from refused
        try:
            grant.calls_today = throttle(grant)
        except Throttled as throttled:
            raise ThrottledError(throttled) from throttled
        return grant.resource, grant, items

    def audit(self, request, resource, grant, items, count, detail) -> None:
        audit_record(
            action="data.query",
            actor=request.user,
            request=request,
            target=resource,
            owner_unit=resource.producer,
            data_items=items,
            record_count=count,
            purpose=grant.scenario[:300],
            detail={"grant": grant.pk, **detail},
        )


def project(record: Record, items: list[str]) -> dict:
    return {
        "key": record.key,
        "data": {item: record.data.get(item) for item in items},
        "updated_at": record.updated_at,
    }


FIELDS_PARAM = OpenApiParameter(
    "fields",
    OpenApiTypes.STR,
    description="Comma-separated data items to return; all granted items by default.",
)


class RecordDetailApi(DataApiView):
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
    def get(self, request: Request, pk: int, key: str) -> Response:
        resource, grant, items = self.grant_and_items(request, pk)
        record = Record.objects.filter(resource=resource, key=key).first()
        # The audit row is written before anything is answered: if it cannot be written, nothing is.
        self.audit(request, resource, grant, items, 1 if record else 0, {"key": key})
        observe(grant, client=request.user, calls=grant.calls_today, key=key, found=record is not None)
        if record is None:
            raise exceptions.NotFound("No record with this key.")
        return Response(RecordOut(project(record, items)).data)


class RecordListApi(DataApiView):
    pagination_class = RecordPage  # read by the schema generator: the answer is a page, not a list

    @extend_schema(
        parameters=[
            FIELDS_PARAM,
            OpenApiParameter(
                "<item>", OpenApiTypes.STR, description="Filter: any granted data item equal to a value."
            ),
        ],
        responses={200: RecordOut(many=True)},
        summary="Records filtered by granted data items, paginated, with the granted data items only",
    )
    def get(self, request: Request, pk: int) -> Response:
        resource, grant, items = self.grant_and_items(request, pk)
        types = dict(resource.items.values_list("name", "item_type"))
        records = Record.objects.filter(resource=resource).order_by("key")
        filters = {}
        for name, value in request.query_params.items():
            if name in RESERVED_PARAMS:
                continue
            try:
                filters[f"data__{name}"] = CONVERTERS[types.get(name, ItemType.STRING)](value)
            except ValueError as exc:
                raise exceptions.ValidationError({name: str(exc)}) from exc
        records = records.filter(**filters)
        paginator = RecordPage()
        with transaction.atomic():
            page = paginator.paginate_queryset(records, request, view=self)
            self.audit(
                request,
                resource,
                grant,
                items,
                len(page),
                {"filters": {k[6:]: v for k, v in filters.items()}},
            )
        observe(grant, client=request.user, calls=grant.calls_today)
        return paginator.get_paginated_response([RecordOut(project(r, items)).data for r in page])


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


def _refused(call):
    try:
        return call()
    except GrantRefused as refused:
        raise GrantRefusedError(refused) from refused


class VerificationRuleListApi(APIView):
    @extend_schema(responses=VerificationRuleSerializer(many=True), summary="Verification rules")
    def get(self, request: Request) -> Response:
        rules = VerificationRule.objects.filter(is_active=True)
        return Response(VerificationRuleSerializer(rules, many=True).data)

    @extend_schema(
        request=VerificationRuleSerializer,
        responses={201: VerificationRuleSerializer},
        summary="Make a verification rule (technical service unit)",
    )
    def post(self, request: Request) -> Response:
        if not request.user.has_role(Role.EVALUATOR):
            raise exceptions.PermissionDenied("The technical service unit makes verification rules.")
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
    def post(self, request: Request, pk: int) -> Response:
        rule = VerificationRule.objects.filter(pk=pk, is_active=True).first()
        if rule is None:
            raise exceptions.NotFound("No such verification rule.")
        body = VerifyIn(data=request.data)
        body.is_valid(raise_exception=True)
        answer = _refused(
            lambda: verify(
                client=request.user, rule=rule, inputs=body.validated_data["inputs"], request=request
            )
        )
        return Response(answer)


class StatisticsApi(DataApiView):
    @extend_schema(
        parameters=[
            OpenApiParameter("group_by", OpenApiTypes.STR, required=True, description="A granted data item.")
        ],
        responses=StatisticsOut,
        summary="Counts per value of a granted item; groups below the minimum size are suppressed",
    )
    def get(self, request: Request, pk: int) -> Response:
        resource = Resource.objects.select_related("producer").filter(pk=pk).first()
        if resource is None or not resource.is_available:
            raise exceptions.NotFound("No published resource with this id.")
        group_by = request.query_params.get("group_by", "")
        if not group_by:
            raise exceptions.ValidationError({"group_by": "Name the data item to group by."})
        return Response(
            _refused(
                lambda: statistics(client=request.user, resource=resource, group_by=group_by, request=request)
            )
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
    """Call a producer's published service interface (Q2.3) with the same grant, limits and audit as
    the record interface; only the granted items of its answer come back."""

    def handle(self, request: Request, pk: int, body: bytes | None) -> Response:
        interface = (
            ServiceInterface.objects.select_related("resource__producer")
            .filter(pk=pk, status=InterfaceStatus.PUBLISHED)
            .first()
        )
        if interface is None:
            raise exceptions.NotFound("No published service interface with this id.")
        resource = interface.resource
        try:
            grant = grant_for_call(unit_id=request.user.unit.pk, resource_id=resource.pk)
        except GrantRefused as refused:
            raise GrantRefusedError(refused) from refused
        try:
            throttle(grant)
        except Throttled as throttled:
            raise ThrottledError(throttled) from throttled
        self.audit(request, resource, grant, grant.items, None, {"interface": interface.pk})
        try:
            answer = only_granted(
                call_upstream(interface.upstream_url, query=request.META.get("QUERY_STRING", ""), body=body),
                grant.items,
            )
        except (OSError, ValueError) as exc:
            return Response({"detail": f"The producer's interface did not answer usably: {exc}"}, status=502)
        return Response(answer)

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, summary="Call a published service interface (GET)")
    def get(self, request: Request, pk: int) -> Response:
        return self.handle(request, pk, None)

    @extend_schema(
        request=OpenApiTypes.OBJECT, responses={200: OpenApiTypes.OBJECT}, summary="Call it (POST)"
    )
    def post(self, request: Request, pk: int) -> Response:
        return self.handle(request, pk, json.dumps(request.data).encode())
