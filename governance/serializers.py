from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.models import Resource
from catalog.serializers import ResourceRef, UnitRef
from dataplatform.core.models import Unit

from .models import (
    Complaint,
    CopyRequest,
    Dispute,
    DisputeMatter,
    InfoProject,
    ProjectAsset,
    Step,
    StepDocument,
    SubjectAuthorization,
)
from .workflow import allowed_actions, steps_of


class ActionsMixin(serializers.Serializer):
    allowed_actions = serializers.SerializerMethodField()
    status_display = serializers.CharField(source="get_status_display")

    def get_allowed_actions(self, obj) -> list[str]:
        return [name for name, _ in allowed_actions(self.context["request"].user, obj)]


class StepDocumentOut(serializers.ModelSerializer):
    class Meta:
        model = StepDocument
        fields = ["id", "original_name", "size"]


class TimelineStepOut(serializers.ModelSerializer):
    documents = StepDocumentOut(many=True)
    opinion = serializers.CharField(source="reason", required=False, allow_blank=True)

    class Meta:
        model = Step
        fields = ["action", "from_status", "to_status", "actor_name", "opinion", "at", "documents"]


class StepActIn(serializers.Serializer):
    action = serializers.CharField()
    opinion = serializers.CharField(required=False, allow_blank=True, default="")
    documents = serializers.ListField(
        child=serializers.FileField(), required=False, default=list, help_text="Multipart only."
    )


# --- projects ----------------------------------------------------------------------------------------


class ProjectIn(serializers.Serializer):
    code = serializers.CharField(max_length=40)
    name = serializers.CharField(max_length=200)
    approving_unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.filter(is_active=True))
    description = serializers.CharField(required=False, allow_blank=True, default="")
    fiscal_funds = serializers.BooleanField(required=False, default=True)
    assets = serializers.ListField(child=serializers.CharField(max_length=200), allow_empty=False)


class AssetIn(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class AssetLinkIn(serializers.Serializer):
    resource = serializers.PrimaryKeyRelatedField(queryset=Resource.objects.all(), allow_null=True)


class AssetOut(serializers.ModelSerializer):
    resource = ResourceRef(allow_null=True)

    class Meta:
        model = ProjectAsset
        fields = ["id", "name", "description", "resource"]


class ProjectOut(ActionsMixin, serializers.ModelSerializer):
    unit = UnitRef()
    approving_unit = UnitRef()
    assets = AssetOut(many=True)

    class Meta:
        model = InfoProject
        fields = [
            "id",
            "code",
            "name",
            "unit",
            "approving_unit",
            "description",
            "fiscal_funds",
            "status",
            "status_display",
            "created_at",
            "accepted_at",
            "assets",
            "allowed_actions",
        ]


class AssetReadinessOut(serializers.Serializer):
    id = serializers.IntegerField(source="asset.pk")
    name = serializers.CharField(source="asset.name")
    resource = ResourceRef(source="asset.resource", allow_null=True)
    ready = serializers.BooleanField()
    missing = serializers.ListField(
        child=serializers.CharField(), help_text="not_registered, not_published, not_aggregated"
    )


class ReadinessOut(serializers.Serializer):
    project = serializers.IntegerField(source="project.pk")
    code = serializers.CharField(source="project.code")
    stage = serializers.CharField(source="project.status")
    ready = serializers.BooleanField(help_text="Every listed asset registered and aggregated (Q4.4).")
    missing_count = serializers.IntegerField()
    assets = AssetReadinessOut(many=True)


# --- data subjects -----------------------------------------------------------------------------------


class HoldingOut(serializers.Serializer):
    resource = ResourceRef()
    producer = UnitRef(source="resource.producer")
    items = serializers.ListField(child=serializers.CharField(), help_text="Items the subject was found by.")
    keys = serializers.ListField(child=serializers.CharField())
    count = serializers.IntegerField()
    personal_items = serializers.ListField(child=serializers.DictField())


class HoldingsOut(serializers.Serializer):
    subject_kind = serializers.CharField()
    subject = serializers.CharField(help_text="The ID number or credit code, masked.")
    holdings = HoldingOut(many=True)


class CopyIn(serializers.Serializer):
    resource = serializers.PrimaryKeyRelatedField(queryset=Resource.objects.all())


class CopyOut(ActionsMixin, serializers.ModelSerializer):
    resource = ResourceRef()
    producer = UnitRef()
    has_copy = serializers.SerializerMethodField()

    class Meta:
        model = CopyRequest
        fields = [
            "id",
            "subject_kind",
            "resource",
            "producer",
            "status",
            "status_display",
            "created_at",
            "due",
            "provided_at",
            "has_copy",
            "allowed_actions",
        ]

    def get_has_copy(self, obj: CopyRequest) -> bool:
        return obj.copy is not None


class ObjectionIn(serializers.Serializer):
    resource = serializers.PrimaryKeyRelatedField(queryset=Resource.objects.all())
    keys = serializers.ListField(child=serializers.CharField(), allow_empty=False)
    items = serializers.ListField(child=serializers.CharField(), allow_empty=False)
    description = serializers.CharField(max_length=500)
    proposed_value = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)
    evidence = serializers.CharField(required=False, allow_blank=True, default="")


class AuthorizationIn(serializers.Serializer):
    grantee = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())
    resources = serializers.PrimaryKeyRelatedField(queryset=Resource.objects.all(), many=True)
    purpose = serializers.CharField(max_length=300)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()


class AuthorizationOut(ActionsMixin, serializers.ModelSerializer):
    grantee = UnitRef()
    resources = ResourceRef(many=True)

    class Meta:
        model = SubjectAuthorization
        fields = [
            "id",
            "subject_kind",
            "grantee",
            "resources",
            "purpose",
            "starts_on",
            "ends_on",
            "status",
            "status_display",
            "created_at",
            "revoked_at",
            "allowed_actions",
        ]


class AuthorizedDataOut(serializers.Serializer):
    records = serializers.ListField(child=serializers.DictField())


class ComplaintIn(serializers.Serializer):
    against = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())
    description = serializers.CharField()


class ComplaintOut(ActionsMixin, serializers.ModelSerializer):
    against = UnitRef()
    authority = UnitRef()

    class Meta:
        model = Complaint
        fields = [
            "id",
            "subject_kind",
            "against",
            "authority",
            "description",
            "status",
            "status_display",
            "created_at",
            "answered_at",
            "allowed_actions",
        ]


# --- disputes ----------------------------------------------------------------------------------------


class DisputeIn(serializers.Serializer):
    other_party = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())
    title = serializers.CharField(max_length=200)
    matter = serializers.ChoiceField(choices=DisputeMatter.choices)
    description = serializers.CharField()
    documents = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class DisputeOut(ActionsMixin, serializers.ModelSerializer):
    raised_by = UnitRef()
    other_party = UnitRef()
    authority = UnitRef()
    steps = serializers.SerializerMethodField()

    class Meta:
        model = Dispute
        fields = [
            "id",
            "title",
            "matter",
            "description",
            "raised_by",
            "other_party",
            "authority",
            "status",
            "status_display",
            "raised_by_grounds",
            "other_party_grounds",
            "authority_opinion",
            "outcome",
            "created_at",
            "closed_at",
            "steps",
            "allowed_actions",
        ]

    @extend_schema_field(TimelineStepOut(many=True))
    def get_steps(self, dispute: Dispute) -> list[dict]:
        return TimelineStepOut(steps_of(dispute), many=True).data  # type: ignore[return-value]  # many: a list
