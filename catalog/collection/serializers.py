from rest_framework import serializers

from dataplatform.core.models import Region, Unit, User

from ..models import (
    CollectionItem,
    Disposal,
    Emergency,
    Resource,
    SourceConflict,
    TemporaryCollection,
)
from ..serializers import UnitRef


class CollectionItemIn(serializers.Serializer):
    identifier = serializers.SlugField(max_length=60)
    label = serializers.CharField(max_length=100)  # type: ignore[assignment]  # a field, not Field.label
    description = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    source_unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())
    legal_basis = serializers.CharField(required=False, allow_blank=True, default="")


class SourceResourceOut(serializers.ModelSerializer):
    class Meta:
        model = Resource
        fields = ["id", "code", "name"]


class CollectionItemOut(serializers.ModelSerializer):
    source_unit = UnitRef(help_text="The legal source (法定数源单位): apply to it rather than collect again.")
    source_resources = serializers.SerializerMethodField()

    class Meta:
        model = CollectionItem
        fields = [
            "id",
            "identifier",
            "label",
            "description",
            "source_unit",
            "legal_basis",
            "created_at",
            "source_resources",
        ]

    def get_source_resources(self, item: CollectionItem) -> list[dict]:
        from .services import source_resources

        return SourceResourceOut(source_resources(item), many=True).data  # type: ignore[return-value]  # many: a list


class CollectionSearchParams(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    unit = serializers.IntegerField(required=False, min_value=1, help_text="Legal source unit id.")


class SourceConflictOut(serializers.ModelSerializer):
    resource = SourceResourceOut()
    producer = UnitRef(source="resource.producer")
    legal_source = UnitRef(source="collection_item.source_unit")
    decided_by: "serializers.StringRelatedField[User]" = serializers.StringRelatedField(allow_null=True)

    class Meta:
        model = SourceConflict
        fields = [
            "id",
            "resource",
            "producer",
            "item_name",
            "item_label",
            "legal_source",
            "status",
            "note",
            "decided_by",
            "decided_at",
            "flagged_at",
        ]


class SourceDecisionIn(serializers.Serializer):
    confirm = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class EmergencyIn(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    started_on = serializers.DateField()


class EmergencyEndIn(serializers.Serializer):
    ended_on = serializers.DateField()


class EmergencyOut(serializers.ModelSerializer):
    region: "serializers.StringRelatedField[Region]" = serializers.StringRelatedField()
    is_over = serializers.BooleanField()

    class Meta:
        model = Emergency
        fields = ["id", "name", "description", "region", "started_on", "ended_on", "is_over"]


class TemporaryCollectionIn(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    data_items = serializers.CharField()
    reason = serializers.CharField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    emergency = serializers.PrimaryKeyRelatedField(
        queryset=Emergency.objects.all(), required=False, allow_null=True, default=None
    )
    contains_personal_info = serializers.BooleanField(required=False, default=False)
    resource = serializers.PrimaryKeyRelatedField(
        queryset=Resource.objects.all(), required=False, allow_null=True, default=None
    )


class TemporaryCollectionOut(serializers.ModelSerializer):
    unit = UnitRef()
    emergency = EmergencyOut(allow_null=True)
    is_emergency = serializers.BooleanField()
    awaits_disposal = serializers.BooleanField(help_text="G40: its emergency is over; seal or destroy it.")
    disposed_by: "serializers.StringRelatedField[User]" = serializers.StringRelatedField(allow_null=True)

    class Meta:
        model = TemporaryCollection
        fields = [
            "id",
            "unit",
            "title",
            "data_items",
            "reason",
            "starts_on",
            "ends_on",
            "emergency",
            "is_emergency",
            "contains_personal_info",
            "resource",
            "recorded_at",
            "awaits_disposal",
            "disposal",
            "disposal_note",
            "disposed_by",
            "disposed_at",
        ]


class EmergencyDetailOut(EmergencyOut):
    collections = serializers.SerializerMethodField()

    class Meta(EmergencyOut.Meta):
        fields = [*EmergencyOut.Meta.fields, "collections"]

    def get_collections(self, emergency: Emergency) -> list[dict]:
        return TemporaryCollectionOut(self.context["collections"], many=True).data  # type: ignore[return-value]  # many: a list


class DisposalIn(serializers.Serializer):
    disposal = serializers.ChoiceField(Disposal.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")
