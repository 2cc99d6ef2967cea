from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dataplatform.core.models import User
from dataplatform.core.request_types import ApiRequest

from . import serializers as s
from .access import supervised_units, ticket_for_user, tickets_visible_to
from .models import TicketStatus
from .selectors import correction_statistics
from .services import ticket_report
from .workflow import allowed_actions, ticket_act


def _out(request: Request, ticket, code: int = 200) -> Response:
    return Response(s.TicketOut(ticket, context={"request": request}).data, status=code)


class TicketListApi(generics.ListAPIView):
    """Tickets the caller can see, newest first. ``?status=``; ``?mine=1``: reported by me or my unit;
    ``?todo=1``: the ones I can act on now."""

    serializer_class = s.TicketOut
    parser_classes = [JSONParser, MultiPartParser]
    request: ApiRequest

    def get_queryset(self):
        tickets = tickets_visible_to(self.request.user).prefetch_related("steps")
        params = self.request.query_params
        if params.get("status"):
            tickets = tickets.filter(status=params["status"])
        if params.get("mine"):
            user = self.request.user
            if isinstance(user, User) and user.unit is None:  # a person of no unit: what they reported
                tickets = tickets.filter(reporter=user)
            else:
                tickets = tickets.filter(reporter_unit=user.unit)
        return tickets

    @extend_schema(
        parameters=[
            OpenApiParameter("status", enum=TicketStatus.values),
            OpenApiParameter("mine", bool),
            OpenApiParameter("todo", bool),
        ]
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        if request.query_params.get("todo"):
            todo = [t for t in self.get_queryset() if allowed_actions(self.request.user, t)]
            page: list | None = self.paginate_queryset(todo)  # type: ignore[arg-type]  # DRF pages any sequence
            return self.get_paginated_response(self.get_serializer(page, many=True).data)
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request={"application/json": s.TicketIn, "multipart/form-data": s.TicketIn},
        responses={201: s.TicketOut},
        summary="Report problem data (Q7.1), or object to it (G42, F25)",
        description="A government unit reports on data it uses through a grant, naming record keys and data "
        "items; a citizen or a public organization's person objects to any available entry. The ticket goes "
        "to the technical service unit for analysis.",
    )
    def post(self, request: ApiRequest) -> Response:
        body = s.TicketIn(data=request.data)
        body.is_valid(raise_exception=True)
        ticket = ticket_report(actor=request.user, request=request, **body.validated_data)
        return _out(request, ticket, status.HTTP_201_CREATED)


class TicketDetailApi(APIView):
    @extend_schema(responses=s.TicketOut, summary="A ticket with its timeline and the actions open to me")
    def get(self, request: ApiRequest, pk: int) -> Response:
        return _out(request, ticket_for_user(request.user, pk))


class TicketActApi(APIView):
    @extend_schema(
        request=s.TicketActIn,
        responses=s.TicketOut,
        summary="Take a step: dispatch, close, correct, decline, confirm, reopen",
        description="close, decline and reopen need an opinion (the reasons). A ticket is resolved by the "
        "platform itself once the reported records are re-aggregated after the decision to correct.",
    )
    def post(self, request: ApiRequest, pk: int) -> Response:
        ticket = ticket_for_user(request.user, pk)
        body = s.TicketActIn(data=request.data)
        body.is_valid(raise_exception=True)
        ticket = ticket_act(ticket=ticket, actor=request.user, request=request, **body.validated_data)
        return _out(request, ticket)


class StatisticsApi(APIView):
    @extend_schema(
        responses=s.CorrectionStatisticsOut(many=True),
        summary="Corrections per producing unit, for supervision (the authority)",
    )
    def get(self, request: ApiRequest) -> Response:
        rows = correction_statistics(units=supervised_units(request.user))
        return Response(s.CorrectionStatisticsOut(rows, many=True).data)
