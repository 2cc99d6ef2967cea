from typing import Any

from rest_framework import serializers

from dataplatform.core.models import Unit, User

from .models import (
    DataItem,
    Resource,
    ResourceStatusChange,
    ResourceVersion,
    ServiceMethod,
    SourceConflict,
)
from .snapshots import DATA_ITEM_FIELDS, SNAPSHOT_FIELDS


class UnitRef(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "name"]


class DataItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = DataItem
        fields = DATA_ITEM_FIELDS
        # Uniqueness within the resource is checked by the service, which sees all items at once.
        validators: list[Any] = []
        extra_kwargs: dict[str, dict[str, Any]] = {"name": {"validators": []}}


# What a producer writes: the snapshot's fields and the three units it names besides itself.
ENTRY_FIELDS = [*SNAPSHOT_FIELDS, "collecting_unit", "approving_unit", "providing_unit"]


class ResourceIn(serializers.ModelSerializer):
    items = DataItemSerializer(many=True, required=False)
    service_methods = serializers.ListField(child=serializers.ChoiceField(choices=ServiceMethod.choices))

    class Meta:
        model = Resource
        fields = [*ENTRY_FIELDS, "items"]
        validators: list[Any] = []  # the service checks uniqueness and the catalog rules with clear messages
        extra_kwargs: dict[str, dict[str, Any]] = {"code": {"validators": []}}


class SourceCheckBrief(serializers.ModelSerializer):
    legal_source = UnitRef(source="collection_item.source_unit")

    class Meta:
        model = SourceConflict
        fields = ["id", "item_name", "legal_source", "status"]


class ResourceOut(serializers.ModelSerializer):
    producer = UnitRef()
    items = DataItemSerializer(many=True)
    source_checks = SourceCheckBrief(
        source="source_conflicts",
        many=True,
        read_only=True,
        help_text="Items whose legal source is another unit (Q3.1): published once the authority confirms.",
    )
    is_available = serializers.BooleanField(read_only=True)
    is_stale = serializers.BooleanField(read_only=True)
    allowed_transitions = serializers.SerializerMethodField()

    class Meta:
        model = Resource
        fields = [
            "id",
            *ENTRY_FIELDS,
            "producer",
            "items",
            "source_checks",
            "status",
            "return_reason",
            "review_due",
            "basis_changed_note",
            "update_due",
            "filed_with_authority_at",
            "published_version",
            "published_at",
            "last_aggregated_at",
            "record_count",
            "is_available",
            "is_stale",
            "allowed_transitions",
            "created_at",
            "updated_at",
        ]

    def get_allowed_transitions(self, resource: Resource) -> list[str]:
        from .workflow import allowed_transitions

        user = self.context["request"].user
        if getattr(user, "api_key", None) is not None:
            return []
        return [to for to, _ in allowed_transitions(user, resource)]


class TransitionIn(serializers.Serializer):
    to = serializers.CharField()
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class BasisChangedIn(serializers.Serializer):
    note = serializers.CharField()


class VersionOut(serializers.ModelSerializer):
    published_by: "serializers.StringRelatedField[User]" = serializers.StringRelatedField()

    class Meta:
        model = ResourceVersion
        fields = ["number", "published_at", "published_by", "snapshot"]


class StatusChangeOut(serializers.ModelSerializer):
    actor: "serializers.StringRelatedField[User]" = serializers.StringRelatedField()

    class Meta:
        model = ResourceStatusChange
        fields = ["from_status", "to_status", "actor", "reason", "at"]


class DiffQuery(serializers.Serializer):
    before = serializers.IntegerField(min_value=1)
    after = serializers.IntegerField(min_value=1)
