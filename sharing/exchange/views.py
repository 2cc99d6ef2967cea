"""Pages of bulk exchange: a grant's push tasks, a task with its settings, buttons and run history."""

from typing import cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dataplatform.core.errors import ApplicationError
from dataplatform.core.request_types import AuthenticatedHttpRequest
from dataplatform.core.templatetags.readable import interval_words

from ..access import grant_for_user
from .config import (
    can_manage_pushes,
    push_now,
    push_pause,
    push_resume,
    push_task_check,
    push_task_for_user,
    push_task_save,
    push_tasks_visible_to,
    sees_connection,
)
from .models import TargetEngine

# The intervals the form offers, in minutes; the API takes any from 5 minutes to 31 days.
INTERVALS = [5, 15, 30, 60, 2 * 60, 3 * 60, 6 * 60, 12 * 60, 24 * 60, 2 * 24 * 60, 7 * 24 * 60]


def interval_choices(current: int | None = None) -> list[tuple[int, str]]:
    """The intervals in words ("每天", "每 6 小时"), with a task's own interval if the list lacks it."""
    minutes = sorted({*INTERVALS, current}) if current else INTERVALS
    return [(m, capfirst(interval_words(m))) for m in minutes]


class PushTaskForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("name"), max_length=100)
    engine = forms.ChoiceField(label=gettext_lazy("database"), choices=TargetEngine.choices)
    host = forms.CharField(label=gettext_lazy("host"), max_length=200)
    port = forms.IntegerField(label=gettext_lazy("port"), min_value=1, max_value=65535, initial=5432)
    database = forms.CharField(label=gettext_lazy("database name"), max_length=100)
    username = forms.CharField(label=gettext_lazy("user name"), max_length=100)
    password = forms.CharField(
        label=gettext_lazy("password"),
        max_length=200,
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=gettext_lazy(
            "Stored encrypted. Leave empty to keep the stored one, unless the database, host, port or "
            "user changes: the password is then asked for again."
        ),
    )
    table = forms.CharField(
        label=gettext_lazy("table"),
        max_length=130,
        help_text=gettext_lazy("table or schema.table; created if missing."),
    )
    interval_minutes = forms.TypedChoiceField(
        label=gettext_lazy("frequency"), coerce=int, initial=24 * 60, choices=interval_choices
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        current = self.initial.get("interval_minutes")
        if isinstance(current, int):
            cast(forms.TypedChoiceField, self.fields["interval_minutes"]).choices = interval_choices(current)
        for field in self.fields.values():
            field.widget.attrs.setdefault(
                "class", "form-select" if field.widget.input_type == "select" else "form-control"
            )


def _save(request: AuthenticatedHttpRequest, form: PushTaskForm, grant, task=None):
    if not form.is_valid():
        return None
    try:
        return push_task_save(
            actor=request.user, grant=grant, task=task, values=form.cleaned_data, request=request
        )
    except ApplicationError as exc:
        exc.raise_if_forbidden()
        for field, errors in exc.extra.get("fields", {}).items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
        if not exc.extra.get("fields"):
            form.add_error(None, exc.message)
        return None


@login_required
def push_tasks(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    grant = grant_for_user(request.user, pk)
    manages = can_manage_pushes(request.user, grant)
    form = PushTaskForm(request.POST or None, prefix="new") if manages else None
    if request.method == "POST":
        if not manages or form is None:  # (the form is there for those who manage)
            raise Http404
        task = _save(request, form, grant)
        if task is not None:
            messages.success(request, _("The push task is set up; its first run, a full load, starts now."))
            return redirect("sharing-push-task", task.pk)
    tasks = push_tasks_visible_to(request.user).filter(grant=grant).prefetch_related("runs")
    context = {
        "grant": grant,
        "tasks": tasks,
        "form": form,
        "sees_connection": sees_connection(request.user, grant),
    }
    return render(request, "sharing/push_tasks.html", context)


@login_required
def push_task(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    task = push_task_for_user(request.user, pk)
    manages = can_manage_pushes(request.user, task.grant)
    form = None
    if manages:
        initial = {name: getattr(task, name) for name in PushTaskForm.base_fields if name != "password"}
        form = PushTaskForm(request.POST or None, initial=initial, prefix="task")
    if request.method == "POST":
        if not manages or form is None:  # (the form is there for those who manage)
            raise Http404
        if _save(request, form, task.grant, task) is not None:
            messages.success(request, _("Saved."))
            return redirect("sharing-push-task", task.pk)
    runs = task.runs.all()[:30]
    context = {
        "task": task,
        "runs": runs,
        "form": form,
        "manages": manages,
        "active": runs[0] if runs else None,
        "sees_connection": sees_connection(request.user, task.grant),  # the target and its errors
    }
    return render(request, "sharing/push_task.html", context)


MOVES = {"run", "pause", "resume", "check"}


@login_required
@require_POST
def push_task_move(request: AuthenticatedHttpRequest, pk: int, move: str) -> HttpResponse:
    task = push_task_for_user(request.user, pk)
    if move not in MOVES:
        raise Http404
    try:
        if move == "run":
            push_now(actor=request.user, task=task, request=request)
            messages.success(request, _("The run is queued."))
        elif move == "pause":
            push_pause(actor=request.user, task=task, request=request)
            messages.success(request, _("Paused: a run in progress stops after its current batch."))
        elif move == "resume":
            push_resume(actor=request.user, task=task, request=request)
            messages.success(request, _("Resumed: the push goes on where it stopped."))
        else:
            rows = push_task_check(actor=request.user, task=task)
            messages.success(
                request, _("Connected: the target table is ready and holds %(rows)s row(s).") % {"rows": rows}
            )
    except ApplicationError as exc:
        exc.raise_if_forbidden()
        messages.error(request, exc.message)
    return redirect("sharing-push-task", task.pk)
