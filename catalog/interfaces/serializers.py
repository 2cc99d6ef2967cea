"""Serializers of service interfaces and interface requests."""

from rest_framework import serializers

from dataplatform.core.models import Unit

from ..models import (
    InterfaceRequest,
    Resource,
    ServiceInterface,
)
from ..serializers import UnitRef


class ServiceInterfaceIn(serializers.ModelSerializer):
    class Meta:
        model = ServiceInterface
        fields = ["name", "specification", "call_instructions", "upstream_url"]


class ServiceInterfaceOut(serializers.ModelSerializer):
    class Meta:
        model = ServiceInterface
        fields = [
            "id",
            "resource",
            "name",
            "specification",
            "call_instructions",
            "upstream_url",
            "status",
            "review_note",
            "registered_at",
            "reviewed_at",
        ]


class InterfaceReviewIn(serializers.Serializer):
    publish = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class InterfaceRequestIn(serializers.Serializer):
    producer = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())
    resource = serializers.PrimaryKeyRelatedField(
        queryset=Resource.objects.all(), required=False, allow_null=True
    )
    description = serializers.CharField()


class InterfaceRequestOut(serializers.ModelSerializer):
    producer = UnitRef()

    class Meta:
        model = InterfaceRequest
        fields = [
            "id",
            "producer",
            "resource",
            "description",
            "requested_at",
            "due",
            "status",
            "extension_days",
            "extension_reason",
            "extension_granted",
            "interface",
            "fulfilled_at",
        ]


class ExtensionIn(serializers.Serializer):
    days = serializers.IntegerField(min_value=1, max_value=5)
    reason = serializers.CharField()


class ExtensionDecisionIn(serializers.Serializer):
    grant = serializers.BooleanField()


class FulfilIn(serializers.Serializer):
    interface = serializers.PrimaryKeyRelatedField(queryset=ServiceInterface.objects.all())
