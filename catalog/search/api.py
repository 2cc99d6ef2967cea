"""GET /api/v1/catalog/search/: applicants find catalog entries by words and filters."""

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from ..collection.services import legal_source_of, legal_sources
from ..models import Category, DataItem, OpenType, Resource, ShareType
from .selectors import resource_search
from .text import CappedPaginator


class SearchParams(serializers.Serializer):
    q = serializers.CharField(
        required=False, allow_blank=True, max_length=100, default="", help_text="Words, Chinese or English."
    )
    unit = serializers.IntegerField(required=False, min_value=1, help_text="Producing unit id.")
    category = serializers.ChoiceField(Category.choices, required=False, allow_blank=True, default="")
    share_type = serializers.ChoiceField(ShareType.choices, required=False, allow_blank=True, default="")
    open_type = serializers.ChoiceField(OpenType.choices, required=False, allow_blank=True, default="")
    item = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        default="",
        help_text="A data item's identifier or label, or whole words of it.",
    )


class SearchProducer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class SearchItem(serializers.ModelSerializer):
    legal_source = serializers.SerializerMethodField(
        help_text="The item's legal source unit in the collection catalog (Q3.1, G14), if it lists the item."
    )

    class Meta:
        model = DataItem
        fields = ["name", "label", "legal_source"]

    @extend_schema_field(SearchProducer(allow_null=True))
    def get_legal_source(self, item: DataItem) -> dict | None:
        source = legal_source_of(self.context.get("legal_sources", {}), item)
        return {"id": source.unit_id, "name": source.unit_name} if source else None


class SearchResult(serializers.ModelSerializer):
    producer = SearchProducer()
    items = SearchItem(many=True)
    is_stale = serializers.BooleanField()
    rank = serializers.FloatField(help_text="Higher is better: text relevance, plus 1 when the name matches.")

    class Meta:
        model = Resource
        fields = [
            "id",
            "code",
            "name",
            "producer",
            "category",
            "share_type",
            "open_type",
            "update_frequency",
            "last_aggregated_at",
            "is_stale",
            "items",
            "rank",
        ]


class SearchPagination(PageNumberPagination):
    page_size = 20
    django_paginator_class = CappedPaginator

    def get_paginated_response(self, data) -> Response:
        response = super().get_paginated_response(data)
        assert self.page is not None and isinstance(self.page.paginator, CappedPaginator)  # as paginated
        response.data["count_capped"] = self.page.paginator.count_capped
        return response

    def get_paginated_response_schema(self, schema: dict) -> dict:
        schema = super().get_paginated_response_schema(schema)
        schema["properties"]["count"]["description"] = f"Matches, counted up to {CappedPaginator.COUNT_CAP}."
        schema["properties"]["count_capped"] = {
            "type": "boolean",
            "description": "There are more matches than `count`; narrow the search to see them.",
        }
        schema["required"].append("count_capped")
        return schema


class ResourceSearchApi(generics.ListAPIView):
    serializer_class = SearchResult
    pagination_class = SearchPagination

    @extend_schema(
        parameters=[SearchParams],
        summary="Search the catalog",
        description="Available entries you may see that contain every word of `q` (Chinese is matched "
        "by words) and pass the filters, best match first.",
    )
    def get(self, request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), "legal_sources": legal_sources()}

    def get_queryset(self):
        params = SearchParams(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        return resource_search(user=self.request.user, **params.validated_data)
