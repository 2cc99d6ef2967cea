"""/api/v1/organizations/verifications/: public organizations' registrations and the authority's
verification of their documents (issue 18), as the /units/verifications/ page shows them."""

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from dataplatform.core.permissions import IsPerson
from dataplatform.core.request_types import PersonApiRequest

from .identity import identity_decide, organizations_for_verification
from .models import IdentityProof, IdentityStatus, Unit, User


class IdentityProofOut(serializers.ModelSerializer):
    class Meta:
        model = IdentityProof
        fields = ["id", "original_name", "content_type", "size", "uploaded_at"]


class OrganizationVerificationOut(serializers.ModelSerializer):
    identity_proofs = IdentityProofOut(many=True)
    identity_decided_by: "serializers.StringRelatedField[User]" = serializers.StringRelatedField(
        allow_null=True
    )

    class Meta:
        model = Unit
        fields = [
            "id",
            "name",
            "kind",
            "credit_code",
            "region",
            "created_at",
            "identity_status",
            "identity_decided_at",
            "identity_decided_by",
            "identity_note",
            "identity_proofs",
        ]


class VerificationDecisionIn(serializers.Serializer):
    approve = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class OrganizationVerificationListApi(generics.ListAPIView):
    """Registrations the caller may see; ``?status=unverified`` for those awaiting verification."""

    serializer_class = OrganizationVerificationOut
    permission_classes = [IsPerson]
    request: PersonApiRequest

    @extend_schema(
        parameters=[OpenApiParameter("status", str, enum=IdentityStatus.values, required=False)],
        summary="Public organizations' registrations and their verification (issue 18)",
    )
    def get(self, request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        organizations = organizations_for_verification(self.request.user).prefetch_related("identity_proofs")
        if self.request.query_params.get("status"):
            organizations = organizations.filter(identity_status=self.request.query_params["status"])
        return organizations.order_by("-created_at", "-id")


class OrganizationVerificationDecisionApi(APIView):
    permission_classes = [IsPerson]

    @extend_schema(
        request=VerificationDecisionIn,
        responses=OrganizationVerificationOut,
        summary="The data authority verifies an organization's registration documents, or rejects them",
    )
    def post(self, request: PersonApiRequest, pk: int) -> Response:
        unit = organizations_for_verification(request.user).filter(pk=pk).first()
        if unit is None:
            raise Http404
        body = VerificationDecisionIn(data=request.data)
        body.is_valid(raise_exception=True)
        unit = identity_decide(actor=request.user, unit=unit, request=request, **body.validated_data)
        return Response(OrganizationVerificationOut(unit).data)
