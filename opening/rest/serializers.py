"""What the opening REST API reads and answers."""

from rest_framework import serializers

from catalog.models import OpenType
from catalog.serializers import ResourceRef, UnitRef

from ..applications import ACTIONS as APPLICATION_ACTIONS
from ..models import (
    DeidRule,
    OpenApplication,
    OpenApplicationChange,
    OpenEntry,
    OpenEntryChange,
    OpenGrant,
    UseKind,
)
from ..workflow import ACTIONS as ENTRY_ACTIONS
from ..workflow import OPEN_TYPES

# --- the open catalog -------------------------------------------------------------------------------


class ItemRuleOut(serializers.Serializer):
    item_name = serializers.CharField(help_text="The data item's identifier.")
    rule = serializers.ChoiceField(choices=DeidRule.choices, help_text="How the item is de-identified.")


class OpenEntryChangeOut(serializers.ModelSerializer):
    actor = serializers.StringRelatedField(help_text="Who took the step; empty for the platform.")  # type: ignore[var-annotated]

    class Meta:
        model = OpenEntryChange
        fields = ["action", "from_status", "to_status", "open_type", "actor", "reason", "at"]


class OpenEntryOut(serializers.ModelSerializer):
    resource = ResourceRef(help_text="The catalog entry this open entry opens (its working copy).")
    producer = UnitRef(source="resource.producer", help_text="The producing unit.")
    rules = ItemRuleOut(many=True, help_text="The de-identification rule of each personal or sensitive item.")
    changes = OpenEntryChangeOut(many=True, help_text="Every decision on the entry, oldest first.")
    actions = serializers.SerializerMethodField(
        help_text="The actions the caller may take now (POST them to …/act/)."
    )

    class Meta:
        model = OpenEntry
        fields = [
            "id",
            "slug",
            "uuid",
            "resource",
            "producer",
            "status",
            "open_type",
            "not_open_reason",
            "tags",
            "licence",
            "terms",
            "rules",
            "withdrawal_reason",
            "withdrawn_at",
            "proposed_at",
            "decided_at",
            "opened_at",
            "last_reviewed_year",
            "changes",
            "actions",
        ]

    def get_actions(self, entry: OpenEntry) -> list[str]:
        return self.context.get("actions", {}).get(entry.pk, [])


class ProposalIn(serializers.Serializer):
    resource = serializers.IntegerField(help_text="The published catalog entry (resource id) to open.")
    open_type = serializers.ChoiceField(
        choices=OpenType.choices, help_text="How it opens: universally, on application, or not open."
    )
    rules = serializers.DictField(
        child=serializers.ChoiceField(choices=DeidRule.choices),
        required=False,
        default=dict,
        help_text="A de-identification rule per data item identifier; every personal or sensitive item needs one.",
    )
    not_open_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Why it is not opened (F11): required for not_open.",
    )
    tags = serializers.ListField(
        child=serializers.CharField(max_length=50), required=False, default=list, help_text="Keywords."
    )
    terms = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Terms of use; the platform's own when empty."
    )


class EntryActIn(serializers.Serializer):
    action = serializers.ChoiceField(
        choices=list(ENTRY_ACTIONS),
        help_text="propose (again, by the producer), open, refuse, retype or withdraw (by the authority).",
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="The reason, recorded and shown: required to refuse, retype and withdraw.",
    )
    open_type = serializers.ChoiceField(
        choices=[(value, OpenType(value).label) for value in OPEN_TYPES],
        required=False,
        allow_blank=True,
        default="",
        help_text="To open or retype: the open type (the proposed one when empty).",
    )


# --- on-application opening ------------------------------------------------------------------------


class OpenApplicationChangeOut(serializers.ModelSerializer):
    actor = serializers.StringRelatedField(help_text="Who took the step.")  # type: ignore[var-annotated]

    class Meta:
        model = OpenApplicationChange
        fields = ["action", "from_status", "to_status", "actor", "reason", "at"]


class OpenGrantOut(serializers.ModelSerializer):
    class Meta:
        model = OpenGrant
        fields = [
            "id",
            "use_kind",
            "research_and_education_only",
            "commercial_use_allowed",
            "agreement_version",
            "start_date",
            "end_date",
            "is_active",
            "granted_at",
        ]


class OpenApplicationOut(serializers.ModelSerializer):
    dataset: "serializers.SlugRelatedField[OpenEntry]" = serializers.SlugRelatedField(
        source="entry", slug_field="slug", read_only=True, help_text="The dataset's public name."
    )
    organization = UnitRef(help_text="The applying organization.")
    changes = OpenApplicationChangeOut(many=True, help_text="Every step, oldest first.")
    grant = serializers.SerializerMethodField(help_text="The grant, once the agreement is accepted.")
    actions = serializers.SerializerMethodField(
        help_text="The actions the caller may take now (POST them to …/act/)."
    )

    class Meta:
        model = OpenApplication
        fields = [
            "id",
            "dataset",
            "organization",
            "scenario",
            "purpose",
            "use_kind",
            "requirements",
            "period_start",
            "period_end",
            "declares_domestic_controlled",
            "status",
            "evaluation_note",
            "decision_note",
            "agreement_version",
            "agreement_accepted_at",
            "created_at",
            "changes",
            "grant",
            "actions",
        ]

    def get_grant(self, application: OpenApplication) -> dict | None:
        grant = getattr(application, "grant", None)
        return OpenGrantOut(grant).data if grant is not None else None

    def get_actions(self, application: OpenApplication) -> list[str]:
        return self.context.get("actions", {}).get(application.pk, [])


class OpenApplicationIn(serializers.Serializer):
    dataset = serializers.SlugField(help_text="The public name of a dataset open on application.")
    scenario = serializers.CharField(help_text="The application scenario.")
    purpose = serializers.CharField(help_text="What the data is used for.")
    use_kind = serializers.ChoiceField(
        choices=UseKind.choices,
        help_text="Universities and research institutes: research or education only (Q6.5).",
    )
    requirements = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Requirements on the data, if any."
    )
    period_start = serializers.DateField(help_text="The first day of use.")
    period_end = serializers.DateField(help_text="The last day of use: at most three years on.")
    declares_domestic_controlled = serializers.BooleanField(
        required=False, default=False, help_text="An enterprise declares it is domestic-controlled (Q6.4)."
    )


class ApplicationActIn(serializers.Serializer):
    action = serializers.ChoiceField(
        choices=list(APPLICATION_ACTIONS),
        help_text="evaluate or reject_evaluation (the technical service unit), confirm or reject (the "
        "authority), accept_agreement (the applying organization).",
    )
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="The evaluation or decision note: required to reject.",
    )
    agreement_version = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="To accept_agreement: the version of the agreement accepted (see /open/agreement/).",
    )
