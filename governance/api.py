"""REST API under /api/v1/governance/: thin views over the services, selectors and the workflow."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.models import Resource
from dataplatform.core.request_types import ApiRequest, PersonApiRequest

from . import serializers as s
from .access import (
    authorization_for_user,
    authorizations_visible_to,
    complaint_for_user,
    complaints_visible_to,
    copies_visible_to,
    copy_for_user,
    dispute_for_user,
    disputes_visible_to,
    project_for_user,
    projects_visible_to,
)
from .disputes import dispute_record
from .projects import project_asset_add, project_asset_link, project_readiness_check, project_register
from .subjects import (
    authorization_grant,
    authorized_use,
    complaint_submit,
    copy_download,
    copy_request_create,
    holdings_search,
    objection_file,
)
from .workflow import act, is_subject


def _out(serializer, request: Request, obj, code: int = 200) -> Response:
    return Response(serializer(obj, context={"request": request}).data, status=code)


def _act(request: ApiRequest, obj, serializer) -> Response:
    body = s.StepActIn(data=request.data)
    body.is_valid(raise_exception=True)
    data = body.validated_data
    obj = act(
        obj=obj,
        action=data["action"],
        actor=request.user,
        opinion=data["opinion"],
        documents=request.FILES.getlist("documents"),
        request=request,
    )
    return _out(serializer, request, obj)


# --- projects ----------------------------------------------------------------------------------------


class ProjectListApi(generics.ListAPIView):
    """Projects the caller can see: its own unit's, the ones it approves, the ones under its authority.
    ``?code=`` finds one by its project code."""

    serializer_class = s.ProjectOut

    def get_queryset(self):
        projects = projects_visible_to(self.request.user).prefetch_related("assets__resource")
        if self.request.query_params.get("code"):
            projects = projects.filter(code=self.request.query_params["code"])
        return projects

    @extend_schema(parameters=[OpenApiParameter("code", str)])
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(request=s.ProjectIn, responses={201: s.ProjectOut}, summary="Register a project (Q4.4)")
    def post(self, request: PersonApiRequest) -> Response:
        body = s.ProjectIn(data=request.data)
        body.is_valid(raise_exception=True)
        project = project_register(actor=request.user, request=request, **body.validated_data)
        return _out(s.ProjectOut, request, project, status.HTTP_201_CREATED)


class ProjectDetailApi(APIView):
    @extend_schema(responses=s.ProjectOut)
    def get(self, request: ApiRequest, pk: int) -> Response:
        return _out(s.ProjectOut, request, project_for_user(request.user, pk))


class ProjectAssetsApi(APIView):
    @extend_schema(request=s.AssetIn, responses={201: s.AssetOut}, summary="List one more data asset")
    def post(self, request: PersonApiRequest, pk: int) -> Response:
        project = project_for_user(request.user, pk)
        body = s.AssetIn(data=request.data)
        body.is_valid(raise_exception=True)
        asset = project_asset_add(actor=request.user, project=project, request=request, **body.validated_data)
        return Response(s.AssetOut(asset).data, status=status.HTTP_201_CREATED)


class ProjectAssetLinkApi(APIView):
    @extend_schema(request=s.AssetLinkIn, responses=s.AssetOut, summary="Name the catalog entry of an asset")
    def patch(self, request: PersonApiRequest, pk: int, asset_pk: int) -> Response:
        project = project_for_user(request.user, pk)
        asset = project.assets.filter(pk=asset_pk).first()
        if asset is None:
            raise Http404
        body = s.AssetLinkIn(data=request.data)
        body.is_valid(raise_exception=True)
        asset = project_asset_link(actor=request.user, asset=asset, request=request, **body.validated_data)
        return Response(s.AssetOut(asset).data)


class ProjectReadinessApi(APIView):
    @extend_schema(
        responses=s.ReadinessOut,
        summary="Ready for acceptance? (Q4.4, G50)",
        description="For the approving department's system (API key) or its people: whether every data "
        "asset the project listed is registered in the catalog and aggregated, and per asset what is missing.",
    )
    def get(self, request: ApiRequest, pk: int) -> Response:
        project = project_for_user(request.user, pk)
        return Response(
            s.ReadinessOut(project_readiness_check(actor=request.user, project=project, request=request)).data
        )


class ProjectActApi(APIView):
    parser_classes = [JSONParser, MultiPartParser]

    @extend_schema(request=s.StepActIn, responses=s.ProjectOut, summary="approve_feasibility or accept")
    def post(self, request: ApiRequest, pk: int) -> Response:
        return _act(request, project_for_user(request.user, pk), s.ProjectOut)


# --- data subjects -----------------------------------------------------------------------------------


class HoldingsApi(APIView):
    @extend_schema(responses=s.HoldingsOut, summary="Which units hold data about me (G42)")
    def get(self, request: ApiRequest) -> Response:
        subject, holdings = holdings_search(actor=request.user, request=request)
        data = {"subject_kind": subject.kind, "subject": subject.masked, "holdings": holdings}
        return Response(s.HoldingsOut(data).data)


class CopyListApi(generics.ListAPIView):
    serializer_class = s.CopyOut

    def get_queryset(self):
        return copies_visible_to(self.request.user)

    @extend_schema(request=s.CopyIn, responses={201: s.CopyOut}, summary="Ask for a copy of my records (G42)")
    def post(self, request: PersonApiRequest) -> Response:
        body = s.CopyIn(data=request.data)
        body.is_valid(raise_exception=True)
        copy = copy_request_create(actor=request.user, request=request, **body.validated_data)
        return _out(s.CopyOut, request, copy, status.HTTP_201_CREATED)


class CopyActApi(APIView):
    @extend_schema(request=s.StepActIn, responses=s.CopyOut, summary="provide or refuse (the producer)")
    def post(self, request: ApiRequest, pk: int) -> Response:
        return _act(request, copy_for_user(request.user, pk), s.CopyOut)


class CopyDownloadApi(APIView):
    @extend_schema(responses=s.AuthorizedDataOut, summary="The copy provided (the subject)")
    def get(self, request: PersonApiRequest, pk: int) -> Response:
        copy = copy_for_user(request.user, pk)
        if not is_subject(request.user, copy):
            raise PermissionDenied  # the producer sees the request, the copy is the subject's
        return Response({"records": copy_download(actor=request.user, copy=copy, request=request)})


class ObjectionApi(APIView):
    parser_classes = [JSONParser, MultiPartParser]

    @extend_schema(
        request=s.ObjectionIn,
        responses={201: dict},
        summary="Object to wrong data about me (G42): a correction ticket",
    )
    def post(self, request: PersonApiRequest) -> Response:
        body = s.ObjectionIn(data=request.data)
        body.is_valid(raise_exception=True)
        ticket = objection_file(
            actor=request.user,
            request=request,
            attachment=request.FILES.get("attachment"),
            **body.validated_data,
        )
        return Response(
            {"ticket": ticket.pk, "url": f"/correction/{ticket.pk}/"}, status=status.HTTP_201_CREATED
        )


class AuthorizationListApi(generics.ListAPIView):
    """The subject's authorizations, or those given to the caller's unit."""

    serializer_class = s.AuthorizationOut

    def get_queryset(self):
        return authorizations_visible_to(self.request.user)

    @extend_schema(
        request=s.AuthorizationIn,
        responses={201: s.AuthorizationOut},
        summary="Authorize a unit to use my sensitive data (G41)",
    )
    def post(self, request: PersonApiRequest) -> Response:
        body = s.AuthorizationIn(data=request.data)
        body.is_valid(raise_exception=True)
        authorization = authorization_grant(actor=request.user, request=request, **body.validated_data)
        return _out(s.AuthorizationOut, request, authorization, status.HTTP_201_CREATED)


class AuthorizationActApi(APIView):
    @extend_schema(request=s.StepActIn, responses=s.AuthorizationOut, summary="revoke (the subject)")
    def post(self, request: ApiRequest, pk: int) -> Response:
        return _act(request, authorization_for_user(request.user, pk), s.AuthorizationOut)


class AuthorizedDataApi(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("subject", str, required=True, description="ID number or credit code"),
            OpenApiParameter("resource", int, required=True),
            OpenApiParameter("purpose", str, required=True),
        ],
        responses=s.AuthorizedDataOut,
        summary="Use a subject's data under its authorization (G41)",
        description="For the authorized unit (API key or its people). Each call checks the authorization "
        "and is audited; a refusal is a 403 whose `reason` says why (no_authorization, "
        "authorization_revoked, authorization_expired, authorization_not_started).",
    )
    def get(self, request: ApiRequest) -> Response:
        params = request.query_params
        resource_id = params.get("resource", "")
        resource = Resource.objects.filter(pk=resource_id).first() if resource_id.isdigit() else None
        if resource is None:
            raise Http404
        records = authorized_use(
            actor=request.user,
            subject_id=params.get("subject", ""),
            resource=resource,
            purpose=params.get("purpose", ""),
            request=request,
        )
        return Response({"records": records})


class ComplaintListApi(generics.ListAPIView):
    serializer_class = s.ComplaintOut

    def get_queryset(self):
        return complaints_visible_to(self.request.user)

    @extend_schema(
        request=s.ComplaintIn, responses={201: s.ComplaintOut}, summary="Complain to the authority (G43)"
    )
    def post(self, request: PersonApiRequest) -> Response:
        body = s.ComplaintIn(data=request.data)
        body.is_valid(raise_exception=True)
        complaint = complaint_submit(actor=request.user, request=request, **body.validated_data)
        return _out(s.ComplaintOut, request, complaint, status.HTTP_201_CREATED)


class ComplaintActApi(APIView):
    @extend_schema(request=s.StepActIn, responses=s.ComplaintOut, summary="accept or answer (the authority)")
    def post(self, request: ApiRequest, pk: int) -> Response:
        return _act(request, complaint_for_user(request.user, pk), s.ComplaintOut)


# --- disputes ----------------------------------------------------------------------------------------


class DisputeListApi(generics.ListAPIView):
    serializer_class = s.DisputeOut
    parser_classes = [JSONParser, MultiPartParser]

    def get_queryset(self):
        return disputes_visible_to(self.request.user)

    @extend_schema(
        request={"application/json": s.DisputeIn, "multipart/form-data": s.DisputeIn},
        responses={201: s.DisputeOut},
        summary="Record a dispute with another unit (G51)",
    )
    def post(self, request: PersonApiRequest) -> Response:
        body = s.DisputeIn(data=request.data)
        body.is_valid(raise_exception=True)
        data = {**body.validated_data, "documents": request.FILES.getlist("documents")}
        dispute = dispute_record(actor=request.user, request=request, **data)
        return _out(s.DisputeOut, request, dispute, status.HTTP_201_CREATED)


class DisputeDetailApi(APIView):
    @extend_schema(responses=s.DisputeOut)
    def get(self, request: ApiRequest, pk: int) -> Response:
        return _out(s.DisputeOut, request, dispute_for_user(request.user, pk))


class DisputeActApi(APIView):
    parser_classes = [JSONParser, MultiPartParser]

    @extend_schema(
        request={"application/json": s.StepActIn, "multipart/form-data": s.StepActIn},
        responses=s.DisputeOut,
        summary="Take a step: settle, ask_coordination, convene_consultation, prepare_report, "
        "state_grounds, report, record_decision, add_documents",
    )
    def post(self, request: ApiRequest, pk: int) -> Response:
        return _act(request, dispute_for_user(request.user, pk), s.DisputeOut)
