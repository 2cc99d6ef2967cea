from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from dataplatform.core.models import Unit, User

from .item_names import item_flags_settle, item_name_validate, item_names_clash_message, item_names_clashing
from .models import (
    Classification,
    DataItem,
    Resource,
    ResourceStatus,
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


class ResourceRef(serializers.ModelSerializer):
    """A catalog entry by its id, code and name."""

    class Meta:
        model = Resource
        fields = ["id", "code", "name"]


class DataItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = DataItem
        fields = DATA_ITEM_FIELDS
        # Uniqueness within the resource is checked by the service, which sees all items at once.
        validators: list[Any] = []
        extra_kwargs: dict[str, dict[str, Any]] = {
            "name": {
                "validators": [item_name_validate],
                "help_text": "The item's identifier, its column in the records: no leading '_', "
                "unique in the entry whatever its case.",
            },
            "is_query": {
                "help_text": "Consumers may filter records by this item; it is indexed. "
                "The record key is always a query item."
            },
        }

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return item_flags_settle(attrs)


# What a producer writes: the snapshot's fields and the three units it names besides itself.
ENTRY_FIELDS = [*SNAPSHOT_FIELDS, "collecting_unit", "approving_unit", "providing_unit"]


class ClassificationOut(serializers.ModelSerializer):
    parent_code: "serializers.SlugRelatedField[Classification]" = serializers.SlugRelatedField(
        source="parent", slug_field="code", read_only=True, allow_null=True
    )

    class Meta:
        model = Classification
        fields = ["code", "name", "level", "parent_code", "category"]


class ClassificationStep(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.IntegerField(
        help_text="1 class (类), 2 item (项), 3 heading (目), 4 sub-heading (细目)"
    )


class ResourceIn(serializers.ModelSerializer):
    items = DataItemSerializer(many=True, required=False)
    service_methods = serializers.ListField(child=serializers.ChoiceField(choices=ServiceMethod.choices))
    classification: "serializers.SlugRelatedField[Classification]" = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Classification.objects.all(),
        required=False,
        help_text="The classification code (类/项/目/细目, e.g. 102001); the category follows it. "
        "Without it, the category's default classification.",
    )
    related_codes = serializers.ListField(
        child=serializers.CharField(max_length=60),
        required=False,
        help_text="Codes of related catalog entries (关联资源代码); each must exist.",
    )

    def validate_items(self, items: list[dict]) -> list[dict]:
        clashing = item_names_clashing(item.get("name") for item in items)
        if clashing:
            raise serializers.ValidationError(item_names_clash_message(clashing))
        return items

    class Meta:
        model = Resource
        fields = [*ENTRY_FIELDS, "items"]
        validators: list[Any] = []  # the service checks uniqueness and the catalog rules with clear messages
        extra_kwargs: dict[str, dict[str, Any]] = {
            "code": {
                "validators": [],
                "required": False,
                "allow_blank": True,
                "help_text": "Left out, the platform draws '<classification code>/<provider credit code>-<6 digits>'.",
            },
            "category": {"required": False},
            "holds_no_classified_data": {
                "help_text": "Q8.3: the producer declares the entry holds no classified data; required to submit."
            },
        }


class SourceCheckBrief(serializers.ModelSerializer):
    legal_source = UnitRef(source="collection_item.source_unit")

    class Meta:
        model = SourceConflict
        fields = ["id", "item_name", "legal_source", "status"]


class ProviderRef(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "name", "credit_code"]


class LayoutChangesOut(serializers.Serializer):
    added = serializers.ListField(child=serializers.CharField())
    dropped = serializers.ListField(
        child=serializers.CharField(), help_text="Items whose stored values are dropped."
    )
    converted = serializers.ListField(
        child=serializers.CharField(),
        help_text="Items whose stored values are converted; those that do not fit become empty.",
    )
    records = serializers.IntegerField(help_text="How many records are stored.")


class ResourceOut(serializers.ModelSerializer):
    producer = UnitRef()
    classification: "serializers.SlugRelatedField[Classification]" = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    classification_path = serializers.SerializerMethodField(
        help_text="The classification from its class down: [{code, name, level}]."
    )
    provider = ProviderRef(read_only=True, help_text="信息资源提供方: the providing unit, else the producer.")
    provider_credit_code = serializers.CharField(
        read_only=True, help_text="信息资源提供方代码: the provider's unified social credit code."
    )
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
    pending_layout_changes = serializers.SerializerMethodField(
        help_text="For a submitted revision of an entry holding records: what publishing it does to them "
        "(null when it drops and converts nothing, and in lists)."
    )

    class Meta:
        model = Resource
        fields = [
            "id",
            *ENTRY_FIELDS,
            "classification_path",
            "producer",
            "provider",
            "provider_credit_code",
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
            "pending_layout_changes",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(ClassificationStep(many=True))
    def get_classification_path(self, resource: Resource) -> list[dict]:
        return classification_path(resource.classification)

    def get_allowed_transitions(self, resource: Resource) -> list[str]:
        from .workflow import allowed_transitions

        user = self.context["request"].user
        if getattr(user, "api_key", None) is not None:
            return []
        return [to for to, _ in allowed_transitions(user, resource)]

    @extend_schema_field(LayoutChangesOut(allow_null=True))
    def get_pending_layout_changes(self, resource: Resource) -> dict | None:
        from .records.review import publication_changes

        # An entry's own answer only: in a list it would cost queries per entry.
        if self.parent is not None or resource.status != ResourceStatus.SUBMITTED:
            return None
        return publication_changes(resource)


def classification_path(node: Classification | None) -> list[dict]:
    path = []
    while node is not None:
        path.append({"code": node.code, "name": node.name, "level": node.level})
        node = node.parent
    return path[::-1]


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


class CatalogExportQuery(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["xlsx", "csv"], default="xlsx", help_text="The file kind.")


class CatalogImportIn(serializers.Serializer):
    file = serializers.FileField(help_text="An XLSX workbook or a CSV file with the catalog's columns.")


class CatalogImportOut(serializers.Serializer):
    created = serializers.ListField(child=serializers.CharField(), help_text="Codes of the new drafts.")
    updated = serializers.ListField(child=serializers.CharField(), help_text="Codes of the drafts updated.")
