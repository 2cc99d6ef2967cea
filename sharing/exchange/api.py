"""REST API of bulk exchange: a grant's push tasks, their runs, and the buttons of the push page."""

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from dataplatform.core.request_types import ApiRequest, PersonApiRequest

from ..access import grant_for_user
from .config import (
    push_now,
    push_pause,
    push_resume,
    push_task_check,
    push_task_for_user,
    push_task_save,
    push_tasks_visible_to,
    sees_connection,
)
from .models import PushRun, PushTask, TargetEngine


class PushTaskIn(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    engine = serializers.ChoiceField(choices=TargetEngine.choices)
    host = serializers.CharField(max_length=200)
    port = serializers.IntegerField(min_value=1, max_value=65535)
    database = serializers.CharField(max_length=100)
    username = serializers.CharField(max_length=100)
    password = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        write_only=True,
        help_text="Stored encrypted. Omitted on a change, the stored one stays; a change of engine, host, "
        "port, database or username needs it again (400 on `password` otherwise).",
    )
    table = serializers.CharField(max_length=130, help_text="`table` or `schema.table`; created if missing.")
    interval_minutes = serializers.IntegerField(min_value=5, max_value=60 * 24 * 31, default=24 * 60)


# The target is the holding unit's own database: where it is, and what its driver said, are for that unit
# only (issue 18). The serializers read null there unless the view puts ``sees_connection`` in their context.
CONNECTION_OUT = ["engine", "host", "port", "database", "username", "table"]
FOR_THE_HOLDER = "The unit holding the grant only; null for the producer and the authority."


def _sees_connection(serializer: serializers.Serializer) -> bool:
    return bool(serializer.context.get("sees_connection"))


class PushRunOut(serializers.ModelSerializer):
    progress = serializers.IntegerField(allow_null=True, help_text="Percent; null before the count is known.")
    status_display = serializers.CharField(source="get_status_display")
    duration_seconds = serializers.SerializerMethodField()
    error = serializers.CharField(allow_null=True, help_text=f"Why the run failed. {FOR_THE_HOLDER}")

    class Meta:
        model = PushRun
        fields = [
            "id",
            "task",
            "trigger",
            "status",
            "status_display",
            "full",
            "progress",
            "rows_expected",
            "rows_written",
            "rows_deleted",
            "watermark",
            "error",
            "queued_at",
            "started_at",
            "finished_at",
            "duration_seconds",
        ]

    def get_duration_seconds(self, run: PushRun) -> float | None:
        return round(run.duration.total_seconds(), 3) if run.duration is not None else None

    def to_representation(self, instance: PushRun) -> dict:
        data = super().to_representation(instance)
        if not _sees_connection(self):
            data["error"] = None
        return data


class PushTaskOut(serializers.ModelSerializer):
    last_run = serializers.SerializerMethodField()
    engine = serializers.ChoiceField(choices=TargetEngine.choices, allow_null=True, help_text=FOR_THE_HOLDER)
    host = serializers.CharField(allow_null=True, help_text=FOR_THE_HOLDER)
    port = serializers.IntegerField(allow_null=True, help_text=FOR_THE_HOLDER)
    database = serializers.CharField(allow_null=True, help_text=FOR_THE_HOLDER)
    username = serializers.CharField(allow_null=True, help_text=FOR_THE_HOLDER)
    table = serializers.CharField(allow_null=True, help_text=FOR_THE_HOLDER)

    class Meta:
        model = PushTask
        fields = [
            "id",
            "grant",
            "name",
            "engine",
            "host",
            "port",
            "database",
            "username",
            "table",
            "interval_minutes",
            "next_run_at",
            "paused",
            "failures",
            "watermark",
            "created_at",
            "last_run",
        ]

    def get_last_run(self, task: PushTask) -> dict | None:
        run = task.runs.first()
        return PushRunOut(run, context=self.context).data if run is not None else None

    def to_representation(self, instance: PushTask) -> dict:
        data = super().to_representation(instance)
        if not _sees_connection(self):
            data.update(dict.fromkeys(CONNECTION_OUT))
        return data


def _task_out(request: ApiRequest, task: PushTask) -> dict:
    return PushTaskOut(task, context={"sees_connection": sees_connection(request.user, task.grant)}).data


EXAMPLE = OpenApiExample(
    "PostgreSQL target",
    value={
        "name": "人社业务库",
        "engine": "postgresql",
        "host": "10.1.2.3",
        "port": 5432,
        "database": "hrss",
        "username": "push",
        "password": "…",
        "table": "shared.market_companies",
        "interval_minutes": 1440,
    },
    request_only=True,
)


class GrantPushTasksApi(APIView):
    @extend_schema(responses=PushTaskOut(many=True), summary="A bulk exchange grant's push tasks")
    def get(self, request: ApiRequest, pk: int) -> Response:
        grant = grant_for_user(request.user, pk)
        tasks = push_tasks_visible_to(request.user).filter(grant=grant)
        context = {"sees_connection": sees_connection(request.user, grant)}
        return Response(PushTaskOut(tasks, many=True, context=context).data)

    @extend_schema(
        request=PushTaskIn,
        responses={201: PushTaskOut},
        examples=[EXAMPLE],
        summary="Set up a push of the grant's items into the unit's own table",
        description="The grant holder's data administrators only. The first run, a full load, starts at "
        "once; later runs push what changed (and what was deleted) since the last successful one.",
    )
    def post(self, request: PersonApiRequest, pk: int) -> Response:
        grant = grant_for_user(request.user, pk)
        body = PushTaskIn(data=request.data)
        body.is_valid(raise_exception=True)
        task = push_task_save(actor=request.user, grant=grant, values=body.validated_data, request=request)
        return Response(_task_out(request, task), status=status.HTTP_201_CREATED)


class PushTaskApi(APIView):
    @extend_schema(responses=PushTaskOut, summary="A push task")
    def get(self, request: ApiRequest, pk: int) -> Response:
        return Response(_task_out(request, push_task_for_user(request.user, pk)))

    @extend_schema(request=PushTaskIn, responses=PushTaskOut, summary="Change a push task")
    def patch(self, request: PersonApiRequest, pk: int) -> Response:
        task = push_task_for_user(request.user, pk)
        body = PushTaskIn(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        task = push_task_save(
            actor=request.user, grant=task.grant, task=task, values=body.validated_data, request=request
        )
        return Response(_task_out(request, task))


class PushTaskRunsApi(APIView):
    @extend_schema(responses=PushRunOut(many=True), summary="A push task's runs, newest first (50)")
    def get(self, request: ApiRequest, pk: int) -> Response:
        task = push_task_for_user(request.user, pk)
        context = {"sees_connection": sees_connection(request.user, task.grant)}
        return Response(PushRunOut(task.runs.all()[:50], many=True, context=context).data)

    @extend_schema(request=None, responses={202: PushRunOut}, summary="Run the push now")
    def post(self, request: PersonApiRequest, pk: int) -> Response:
        run = push_now(actor=request.user, task=push_task_for_user(request.user, pk), request=request)
        run.refresh_from_db()
        context = {"sees_connection": sees_connection(request.user, run.task.grant)}
        return Response(PushRunOut(run, context=context).data, status=status.HTTP_202_ACCEPTED)


class PushRunApi(APIView):
    @extend_schema(responses=PushRunOut, summary="A push run: status, progress, counts, watermark, error")
    def get(self, request: ApiRequest, pk: int) -> Response:
        runs = PushRun.objects.select_related("task__grant")
        run = runs.filter(pk=pk, task__in=push_tasks_visible_to(request.user)).first()
        if run is None:
            raise Http404
        context = {"sees_connection": sees_connection(request.user, run.task.grant)}
        return Response(PushRunOut(run, context=context).data)


class CheckOut(serializers.Serializer):
    detail = serializers.CharField()
    rows = serializers.IntegerField(help_text="Rows in the target table now.")


class PushTaskMoveApi(APIView):
    move = ""

    @extend_schema(request=None, responses=PushTaskOut, summary="Pause or resume a push task")
    def post(self, request: PersonApiRequest, pk: int) -> Response:
        task = push_task_for_user(request.user, pk)
        if self.move == "pause":
            push_pause(actor=request.user, task=task, request=request)
        else:
            push_resume(actor=request.user, task=task, request=request)
        return Response(_task_out(request, PushTask.objects.select_related("grant").get(pk=task.pk)))


class PushTaskCheckApi(APIView):
    @extend_schema(
        request=None, responses=CheckOut, summary="Test the connection; creates the table if it is missing"
    )
    def post(self, request: PersonApiRequest, pk: int) -> Response:
        task = push_task_for_user(request.user, pk)
        rows = push_task_check(actor=request.user, task=task)
        return Response(
            {"detail": _("Connected: the table %(table)s is ready.") % {"table": task.table}, "rows": rows}
        )
