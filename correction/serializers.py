from rest_framework import serializers

from catalog.models import Resource
from catalog.serializers import UnitRef
from dataplatform.core.models import User

from .models import DESCRIPTION_MAX_LENGTH, MAX_KEYS, CorrectionTicket, TicketStep
from .workflow import ACTIONS, allowed_actions, is_platform

PEOPLES_ACTIONS = [name for name, action in ACTIONS.items() if action.allowed is not is_platform]


class TicketIn(serializers.Serializer):
    resource = serializers.PrimaryKeyRelatedField(queryset=Resource.objects.all())
    keys = serializers.ListField(
        child=serializers.CharField(), allow_empty=False, max_length=MAX_KEYS, help_text="Record keys."
    )
    items = serializers.ListField(
        child=serializers.CharField(), allow_empty=False, help_text="Identifiers of the wrong data items."
    )
    description = serializers.CharField(
        max_length=DESCRIPTION_MAX_LENGTH, help_text="What is wrong, briefly and precisely (Q7.1)."
    )
    proposed_value = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)
    evidence = serializers.CharField(required=False, allow_blank=True, default="")
    attachment = serializers.FileField(required=False, help_text="Evidence, as a file (multipart only).")


class TicketStepOut(serializers.ModelSerializer):
    # The API's name for the step's reason.
    opinion = serializers.CharField(source="reason", required=False, allow_blank=True)

    class Meta:
        model = TicketStep
        fields = ["action", "from_status", "to_status", "actor_name", "opinion", "at"]


class TicketOut(serializers.ModelSerializer):
    resource = serializers.SerializerMethodField()
    producer = UnitRef()
    reporter: "serializers.StringRelatedField[User]" = serializers.StringRelatedField()
    reporter_unit = UnitRef(allow_null=True)
    status_display = serializers.CharField(source="get_status_display")
    is_overdue = serializers.BooleanField()
    steps = TicketStepOut(many=True)
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = CorrectionTicket
        fields = [
            "id",
            "kind",
            "resource",
            "producer",
            "keys",
            "items",
            "description",
            "proposed_value",
            "evidence",
            "reporter",
            "reporter_unit",
            "status",
            "status_display",
            "reported_at",
            "dispatched_at",
            "decision_due",
            "decided_at",
            "correction_due",
            "corrected_at",
            "confirmed_at",
            "reopen_count",
            "due",
            "is_overdue",
            "steps",
            "allowed_actions",
        ]

    def get_resource(self, ticket: CorrectionTicket) -> dict:
        return {"id": ticket.resource_id, "code": ticket.resource.code, "name": ticket.resource.name}

    def get_allowed_actions(self, ticket: CorrectionTicket) -> list[str]:
        return [name for name, _ in allowed_actions(self.context["request"].user, ticket)]


class TicketActIn(serializers.Serializer):
    action = serializers.ChoiceField(choices=PEOPLES_ACTIONS)
    opinion = serializers.CharField(required=False, allow_blank=True, default="")


class CorrectionStatisticsOut(serializers.Serializer):
    producer = serializers.IntegerField()
    producer_name = serializers.CharField()
    received = serializers.IntegerField(help_text="Tickets dispatched to the unit.")
    decided = serializers.IntegerField()
    decided_on_time = serializers.IntegerField(help_text="Decided within 5 business days (Q7.2).")
    corrected = serializers.IntegerField(help_text="Corrected records seen re-aggregated.")
    corrected_on_time = serializers.IntegerField(
        help_text="Re-aggregated within 10 business days of the decision (Q7.2)."
    )
    overdue_now = serializers.IntegerField()
    median_days_to_correct = serializers.FloatField(
        allow_null=True, help_text="Median business days from the decision to the corrected records."
    )
