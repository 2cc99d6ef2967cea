from django.utils.translation import gettext as _
from rest_framework import serializers

from dataplatform.core.audit_actions import AuditAction

from .search import AuditFilters


class ActionFilterField(serializers.ChoiceField):
    """One action, or a group of actions written with its dot; a group without its dot ("data"), as the
    search took before the vocabulary, means the same group."""

    def to_internal_value(self, data):
        if isinstance(data, str) and data and data not in self.choices and f"{data}." in self.choices:
            data = f"{data}."
        return super().to_internal_value(data)


class AuditFilterParams(serializers.Serializer):
    """The search's filters, for the page and the API alike. Dates are China Standard Time days."""

    unit = serializers.IntegerField(
        required=False, min_value=1, help_text="A unit id: acting unit or data owner."
    )
    person = serializers.IntegerField(required=False, min_value=1, help_text="A person's id.")
    action = ActionFilterField(
        AuditAction.filter_choices(),
        required=False,
        allow_blank=True,
        default="",
        help_text="An action (data.query), or a group of actions written with its dot (data.).",
    )
    resource = serializers.IntegerField(required=False, min_value=1, help_text="A catalog resource id.")
    grant = serializers.IntegerField(required=False, min_value=1, help_text="A grant id.")
    date_from = serializers.DateField(required=False, help_text="From this day (CST), inclusive.")
    date_to = serializers.DateField(required=False, help_text="To this day (CST), inclusive.")

    def validate(self, attrs: dict) -> dict:
        if attrs.get("date_from") and attrs.get("date_to") and attrs["date_from"] > attrs["date_to"]:
            raise serializers.ValidationError({"date_to": _("The end date is before the start date.")})
        return attrs

    def filters(self) -> AuditFilters:
        return AuditFilters(**self.validated_data)


class AuditEventOut(serializers.Serializer):
    id = serializers.IntegerField()
    time = serializers.CharField(help_text="ISO 8601, China Standard Time.")
    action = serializers.CharField()
    outcome = serializers.CharField()
    unit = serializers.CharField(help_text="The acting unit.")
    owner_unit = serializers.CharField(help_text="The unit whose data the operation touched.")
    person = serializers.CharField()
    api_key = serializers.CharField(help_text="The API key's prefix, for calls by an information system.")
    object_type = serializers.CharField()
    object_id = serializers.CharField()
    resource = serializers.CharField(help_text="The resource, or the event's object.")
    data_items = serializers.ListField(child=serializers.CharField())
    record_count = serializers.IntegerField(allow_null=True)
    grant = serializers.IntegerField(allow_null=True)
    purpose = serializers.CharField()
