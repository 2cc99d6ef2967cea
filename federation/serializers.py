"""The federation's REST API shapes (/api/v1/federation/): peers and their state, the other nodes' catalog
entries and open datasets, and back-flow applications with their timelines."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.serializers import ProviderRef, ResourceRef
from dataplatform.core.models import Unit, User

from .backflow import ACTIONS, backflow_actions, backflow_may_apply, entry_items, step_title
from .cascade import RELATIONS
from .models import (
    BackflowRequest,
    BackflowStatus,
    BackflowStep,
    Export,
    NodeLevel,
    Peer,
    RemoteDataset,
    RemoteEntry,
)
from .selectors import PeerState

RELATION_CHOICES = [("upper", "upper"), ("lower", "lower"), ("same", "same")]


class NodeRef(serializers.ModelSerializer):
    """A node by its id, name, level and where it stands relative to this one."""

    relation = serializers.ChoiceField(choices=RELATION_CHOICES, read_only=True)

    class Meta:
        model = Peer
        fields = ["id", "node_id", "name", "level", "region", "relation"]


# --- query parameters -------------------------------------------------------------------------------------


class OpenNetworkQuery(serializers.Serializer):
    q = serializers.CharField(
        required=False, default="", allow_blank=True, max_length=100, help_text="Every word, anywhere."
    )
    origin = serializers.IntegerField(required=False, min_value=1, help_text="A peer's id: its own only.")


class RemoteEntryQuery(OpenNetworkQuery):
    relation = serializers.ChoiceField(
        choices=list(RELATIONS),
        required=False,
        help_text="upper: the upper node's catalog; lower: what the lower nodes registered here.",
    )
    retired = serializers.BooleanField(required=False, default=False, help_text="Include retired entries.")


class BackflowQuery(serializers.Serializer):
    mine = serializers.BooleanField(required=False, default=False, help_text="My unit's applications only.")
    todo = serializers.BooleanField(
        required=False, default=False, help_text="The ones whose review I owe now, earliest due first."
    )
    status = serializers.ChoiceField(
        choices=BackflowStatus.choices, required=False, help_text="In this status."
    )


# --- peers -------------------------------------------------------------------------------------------


class PeerOut(serializers.ModelSerializer):
    relation = serializers.ChoiceField(choices=RELATION_CHOICES, read_only=True)

    class Meta:
        model = Peer
        fields = [
            "id",
            "node_id",
            "name",
            "url",
            "level",
            "region",
            "public_key",
            "unit",
            "relation",
            "status",
            "status_reason",
            "last_contact_at",
            "last_sent_at",
            "last_received_at",
            "last_error",
            "last_error_at",
            "failures",
            "next_attempt_at",
        ]


class PeerStateOut(serializers.Serializer):
    """A peer with its delivery state: what the federation page and the supervision tile show."""

    peer = PeerOut()
    backlog = serializers.IntegerField(help_text="Messages waiting in the outbox for this peer.")
    oldest_pending_at = serializers.DateTimeField(allow_null=True)
    parked = serializers.IntegerField(
        help_text="Messages received that wait for an earlier one of their stream."
    )
    down = serializers.BooleanField(help_text="Active, but its last delivery failed and it is backing off.")


class ExportOut(serializers.ModelSerializer):
    """A back-flow from this node to a lower node: the application made here for it, its grant, and the
    transfer's progress."""

    resource = ResourceRef()

    class Meta:
        model = Export
        fields = [
            "id",
            "request_id",
            "resource",
            "application",
            "grant",
            "items",
            "region_prefix",
            "status",
            "phase",
            "rows_sent",
            "deletions_sent",
            "last_chunk_at",
            "created_at",
        ]


class PeerDetailOut(PeerStateOut):
    exports = serializers.SerializerMethodField(help_text="Back-flow to this node (a lower node's only).")

    @extend_schema_field(ExportOut(many=True))
    def get_exports(self, state: PeerState) -> list:
        return list(ExportOut(self.context["exports"], many=True).data)


class PeerIn(serializers.Serializer):
    """A peer as its administrator read it out; the key is trusted once its fingerprint was confirmed
    out of band (docs/federation.md §3)."""

    node_id = serializers.CharField(max_length=64)
    name = serializers.CharField(max_length=200)
    url = serializers.URLField()
    level = serializers.ChoiceField(choices=NodeLevel.choices)
    region = serializers.CharField(max_length=6)
    public_key = serializers.CharField(max_length=44)
    unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="The local unit that stands for the peer (its requests and grants here).",
    )


class PeerActIn(serializers.Serializer):
    action = serializers.ChoiceField(choices=[("suspend", "suspend"), ("resume", "resume")])
    reason = serializers.CharField(
        max_length=1000, required=False, allow_blank=True, default="", help_text="Required to suspend."
    )


# --- the other nodes' catalogs -----------------------------------------------------------------------


class RemoteEntryOut(serializers.ModelSerializer):
    origin = NodeRef()

    class Meta:
        model = RemoteEntry
        fields = [
            "id",
            "origin",
            "code",
            "version",
            "name",
            "description",
            "producer_name",
            "category",
            "share_type",
            "open_type",
            "update_frequency",
            "status",
            "published_at",
            "retired_at",
            "received_at",
            "updated_at",
        ]


# A data item as the origin describes it (a serializer could not name a field ``label``: DRF's own).
REMOTE_ITEM = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "label": {"type": "string"},
        "item_type": {"type": "string"},
        "is_key": {"type": "boolean"},
    },
    "required": ["name"],
}


class RemoteEntryDetailOut(RemoteEntryOut):
    items = serializers.SerializerMethodField()
    metadata = serializers.ListField(
        child=serializers.DictField(),
        help_text="The national catalog metadata rows (the guide's columns, in Chinese), one per data item.",
    )
    may_apply = serializers.SerializerMethodField(
        help_text="Whether the caller may apply for it to flow back (an upper node's available entry)."
    )

    class Meta(RemoteEntryOut.Meta):
        fields = [*RemoteEntryOut.Meta.fields, "items", "metadata", "may_apply"]

    @extend_schema_field({"type": "array", "items": REMOTE_ITEM})
    def get_items(self, entry: RemoteEntry) -> list[dict]:
        keys = ("name", "label", "item_type", "is_key")
        return [{key: item[key] for key in keys if key in item} for item in entry_items(entry)]

    def get_may_apply(self, entry: RemoteEntry) -> bool:
        return backflow_may_apply(self.context["request"].user, entry)


class RemoteDatasetOut(serializers.ModelSerializer):
    origin = NodeRef()

    class Meta:
        model = RemoteDataset
        fields = [
            "id",
            "origin",
            "slug",
            "title",
            "description",
            "publisher_name",
            "open_type",
            "tags",
            "licence",
            "landing_url",
            "distributions",
            "opened_at",
            "updated_at",
        ]


# --- back-flow -----------------------------------------------------------------------------------------


class BackflowStepOut(serializers.ModelSerializer):
    # None for the upper node's answers: no person of this node took them.
    actor: "serializers.StringRelatedField[User]" = serializers.StringRelatedField(allow_null=True)
    title = serializers.SerializerMethodField()
    opinion = serializers.CharField(source="reason")

    class Meta:
        model = BackflowStep
        fields = [
            "action",
            "title",
            "from_status",
            "to_status",
            "upstream",
            "status_label",
            "actor",
            "opinion",
            "at",
        ]

    def get_title(self, step: BackflowStep) -> str:
        return step_title(step)


class BackflowRowOut(serializers.ModelSerializer):
    """An application in a list; its own address (``BackflowOut``) also says the steps open to the caller."""

    remote_entry = RemoteEntryOut()
    applicant_unit = ProviderRef()
    created_by: "serializers.StringRelatedField[User]" = serializers.StringRelatedField()
    steps = BackflowStepOut(many=True)

    class Meta:
        model = BackflowRequest
        fields = [
            "id",
            "remote_entry",
            "applicant_unit",
            "created_by",
            "items",
            "business_matter",
            "scenario",
            "basis",
            "end_date",
            "status",
            "due",
            "upstream_application",
            "upstream_status",
            "mirror",
            "transfer_phase",
            "rows_received",
            "deletions_received",
            "last_transfer_at",
            "created_at",
            "steps",
        ]
        extra_kwargs = {
            "mirror": {
                "help_text": "The local entry the granted data flows into (its id in /api/v1/catalog/resources/)."
            }
        }


class BackflowOut(BackflowRowOut):
    allowed_actions = serializers.SerializerMethodField()

    class Meta(BackflowRowOut.Meta):
        fields = [*BackflowRowOut.Meta.fields, "allowed_actions"]

    def get_allowed_actions(self, request: BackflowRequest) -> list[str]:
        return [name for name, _action in backflow_actions(self.context["request"].user, request)]


class BackflowIn(serializers.Serializer):
    remote_entry = serializers.IntegerField(
        min_value=1, help_text="The upper node's entry (its id in /api/v1/federation/remote-entries/)."
    )
    items = serializers.ListField(
        child=serializers.CharField(max_length=100),
        min_length=1,
        max_length=500,
        help_text="The data items asked for, by name (minimum necessary); the key item is always included.",
    )
    business_matter = serializers.CharField(max_length=200)
    scenario = serializers.CharField(max_length=10_000)
    basis = serializers.CharField(max_length=10_000, required=False, allow_blank=True, default="")
    end_date = serializers.DateField()


class BackflowActIn(serializers.Serializer):
    action = serializers.ChoiceField(choices=list(ACTIONS))
    opinion = serializers.CharField(
        max_length=10_000,
        required=False,
        allow_blank=True,
        default="",
        help_text="The reasons; required to refuse.",
    )
