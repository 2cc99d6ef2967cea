from rest_framework import serializers

from .business_days import MAX_BUSINESS_DAYS
from .models import ApiKey, Notification, Unit


class AddBusinessDaysQuery(serializers.Serializer):
    start = serializers.DateField(help_text="The day the clock starts (not counted), YYYY-MM-DD.")
    days = serializers.IntegerField(min_value=0, max_value=MAX_BUSINESS_DAYS)


class AddBusinessDaysResult(serializers.Serializer):
    start = serializers.DateField()
    days = serializers.IntegerField()
    due = serializers.DateField()
    official = serializers.BooleanField(
        help_text="False when a year on the way has no published arrangement."
    )


class CalendarDayOut(serializers.Serializer):
    date = serializers.DateField()
    name = serializers.CharField()


class CalendarYearOut(serializers.Serializer):
    year = serializers.IntegerField()
    official = serializers.BooleanField()
    notice = serializers.CharField()
    days_off = CalendarDayOut(many=True, help_text="Statutory holidays (weekends inside them included).")
    adjusted_workdays = CalendarDayOut(many=True, help_text="Saturdays and Sundays that are worked (调休).")


class UnitOut(serializers.ModelSerializer):
    class Meta:
        model = Unit
        # identity_status: a public organization acts as itself once "verified" (issue 18)
        fields = ["id", "name", "credit_code", "kind", "level", "region", "identity_status"]


class MeOut(serializers.Serializer):
    username = serializers.CharField(allow_null=True)
    real_name = serializers.CharField(allow_null=True)
    unit = UnitOut(allow_null=True)
    roles = serializers.ListField(child=serializers.CharField())
    api_key = serializers.CharField(
        allow_null=True, help_text="The prefix of the key used, for a REST client."
    )


class NotificationOut(serializers.ModelSerializer):
    title = serializers.CharField(
        source="display_title", read_only=True, help_text="In the request's language (Accept-Language)."
    )

    class Meta:
        model = Notification
        fields = ["id", "title", "body", "url", "created_at", "read_at"]


class MarkReadIn(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(), required=False, help_text="Omit to mark all."
    )


class ApiKeyOut(serializers.ModelSerializer):
    usable = serializers.BooleanField(source="is_usable", read_only=True)

    class Meta:
        model = ApiKey
        fields = ["id", "name", "prefix", "created_at", "expires_at", "revoked_at", "last_used_at", "usable"]


class ApiKeyIn(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    expires_at = serializers.DateTimeField(required=False, allow_null=True)


class ApiKeyIssuedOut(ApiKeyOut):
    key = serializers.CharField(help_text="The whole key. It is shown only this once.")

    class Meta(ApiKeyOut.Meta):
        fields = [*ApiKeyOut.Meta.fields, "key"]
