from typing import cast

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.models import Resource, ServiceMethod
from catalog.serializers import UnitRef
from dataplatform.core.models import User

from .misuse import grant_usage
from .models import Application, ApplicationLine, ApplicationStep, Attachment, Grant, GrantEvent, UsageReport

LINE_RESOURCES = "line_resources"  # the context's key for the resources LineListIn read


class LineListIn(serializers.ListSerializer):
    """The lines of an application: their resources read in one query, not one per line."""

    def to_internal_value(self, data):
        if isinstance(data, list):
            pks = {line.get("resource") for line in data if isinstance(line, dict)}
            self.context[LINE_RESOURCES] = Resource.objects.in_bulk(
                [pk for pk in pks if isinstance(pk, int) and not isinstance(pk, bool)]
                + [int(pk) for pk in pks if isinstance(pk, str) and pk.isascii() and pk.isdigit()]
            )
        return super().to_internal_value(data)


class LineResourceField(serializers.PrimaryKeyRelatedField):
    """A line's resource: one its list read already, else (missing, or a bad value) as PrimaryKeyRelatedField
    answers, with the same errors."""

    def to_internal_value(self, data):
        known = self.context.get(LINE_RESOURCES, {})
        if isinstance(data, str) and data.isascii() and data.isdigit():
            found = known.get(int(data))
        else:
            found = known.get(data) if isinstance(data, int) and not isinstance(data, bool) else None
        return found if found is not None else super().to_internal_value(data)


class LineIn(serializers.Serializer):
    resource = LineResourceField(queryset=Resource.objects.all())
    items = serializers.ListField(child=serializers.CharField(), allow_empty=False)

    class Meta:
        list_serializer_class = LineListIn


class ApplicationIn(serializers.ModelSerializer):
    lines = LineIn(many=True, required=False)
    service_method = serializers.ChoiceField(choices=ServiceMethod.choices)

    class Meta:
        model = Application
        fields = [
            "business_matter",
            "scenario",
            "information_system",
            "service_method",
            "scope",
            "end_date",
            "lines",
        ]


class LineOut(serializers.ModelSerializer):
    resource = serializers.SerializerMethodField()

    class Meta:
        model = ApplicationLine
        fields = ["resource", "items", "producer_agrees", "producer_opinion", "producer_answered_at"]

    def get_resource(self, line: ApplicationLine) -> dict:
        resource = line.resource
        return {
            "id": resource.pk,
            "code": resource.code,
            "name": resource.name,
            "share_type": resource.share_type,
        }


class StepOut(serializers.ModelSerializer):
    actor: "serializers.StringRelatedField[User]" = serializers.StringRelatedField()
    # The API's name for the step's reason.
    opinion = serializers.CharField(source="reason", required=False, allow_blank=True)

    class Meta:
        model = ApplicationStep
        fields = ["action", "from_status", "to_status", "actor", "opinion", "at"]


class AttachmentOut(serializers.ModelSerializer):
    class Meta:
        model = Attachment
        fields = ["id", "title", "uploaded_at"]


class ApplicationOut(serializers.ModelSerializer):
    applicant_unit = UnitRef()
    applicant: "serializers.StringRelatedField[User]" = serializers.StringRelatedField()
    lines = LineOut(many=True)
    steps = StepOut(many=True)
    attachments = AttachmentOut(many=True)
    is_overdue = serializers.BooleanField()
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = Application
        fields = [
            "id",
            "applicant_unit",
            "applicant",
            "business_matter",
            "scenario",
            "information_system",
            "service_method",
            "scope",
            "end_date",
            "status",
            "due",
            "is_overdue",
            "decision_basis",
            "decision_reason",
            "filed_with_city_at",
            "submitted_at",
            "created_at",
            "lines",
            "attachments",
            "steps",
            "allowed_actions",
        ]

    def get_allowed_actions(self, application: Application) -> list[str]:
        from .workflow import allowed_actions

        return [name for name, _ in allowed_actions(self.context["request"].user, application)]


class ActIn(serializers.Serializer):
    action = serializers.CharField()
    opinion = serializers.CharField(required=False, allow_blank=True, default="")
    basis = serializers.CharField(required=False, allow_blank=True, default="")


ATTACHMENT_TITLE_MAX = cast(int, Attachment._meta.get_field("title").max_length)  # a CharField: always set


class AttachmentIn(serializers.Serializer):
    # Bound as the model's field is: an over-long title is a 400 with a field error, not a 500.
    title = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=ATTACHMENT_TITLE_MAX,
    )
    file = serializers.FileField()


class GrantEventOut(serializers.ModelSerializer):
    actor: "serializers.StringRelatedField[User]" = serializers.StringRelatedField()

    class Meta:
        model = GrantEvent
        fields = ["from_status", "to_status", "actor", "reason", "at"]


class GrantLimitsOut(serializers.Serializer):
    rate_per_minute = serializers.IntegerField(
        help_text="Data calls allowed per minute under this grant (its own limit, or the platform's)."
    )
    daily_quota = serializers.IntegerField(
        help_text="Data calls allowed per calendar day (China Standard Time) under this grant."
    )
    used_today = serializers.IntegerField(help_text="Data calls counted against the quota today.")
    remaining_today = serializers.IntegerField(help_text="Data calls left in today's quota.")
    daily_row_quota = serializers.IntegerField(
        help_text="Records the grant's calls may return per calendar day (list pages count their rows)."
    )
    rows_today = serializers.IntegerField(help_text="Records returned today, counted against that quota.")
    rows_remaining_today = serializers.IntegerField(help_text="Records left in today's quota.")


class GrantOut(serializers.ModelSerializer):
    unit = UnitRef()
    resource = serializers.SerializerMethodField()
    events = GrantEventOut(many=True)
    limits = serializers.SerializerMethodField(
        help_text="The grant's rate and daily quotas of calls and records for the data interface, and "
        "today's use."
    )

    class Meta:
        model = Grant
        fields = [
            "id",
            "application",
            "unit",
            "resource",
            "items",
            "service_method",
            "scenario",
            "end_date",
            "status",
            "status_reason",
            "granted_at",
            "events",
            "limits",
        ]

    def get_resource(self, grant: Grant) -> dict:
        return {"id": grant.resource_id, "code": grant.resource.code, "name": grant.resource.name}

    @extend_schema_field(GrantLimitsOut)
    def get_limits(self, grant: Grant) -> dict:
        # A list reads the page's counters at once and passes them in the context (api.GrantListApi).
        usage = self.context.get("usage_today") or grant_usage([grant])
        used = usage[grant.pk]
        return {
            "rate_per_minute": used.rate,
            "daily_quota": used.quota,
            "used_today": used.today,
            "remaining_today": used.left_today,
            "daily_row_quota": used.row_quota,
            "rows_today": used.rows_today,
            "rows_remaining_today": used.rows_left_today,
        }


class GrantChangeIn(serializers.Serializer):
    move = serializers.ChoiceField(choices=["suspend", "resume", "end"])
    reason = serializers.CharField()


class UsageReportIn(serializers.ModelSerializer):
    class Meta:
        model = UsageReport
        fields = [
            "period_start",
            "period_end",
            "purpose",
            "users",
            "approver",
            "data_content",
            "method",
            "medium",
        ]


class UsageReportOut(serializers.ModelSerializer):
    filed_by: "serializers.StringRelatedField[User]" = serializers.StringRelatedField()

    class Meta:
        model = UsageReport
        fields = ["id", "grant", *UsageReportIn.Meta.fields, "filed_by", "filed_at"]
