from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dataplatform.core.request_types import ApiRequest, PersonApiRequest

from . import serializers as s
from .access import api_key_for_user, api_keys_visible_to, can_manage_api_keys
from .apikeys import api_key_issue, api_key_revoke
from .authentication import ApiClient
from .business_days import add_business_days
from .models import CalendarDay, CalendarYear, Notification
from .notifications import notification_mark_read, unread_count


class AddBusinessDaysApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(
        parameters=[s.AddBusinessDaysQuery],
        responses=s.AddBusinessDaysResult,
        summary="Add business days to a date (the start day is not counted)",
    )
    def get(self, request: ApiRequest) -> Response:
        query = s.AddBusinessDaysQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        start, days = query.validated_data["start"], query.validated_data["days"]
        due = add_business_days(start, days)
        return Response({"start": start, "days": days, "due": due.date, "official": due.official})


class CalendarYearApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(responses=s.CalendarYearOut, summary="A year's days off and adjusted working days")
    def get(self, request: ApiRequest, year: int) -> Response:
        if not 1900 <= year <= 9999:  # year 0 or 10000 would fail in the date lookups below
            raise NotFound(_("No calendar for this year."))
        known = CalendarYear.objects.filter(year=year).first()
        days = CalendarDay.objects.filter(date__year=year)
        return Response(
            s.CalendarYearOut(
                {
                    "year": year,
                    "official": known is not None,
                    "notice": known.notice if known else "",
                    "days_off": days.filter(is_workday=False),
                    "adjusted_workdays": days.filter(is_workday=True),
                }
            ).data
        )


class MeApi(APIView):
    @extend_schema(responses=s.MeOut, summary="Who is calling: the person, or the unit of the API key")
    def get(self, request: ApiRequest) -> Response:
        user = request.user
        api_key = user.api_key if isinstance(user, ApiClient) else None
        return Response(
            s.MeOut(
                {
                    "username": None if isinstance(user, ApiClient) else user.username,
                    "real_name": None if isinstance(user, ApiClient) else user.real_name,
                    "unit": user.unit,
                    "roles": sorted(user.roles),
                    "api_key": api_key.prefix if api_key else None,
                }
            ).data
        )


class NotificationListApi(generics.ListAPIView):
    serializer_class = s.NotificationOut

    def get_queryset(self):
        return Notification.objects.filter(recipient_id=self.request.user.pk)

    def list(self, request: Request, *args, **kwargs) -> Response:
        response = super().list(request, *args, **kwargs)
        response.data["unread"] = unread_count(request.user) if request.user.pk else 0
        return response


class NotificationMarkReadApi(APIView):
    @extend_schema(
        request=s.MarkReadIn, responses={200: {"type": "object"}}, summary="Mark notifications read"
    )
    def post(self, request: ApiRequest) -> Response:
        body = s.MarkReadIn(data=request.data)
        body.is_valid(raise_exception=True)
        if request.user.pk is None:
            raise PermissionDenied
        marked = notification_mark_read(user=request.user, notification_ids=body.validated_data.get("ids"))
        return Response({"marked": marked, "unread": unread_count(request.user)})


class ApiKeyListApi(generics.ListAPIView):
    serializer_class = s.ApiKeyOut

    def get_queryset(self):
        return api_keys_visible_to(self.request.user)

    @extend_schema(request=s.ApiKeyIn, responses={201: s.ApiKeyIssuedOut}, summary="Issue an API key")
    def post(self, request: PersonApiRequest) -> Response:
        if request.user.unit is None or not can_manage_api_keys(request.user):
            raise PermissionDenied
        body = s.ApiKeyIn(data=request.data)
        body.is_valid(raise_exception=True)
        issued = api_key_issue(actor=request.user, unit=request.user.unit, **body.validated_data)
        out = s.ApiKeyOut(issued.api_key).data
        return Response({**out, "key": issued.key}, status=status.HTTP_201_CREATED)


class ApiKeyRevokeApi(APIView):
    @extend_schema(
        request=None,
        responses=s.ApiKeyOut,
        summary="Revoke an API key",
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH)],
    )
    def post(self, request: PersonApiRequest, pk: int) -> Response:
        api_key = api_key_for_user(request.user, pk, write=True)
        return Response(s.ApiKeyOut(api_key_revoke(actor=request.user, api_key=api_key)).data)
