"""Push tasks as the applicant's data administrator sets them up: target, schedule, pause and resume."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from catalog.models import ServiceMethod
from dataplatform.core.actors import acts_for
from dataplatform.core.audit_actions import AuditAction
from dataplatform.core.errors import ApplicationError, Forbidden
from dataplatform.core.models import User
from dataplatform.core.people import working_unit_id

from ..access import grants_visible_to
from ..models import Grant, GrantStatus
from .crypto import secret_encrypt
from .models import ACTIVE_RUN, PushRun, PushTask, RunTrigger
from .runs import _columns, push_start
from .targets import TargetError, target_for

EDITABLE = ["name", "engine", "host", "port", "database", "username", "table", "interval_minutes"]
TARGET_FIELDS = ["engine", "host", "port", "database", "table"]
# Where the stored password is sent: a change of any of these without the password again would hand the
# stored secret to a new server (issue 18).
CONNECTION_FIELDS = ["engine", "host", "port", "database", "username"]


def can_manage_pushes(user, grant: Grant) -> bool:
    """The grant holder's data administrators set up where its data goes."""
    return acts_for(user, grant.unit_id) and grant.service_method == ServiceMethod.BULK_EXCHANGE


def sees_connection(user, grant: Grant) -> bool:
    """The target is the holder's own database: its host, port, database, user, table and the driver's
    errors are for the holding unit's people only; the producer and the authority see that a push exists,
    its status and its counts (issue 18)."""
    unit_id = working_unit_id(user)
    return unit_id is not None and unit_id == grant.unit_id


def push_tasks_visible_to(user):
    """Whoever sees the grant sees that a push exists, its status and counts (never the password; the
    connection only as ``sees_connection`` says)."""
    return PushTask.objects.filter(grant__in=grants_visible_to(user)).select_related(
        "grant__resource__producer", "grant__unit"
    )


def push_task_for_user(user, pk: int) -> PushTask:
    task = push_tasks_visible_to(user).filter(pk=pk).first()
    if task is None:
        raise Http404
    return task


def _check_manager(actor, grant: Grant) -> None:
    if not can_manage_pushes(actor, grant):
        raise Forbidden(
            _("Only the data administrators of the unit holding a bulk exchange grant set up its pushes.")
        )


def push_task_save(
    *, actor: User, grant: Grant, values: dict, task: PushTask | None = None, request=None
) -> PushTask:
    """Create or change a push task. ``password`` is stored encrypted; left empty on a change, the
    stored one stays, unless the change points the task at another server or user (CONNECTION_FIELDS):
    then the password is asked for again. A new task runs its first (full) push at once."""
    _check_manager(actor, grant)
    if grant.status != GrantStatus.ACTIVE:
        raise ApplicationError(_("The grant is not active: no push can be set up for it."))
    creating = task is None
    task = task or PushTask(grant=grant, created_by=actor, next_run_at=timezone.now())
    if not creating and _needs_password_again(task, values):
        raise ApplicationError(
            _("Check the push task's settings."),
            extra={"fields": {"password": [_("The connection changed: enter the password again.")]}},
        )
    before = [getattr(task, name) for name in TARGET_FIELDS]
    for name in EDITABLE:
        if name in values:
            setattr(task, name, values[name])
    if before != [getattr(task, name) for name in TARGET_FIELDS]:
        task.watermark = None  # another table: its next run is a full load (targets.py)
    if values.get("password"):
        task.password_encrypted = secret_encrypt(values["password"])
    try:
        task.full_clean(exclude=["password_encrypted", "grant", "created_by"])
    except ValidationError as exc:
        raise ApplicationError(
            _("Check the push task's settings."), extra={"fields": exc.message_dict}
        ) from exc
    with transaction.atomic():
        task.save()
        audit_record(
            action=AuditAction.PUSH_TASK_CREATE if creating else AuditAction.PUSH_TASK_CHANGE,
            actor=actor,
            request=request,
            target=task,
            owner_unit=grant.resource.producer,
            data_items=grant.items,
            detail={
                "grant": grant.pk,
                "resource": grant.resource_id,  # the audit search finds it by resource (audit/search.py)
                **{name: getattr(task, name) for name in EDITABLE},
            },
        )
    return task


def _needs_password_again(task: PushTask, values: dict) -> bool:
    """The stored password goes only to the server it was given for: a change of the connection comes
    with the password again (a task without a password has none to hand over)."""
    moved = any(name in values and values[name] != getattr(task, name) for name in CONNECTION_FIELDS)
    return moved and bool(task.password_encrypted) and not values.get("password")


def push_task_check(*, actor: User, task: PushTask) -> int:
    """Test the connection: connect, prepare the table (creating it if missing); its row count."""
    _check_manager(actor, task.grant)
    try:
        with target_for(task, _columns(task.grant)) as target:
            target.prepare()
            count = target.count()
    except TargetError as exc:
        raise ApplicationError(str(exc)) from exc
    return count


def push_now(*, actor: User, task: PushTask, request=None) -> PushRun:
    _check_manager(actor, task.grant)
    if task.paused:
        raise ApplicationError(_("The task is paused; resume it first."))
    run = push_start(task=task, trigger=RunTrigger.MANUAL, actor=actor)
    if run is None:
        raise ApplicationError(_("A run of this task is already queued or going."))
    return run


def push_pause(*, actor: User, task: PushTask, request=None) -> PushTask:
    """Pause: a run in progress stops after its current batch; its place is kept in the target."""
    _check_manager(actor, task.grant)
    with transaction.atomic():
        PushTask.objects.filter(pk=task.pk).update(paused=True)
        task.paused = True
        audit_record(
            action=AuditAction.PUSH_PAUSE,
            actor=actor,
            request=request,
            target=task,
            owner_unit=task.grant.resource.producer,
        )
    return task


def push_resume(*, actor: User, task: PushTask, request=None) -> PushRun | None:
    """Resume: a run that was waiting goes on; otherwise a new run continues where the last one stopped."""
    from ..tasks import push_run

    _check_manager(actor, task.grant)
    with transaction.atomic():
        PushTask.objects.filter(pk=task.pk).update(paused=False)
        task.paused = False
        audit_record(
            action=AuditAction.PUSH_RESUME,
            actor=actor,
            request=request,
            target=task,
            owner_unit=task.grant.resource.producer,
        )
        waiting = task.runs.filter(status__in=ACTIVE_RUN).first()
        if waiting is not None:
            transaction.on_commit(lambda: push_run.delay(waiting.pk), robust=True)
            return waiting
    return push_start(task=task, trigger=RunTrigger.MANUAL, actor=actor)
