"""REST API of aggregation: a JSON batch of records, file uploads and their progress."""

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from dataplatform.core.request_types import ApiRequest

from ..models import AggregationBatch
from .deletion import records_delete
from .services import (
    MAX_API_RECORDS,
    batch_for_user,
    batch_upload,
    batches_of,
    records_upsert,
    resource_for_aggregation,
)


class RecordsIn(serializers.Serializer):
    records = serializers.ListField(
        child=serializers.JSONField(),
        allow_empty=False,
        max_length=MAX_API_RECORDS,
        help_text="Objects of data item values by identifier (or label); each must carry the key item.",
    )


class BatchOut(serializers.ModelSerializer):
    resource = serializers.IntegerField(source="resource_id")
    status_display = serializers.CharField(source="get_status_display")
    progress = serializers.IntegerField(help_text="Percent of the rows checked; 100 when finished.")
    # A field named like Serializer.errors: the metaclass takes declared fields out of the class.
    errors = serializers.ListField(  # type: ignore[assignment]
        child=serializers.DictField(), help_text="Per-row errors {row, column, message}, at most 1000."
    )
    created_by = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    message = serializers.CharField(source="summary", read_only=True, help_text="What the batch did.")

    class Meta:
        model = AggregationBatch
        fields = [
            "id",
            "url",
            "resource",
            "source",
            "file_name",
            "status",
            "status_display",
            "progress",
            "total_rows",
            "processed_rows",
            "inserted",
            "updated",
            "unchanged",
            "deleted",
            "message",
            "errors",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
        ]

    def get_created_by(self, batch: AggregationBatch) -> str:
        if batch.created_by is not None:  # (an empty key reads as None without a query)
            return batch.created_by.real_name or batch.created_by.username
        return f"api-key:{batch.api_key.prefix}" if batch.api_key is not None else ""

    def get_url(self, batch: AggregationBatch) -> str:
        return reverse("api-upload", args=[batch.pk])


class RecordsUpsertApi(APIView):
    @extend_schema(
        request=RecordsIn,
        responses=BatchOut,
        summary="Aggregate a batch of records now: inserted, updated or unchanged by key, all or nothing",
        description=f"At most {MAX_API_RECORDS} records. A batch with bad rows is refused whole: 400 with "
        "`errors` [{row, column, message}] (row = position in `records`, from 1) and `error_count`.",
    )
    def post(self, request: ApiRequest, pk: int) -> Response:
        resource = resource_for_aggregation(request.user, pk)
        body = RecordsIn(data=request.data)
        body.is_valid(raise_exception=True)
        batch = records_upsert(
            actor=request.user, resource=resource, records=body.validated_data["records"], request=request
        )
        return Response(BatchOut(batch).data)


class KeysIn(serializers.Serializer):
    keys = serializers.ListField(
        child=serializers.CharField(max_length=200), allow_empty=False, max_length=MAX_API_RECORDS
    )


class RecordsDeleteApi(APIView):
    @extend_schema(
        request=KeysIn,
        responses=BatchOut,
        summary="Delete records by key",
        description="The records are withdrawn from the entry; each deletion reaches the applicants' "
        "copies with the next bulk exchange push. Keys that hold no record are counted as `unchanged`.",
    )
    def post(self, request: ApiRequest, pk: int) -> Response:
        resource = resource_for_aggregation(request.user, pk)
        body = KeysIn(data=request.data)
        body.is_valid(raise_exception=True)
        batch = records_delete(
            actor=request.user, resource=resource, keys=body.validated_data["keys"], request=request
        )
        return Response(BatchOut(batch).data)


FILE_UPLOAD = {
    "multipart/form-data": {
        "type": "object",
        "properties": {"file": {"type": "string", "format": "binary"}},
        "required": ["file"],
    }
}


class UploadListApi(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(responses=BatchOut(many=True), summary="The entry's recent aggregation batches")
    def get(self, request: ApiRequest, pk: int) -> Response:
        resource = resource_for_aggregation(request.user, pk)
        return Response(BatchOut(batches_of(resource), many=True).data)

    @extend_schema(
        request=FILE_UPLOAD,
        responses={202: BatchOut},
        summary="Upload a CSV, XLSX or JSON file of records; it is aggregated in the background",
    )
    def post(self, request: ApiRequest, pk: int) -> Response:
        resource = resource_for_aggregation(request.user, pk)
        file = request.FILES.get("file")
        if file is None:
            raise serializers.ValidationError({"file": [_("Attach the file as the form field 'file'.")]})
        batch = batch_upload(actor=request.user, resource=resource, file=file, request=request)
        batch.refresh_from_db()  # in the embedded demo the task has run already
        body = BatchOut(batch).data
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})


class UploadDetailApi(APIView):
    @extend_schema(responses=BatchOut, summary="An aggregation batch: status, progress, counts and errors")
    def get(self, request: ApiRequest, pk: int) -> Response:
        return Response(BatchOut(batch_for_user(request.user, pk)).data)
