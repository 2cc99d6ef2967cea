"""/api/v1/units/<id>/administrators/ and /api/v1/personnel-changes/: the real-name register (Q9.2)."""

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from dataplatform.core.permissions import IsPerson
from dataplatform.core.request_types import PersonApiRequest

from .administrators import (
    personnel_change_decide,
    personnel_change_file,
    personnel_changes_visible_to,
    unit_registered_people,
    units_visible_for_registration,
)
from .models import PersonnelChange, PersonnelChangeStatus, Unit, User
from .models.administrators import REGISTERED_ROLES


class RegisteredPersonOut(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username", "real_name", "phone", "email"]


class RegisteredOut(serializers.Serializer):
    role = serializers.ChoiceField([(r.value, r.label) for r in REGISTERED_ROLES])
    person = RegisteredPersonOut()


class UnitRegisterOut(serializers.Serializer):
    unit = serializers.IntegerField()
    name = serializers.CharField()
    people = RegisteredOut(many=True)
    has_data_admin = serializers.BooleanField()


class PersonnelChangeIn(serializers.Serializer):
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())
    role = serializers.ChoiceField([(r.value, r.label) for r in REGISTERED_ROLES])
    incoming = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), required=False, allow_null=True, default=None
    )
    outgoing = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), required=False, allow_null=True, default=None
    )
    real_name = serializers.CharField(required=False, allow_blank=True, default="")
    phone = serializers.CharField(required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_blank=True)  # not given: "" (the service's default)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class PersonnelChangeOut(serializers.ModelSerializer):
    unit: "serializers.StringRelatedField[Unit]" = serializers.StringRelatedField()
    incoming = RegisteredPersonOut(allow_null=True)
    outgoing = RegisteredPersonOut(allow_null=True)
    filed_by: "serializers.StringRelatedField[User]" = serializers.StringRelatedField()
    decided_by: "serializers.StringRelatedField[User]" = serializers.StringRelatedField(allow_null=True)

    class Meta:
        model = PersonnelChange
        fields = [
            "id",
            "unit",
            "role",
            "incoming",
            "outgoing",
            "real_name",
            "phone",
            "email",
            "reason",
            "status",
            "filed_by",
            "filed_at",
            "decided_by",
            "decided_at",
            "decision_note",
        ]


class PersonnelDecisionIn(serializers.Serializer):
    approve = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class UnitAdministratorsApi(APIView):
    permission_classes = [IsPerson]  # the register is read by people; an API key gets 403, not a 500

    @extend_schema(
        responses=UnitRegisterOut,
        summary="A unit's leader in charge and data administrators, by real name with contacts (Q9.2)",
    )
    def get(self, request: PersonApiRequest, pk: int) -> Response:
        unit = units_visible_for_registration(request.user).filter(pk=pk).first()
        if unit is None:
            raise Http404
        people = unit_registered_people(unit)
        return Response(
            UnitRegisterOut(
                {
                    "unit": unit.pk,
                    "name": unit.name,
                    "people": people,
                    "has_data_admin": any(p.role == "data_admin" for p in people),
                }
            ).data
        )


class PersonnelChangeListApi(generics.ListAPIView):
    """Changes of person the caller may see; ``?status=filed`` for those awaiting the authority."""

    serializer_class = PersonnelChangeOut
    permission_classes = [IsPerson]
    request: PersonApiRequest

    @extend_schema(
        parameters=[OpenApiParameter("status", str, enum=PersonnelChangeStatus.values, required=False)],
        summary="Changes of leader in charge or data administrator (Q9.2)",
    )
    def get(self, request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        changes = personnel_changes_visible_to(self.request.user)
        if self.request.query_params.get("status"):
            changes = changes.filter(status=self.request.query_params["status"])
        return changes

    @extend_schema(
        request=PersonnelChangeIn,
        responses={201: PersonnelChangeOut},
        summary="File a change of leader in charge or data administrator with the authority",
    )
    def post(self, request: PersonApiRequest) -> Response:
        body = PersonnelChangeIn(data=request.data)
        body.is_valid(raise_exception=True)
        change = personnel_change_file(actor=request.user, request=request, **body.validated_data)
        return Response(PersonnelChangeOut(change).data, status=status.HTTP_201_CREATED)


class PersonnelChangeDecisionApi(APIView):
    permission_classes = [IsPerson]

    @extend_schema(
        request=PersonnelDecisionIn,
        responses=PersonnelChangeOut,
        summary="The authority approves (the roles move) or rejects a change of person",
    )
    def post(self, request: PersonApiRequest, pk: int) -> Response:
        change = personnel_changes_visible_to(request.user).filter(pk=pk).first()
        if change is None:
            raise Http404
        body = PersonnelDecisionIn(data=request.data)
        body.is_valid(raise_exception=True)
        change = personnel_change_decide(
            actor=request.user, change=change, request=request, **body.validated_data
        )
        return Response(PersonnelChangeOut(change).data)
