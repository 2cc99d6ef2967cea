"""REST API of service interfaces and interface requests."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from dataplatform.core.models import Role
from dataplatform.core.request_types import ApiRequest, PersonApiRequest

from ..access import (
    can_edit_resource,
    interface_request_for_user,
    interface_requests_visible_to,
    resource_for_user,
)
from ..models import ServiceInterface
from . import serializers as s
from .services import (
    interface_register,
    interface_request_ask_extension,
    interface_request_create,
    interface_request_decide_extension,
    interface_request_fulfil,
    interface_review,
)


class InterfaceListApi(APIView):
    @extend_schema(responses=s.ServiceInterfaceOut(many=True), summary="A resource's service interfaces")
    def get(self, request: ApiRequest, pk: int) -> Response:
        resource = resource_for_user(request.user, pk)
        return Response(s.ServiceInterfaceOut(resource.interfaces.all(), many=True).data)

    @extend_schema(
        request=s.ServiceInterfaceIn, responses={201: s.ServiceInterfaceOut}, summary="Register an interface"
    )
    def post(self, request: PersonApiRequest, pk: int) -> Response:
        resource = resource_for_user(request.user, pk)
        if not can_edit_resource(request.user, resource):
            raise PermissionDenied
        body = s.ServiceInterfaceIn(data=request.data)
        body.is_valid(raise_exception=True)
        interface = interface_register(
            actor=request.user, resource=resource, request=request, **body.validated_data
        )
        return Response(s.ServiceInterfaceOut(interface).data, status=status.HTTP_201_CREATED)


class InterfaceReviewApi(APIView):
    @extend_schema(request=s.InterfaceReviewIn, responses=s.ServiceInterfaceOut, summary="Publish or reject")
    def post(self, request: PersonApiRequest, pk: int) -> Response:
        if not request.user.has_role(Role.EVALUATOR):
            raise Http404
        interface = ServiceInterface.objects.filter(pk=pk).select_related("resource__producer").first()
        if interface is None:
            raise Http404
        body = s.InterfaceReviewIn(data=request.data)
        body.is_valid(raise_exception=True)
        interface = interface_review(
            actor=request.user, interface=interface, request=request, **body.validated_data
        )
        return Response(s.ServiceInterfaceOut(interface).data)


class InterfaceRequestListApi(generics.ListAPIView):
    serializer_class = s.InterfaceRequestOut

    def get_queryset(self):
        return interface_requests_visible_to(self.request.user)

    @extend_schema(
        request=s.InterfaceRequestIn, responses={201: s.InterfaceRequestOut}, summary="Ask for an interface"
    )
    def post(self, request: PersonApiRequest) -> Response:
        body = s.InterfaceRequestIn(data=request.data)
        body.is_valid(raise_exception=True)
        ask = interface_request_create(actor=request.user, request=request, **body.validated_data)
        return Response(s.InterfaceRequestOut(ask).data, status=status.HTTP_201_CREATED)


class InterfaceRequestExtensionApi(APIView):
    @extend_schema(
        request=s.ExtensionIn, responses=s.InterfaceRequestOut, summary="Ask once for up to 5 more days"
    )
    def post(self, request: PersonApiRequest, pk: int) -> Response:
        ask = interface_request_for_user(request.user, pk)
        body = s.ExtensionIn(data=request.data)
        body.is_valid(raise_exception=True)
        ask = interface_request_ask_extension(
            actor=request.user, ask=ask, request=request, **body.validated_data
        )
        return Response(s.InterfaceRequestOut(ask).data)


class InterfaceRequestDecisionApi(APIView):
    @extend_schema(request=s.ExtensionDecisionIn, responses=s.InterfaceRequestOut, summary="Grant or refuse")
    def post(self, request: PersonApiRequest, pk: int) -> Response:
        ask = interface_request_for_user(request.user, pk)
        body = s.ExtensionDecisionIn(data=request.data)
        body.is_valid(raise_exception=True)
        ask = interface_request_decide_extension(
            actor=request.user, ask=ask, request=request, **body.validated_data
        )
        return Response(s.InterfaceRequestOut(ask).data)


class InterfaceRequestFulfilApi(APIView):
    @extend_schema(
        request=s.FulfilIn,
        responses=s.InterfaceRequestOut,
        summary="Name the interface that answers the request",
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH)],
    )
    def post(self, request: PersonApiRequest, pk: int) -> Response:
        ask = interface_request_for_user(request.user, pk)
        body = s.FulfilIn(data=request.data)
        body.is_valid(raise_exception=True)
        ask = interface_request_fulfil(actor=request.user, ask=ask, request=request, **body.validated_data)
        return Response(s.InterfaceRequestOut(ask).data)
