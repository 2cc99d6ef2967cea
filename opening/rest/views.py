"""The opening REST API's views: each parses its input, calls the one service or selector the pages call,
and answers. Access is the pages' (opening.access): what the caller may not see is 404; a step it may not
take is Forbidden, a 403 through the exception handler. People only: an API key gets 403 (IsPerson)."""

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.models import Resource
from catalog.workflow import is_producer, is_reviewer
from dataplatform.core.permissions import IsPerson
from dataplatform.core.request_types import PersonApiRequest

from .. import applications as app_flow
from .. import workflow as entry_flow
from ..access import application_for_user, applications_visible_to, entries_managed_by, entry_for_manager
from ..models import OpenApplication, OpenEntry
from ..selectors import public_entry
from ..services import open_entry_propose
from . import serializers as s

STATUS_PARAM = OpenApiParameter("status", str, description="Only those in this status.")


def _entry_out(request: PersonApiRequest, entries: list[OpenEntry], *, many: bool = True):
    actions = {e.pk: [name for name, _ in entry_flow.allowed_actions(request.user, e)] for e in entries}
    return s.OpenEntryOut(entries if many else entries[0], many=many, context={"actions": actions}).data


def _application_out(request: PersonApiRequest, applications: list[OpenApplication], *, many: bool = True):
    actions = {a.pk: [name for name, _ in app_flow.allowed_actions(request.user, a)] for a in applications}
    return s.OpenApplicationOut(
        applications if many else applications[0], many=many, context={"actions": actions}
    ).data


class OpenEntryListApi(generics.GenericAPIView):
    """Open catalog entries the caller manages: its unit's (a data administrator or leader of the
    producer) or its regions' (a reviewer at the authority)."""

    permission_classes = [IsPerson]
    serializer_class = s.OpenEntryOut
    request: PersonApiRequest

    def get_queryset(self):
        entries = entries_managed_by(self.request.user).prefetch_related("rules", "changes__actor")
        if self.request.query_params.get("status"):
            entries = entries.filter(status=self.request.query_params["status"])
        return entries.order_by("status", "slug")

    @extend_schema(
        parameters=[STATUS_PARAM], responses=s.OpenEntryOut(many=True), summary="Open entries I manage"
    )
    def get(self, request: PersonApiRequest) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        assert page is not None  # the default pagination always pages
        return self.get_paginated_response(_entry_out(request, page))

    @extend_schema(
        request=s.ProposalIn,
        responses={201: s.OpenEntryOut},
        summary="Propose how a published entry opens (or amend the proposal while it waits)",
    )
    def post(self, request: PersonApiRequest) -> Response:
        body = s.ProposalIn(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        resource = Resource.objects.select_related("producer").filter(pk=data.pop("resource")).first()
        if resource is None or not (
            is_producer(request.user, resource) or is_reviewer(request.user, resource)
        ):
            raise Http404  # as the proposal page: an outsider does not learn the entry exists
        entry = open_entry_propose(actor=request.user, resource=resource, request=request, **data)
        return Response(_entry_out(request, [entry], many=False), status=status.HTTP_201_CREATED)


class OpenEntryDetailApi(APIView):
    permission_classes = [IsPerson]

    @extend_schema(
        responses=s.OpenEntryOut, summary="An open entry with its rules, decisions and next actions"
    )
    def get(self, request: PersonApiRequest, pk: int) -> Response:
        return Response(_entry_out(request, [entry_for_manager(request.user, pk)], many=False))


class OpenEntryActApi(APIView):
    permission_classes = [IsPerson]

    @extend_schema(
        request=s.EntryActIn,
        responses=s.OpenEntryOut,
        summary="Decide on an open entry: propose (again), open, refuse, retype or withdraw",
    )
    def post(self, request: PersonApiRequest, pk: int) -> Response:
        entry = entry_for_manager(request.user, pk)
        body = s.EntryActIn(data=request.data)
        body.is_valid(raise_exception=True)
        entry = entry_flow.open_entry_transition(
            entry=entry, actor=request.user, request=request, **body.validated_data
        )
        return Response(_entry_out(request, [entry], many=False))


class OpenApplicationListApi(generics.GenericAPIView):
    """Applications for on-application open data the caller can see: its organization's, all of them
    for the technical service unit's evaluators, its regions' for the authority. ``?mine=1``: my
    organization's only."""

    permission_classes = [IsPerson]
    serializer_class = s.OpenApplicationOut
    request: PersonApiRequest

    def get_queryset(self):
        applications = applications_visible_to(self.request.user).prefetch_related("changes__actor", "grant")
        params = self.request.query_params
        if params.get("mine"):
            applications = applications.filter(organization_id=self.request.user.unit_id)
        if params.get("status"):
            applications = applications.filter(status=params["status"])
        return applications

    @extend_schema(
        parameters=[
            OpenApiParameter("mine", bool, description="Only my organization's applications."),
            STATUS_PARAM,
        ],
        responses=s.OpenApplicationOut(many=True),
        summary="Open data applications I can see",
    )
    def get(self, request: PersonApiRequest) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        assert page is not None  # the default pagination always pages
        return self.get_paginated_response(_application_out(request, page))

    @extend_schema(
        request=s.OpenApplicationIn,
        responses={201: s.OpenApplicationOut},
        summary="Apply for a dataset open on application (a public organization's data administrator)",
    )
    def post(self, request: PersonApiRequest) -> Response:
        body = s.OpenApplicationIn(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        entry = public_entry(data.pop("dataset"))
        application = app_flow.open_application_submit(
            actor=request.user, entry=entry, request=request, **data
        )
        return Response(_application_out(request, [application], many=False), status=status.HTTP_201_CREATED)


class OpenApplicationDetailApi(APIView):
    permission_classes = [IsPerson]

    @extend_schema(
        responses=s.OpenApplicationOut, summary="An application with its steps, grant and next actions"
    )
    def get(self, request: PersonApiRequest, pk: int) -> Response:
        return Response(_application_out(request, [application_for_user(request.user, pk)], many=False))


class OpenApplicationActApi(APIView):
    permission_classes = [IsPerson]

    @extend_schema(
        request=s.ApplicationActIn,
        responses=s.OpenApplicationOut,
        summary="Take a step: evaluate, reject_evaluation, confirm, reject or accept_agreement",
    )
    def post(self, request: PersonApiRequest, pk: int) -> Response:
        application = application_for_user(request.user, pk)
        body = s.ApplicationActIn(data=request.data)
        body.is_valid(raise_exception=True)
        application = app_flow.open_application_transition(
            application=application, actor=request.user, request=request, **body.validated_data
        )
        return Response(_application_out(request, [application], many=False))
