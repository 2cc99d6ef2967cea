from django.core.exceptions import PermissionDenied
from django.db.models import prefetch_related_objects
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dataplatform.core.request_types import ApiRequest, PersonApiRequest

from . import serializers as s
from .access import application_for_user, applications_visible_to, grant_for_user, grants_visible_to
from .misuse import grant_usage
from .models import ApplicationStatus
from .services import application_create, application_update, attachment_add, grant_change, usage_report_file
from .workflow import LINES, application_act, is_applicant


def _out(request: Request, application, code: int = 200) -> Response:
    # What the answer shows, a query each (lines already read with the application are not read again).
    prefetch_related_objects([application], LINES, "attachments", "steps__actor")
    return Response(s.ApplicationOut(application, context={"request": request}).data, status=code)


class ApplicationListApi(generics.ListAPIView):
    """Applications the caller can see. ``?mine=1``: my unit's; ``?todo=1``: the ones whose step I owe;
    ``?status=``. Sorted by due date, overdue first."""

    serializer_class = s.ApplicationOut
    request: ApiRequest

    def get_queryset(self):
        applications = applications_visible_to(self.request.user).prefetch_related(
            "lines__resource__producer", "lines__resource__items", "steps__actor", "attachments"
        )
        params = self.request.query_params
        if params.get("mine"):
            # A person's unit, or an API key's: both callers have a ``unit`` (None for a person of none).
            applications = applications.filter(applicant_unit=getattr(self.request.user, "unit", None))
        if params.get("status"):
            applications = applications.filter(status=params["status"])
        return applications.order_by("due", "-id")

    def list(self, request: Request, *args, **kwargs) -> Response:
        if request.query_params.get("todo"):
            from .workflow import allowed_actions

            todo = [
                a
                for a in self.get_queryset().exclude(status=ApplicationStatus.DRAFT)
                if allowed_actions(self.request.user, a)  # (self.request is request, typed)
            ]
            page: list | None = self.paginate_queryset(todo)  # type: ignore[arg-type]  # DRF pages any sequence
            return self.get_paginated_response(self.get_serializer(page, many=True).data)
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=s.ApplicationIn, responses={201: s.ApplicationOut}, summary="Start an application (draft)"
    )
    def post(self, request: PersonApiRequest) -> Response:
        body = s.ApplicationIn(data=request.data)
        body.is_valid(raise_exception=True)
        application = application_create(actor=request.user, request=request, **body.validated_data)
        return _out(request, application, status.HTTP_201_CREATED)


class ApplicationDetailApi(APIView):
    @extend_schema(responses=s.ApplicationOut, summary="An application with its timeline")
    def get(self, request: ApiRequest, pk: int) -> Response:
        return _out(request, application_for_user(request.user, pk))

    @extend_schema(
        request=s.ApplicationIn, responses=s.ApplicationOut, summary="Change a draft or returned one"
    )
    def patch(self, request: PersonApiRequest, pk: int) -> Response:
        application = application_for_user(request.user, pk)
        if not is_applicant(request.user, application):
            raise PermissionDenied
        body = s.ApplicationIn(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        return _out(
            request,
            application_update(
                actor=request.user, application=application, request=request, **body.validated_data
            ),
        )


class ApplicationActApi(APIView):
    @extend_schema(
        request=s.ActIn,
        responses=s.ApplicationOut,
        summary="Take a step: submit, withdraw, reasonable, unreasonable, agree, disagree, forward, approve, "
        "return, refuse, county_refuse, coordinate_approve, coordinate_refuse, configure",
    )
    def post(self, request: ApiRequest, pk: int) -> Response:
        application = application_for_user(request.user, pk)
        body = s.ActIn(data=request.data)
        body.is_valid(raise_exception=True)
        return _out(
            request,
            application_act(
                application=application, actor=request.user, request=request, **body.validated_data
            ),
        )


class AttachmentApi(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(request=s.AttachmentIn, responses={201: s.AttachmentOut}, summary="Attach a document")
    def post(self, request: PersonApiRequest, pk: int) -> Response:
        application = application_for_user(request.user, pk)
        if not is_applicant(request.user, application):
            raise PermissionDenied
        body = s.AttachmentIn(data=request.data)
        body.is_valid(raise_exception=True)
        attachment = attachment_add(
            actor=request.user, application=application, request=request, **body.validated_data
        )
        return Response(s.AttachmentOut(attachment).data, status=status.HTTP_201_CREATED)


class GrantListApi(generics.ListAPIView):
    """Grants the caller holds, whose data it produces, or that its authority governs. ``?status=``.
    Each says its rate, its daily quotas of calls and records and today's use (``limits``)."""

    serializer_class = s.GrantOut

    def get_serializer(self, *args, **kwargs):
        if args and kwargs.get("many"):
            # Today's calls of the whole page in one cache read, not one per grant.
            grants = list(args[0])
            kwargs["context"] = {**self.get_serializer_context(), "usage_today": grant_usage(grants)}
            args = (grants, *args[1:])
        return super().get_serializer(*args, **kwargs)

    def get_queryset(self):
        grants = grants_visible_to(self.request.user).prefetch_related("events__actor")
        if self.request.query_params.get("status"):
            grants = grants.filter(status=self.request.query_params["status"])
        return grants


class GrantChangeApi(APIView):
    @extend_schema(
        request=s.GrantChangeIn, responses=s.GrantOut, summary="Suspend, resume or end a grant (Q5.10)"
    )
    def post(self, request: ApiRequest, pk: int) -> Response:
        grant = grant_for_user(request.user, pk)
        body = s.GrantChangeIn(data=request.data)
        body.is_valid(raise_exception=True)
        grant = grant_change(actor=request.user, grant=grant, request=request, **body.validated_data)
        return Response(s.GrantOut(grant).data)


class UsageReportApi(APIView):
    @extend_schema(responses=s.UsageReportOut(many=True), summary="A grant's usage reports")
    def get(self, request: ApiRequest, pk: int) -> Response:
        grant = grant_for_user(request.user, pk)
        return Response(s.UsageReportOut(grant.usage_reports.all(), many=True).data)

    @extend_schema(
        request=s.UsageReportIn, responses={201: s.UsageReportOut}, summary="File a usage report (G46)"
    )
    def post(self, request: PersonApiRequest, pk: int) -> Response:
        grant = grant_for_user(request.user, pk)
        body = s.UsageReportIn(data=request.data)
        body.is_valid(raise_exception=True)
        report = usage_report_file(actor=request.user, grant=grant, request=request, **body.validated_data)
        return Response(s.UsageReportOut(report).data, status=status.HTTP_201_CREATED)
