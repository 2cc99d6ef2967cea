"""Push runs: the intent recorded as a row, claimed by compare-and-swap, executed in short slices.

``push_start`` writes a queued run and queues its task after commit. ``push_run_execute`` claims it
(queued, or running with a stale heartbeat: its worker died), then works batch by batch: each batch and
the new state go to the target in one transaction (``targets.py``), the run row's counters and heartbeat
follow. After ``EXCHANGE["SLICE_SECONDS"]`` the run is queued again and its task ends, so that no task
outlives the broker's visibility timeout. A failure ends the run with its error and schedules a retry
with back-off in the task row (``next_run_at``); ``pushes_start_due``, a timer, starts due and retrying
tasks and puts lost runs back in the queue. Nothing waits in a Celery ETA.
"""

import datetime as dt
import logging
import time

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import Outcome
from audit.services import audit_record
from catalog.models import ServiceMethod
from dataplatform.core.audit_actions import AuditAction

from ..grant_check import WHY
from ..models import GrantStatus
from .models import ACTIVE_RUN, PushRun, PushTask, RunStatus, RunTrigger
from .source import deletions_batch, horizon_now, records_batch, records_stream_pg, rows_to_push
from .targets import Column, State, StateMoved, TargetError, target_for

logger = logging.getLogger(__name__)

LOST_QUEUED_AFTER = dt.timedelta(minutes=5)  # a queued run not taken up by then lost its message


def push_start(*, task: PushTask, trigger: str, actor=None) -> PushRun | None:
    """Record a run and queue it; None when the task already has a run queued or going."""
    from ..tasks import push_run

    try:
        with transaction.atomic():
            run = PushRun.objects.create(task=task, trigger=trigger, created_by=_person(actor))
            PushTask.objects.filter(pk=task.pk).update(next_run_at=None)
            transaction.on_commit(lambda: push_run.delay(run.pk), robust=True)
    except IntegrityError:  # one_active_run_per_task
        return None
    return run


def pushes_start_due(now: dt.datetime | None = None) -> int:
    """Timer: start tasks that are due (schedule or retry), and queue again runs that were lost."""
    from ..tasks import push_run

    now = now or timezone.now()
    started = 0
    due = PushTask.objects.filter(paused=False, next_run_at__lte=now).exclude(runs__status__in=ACTIVE_RUN)
    for task in due:
        trigger = RunTrigger.RETRY if task.failures else RunTrigger.SCHEDULE
        started += push_start(task=task, trigger=trigger) is not None
    lost = PushRun.objects.filter(
        Q(status=RunStatus.QUEUED, queued_at__lt=now - LOST_QUEUED_AFTER) | _orphaned(now)
    )
    for run_id in lost.values_list("pk", flat=True):
        push_run.delay(run_id)  # the claim decides: a run that is in fact going is left alone
    return started


def push_run_execute(run_id: int) -> PushRun | None:
    """Take up a run and work on it for one slice. None if it was not ours to take."""
    claim = _claim(run_id)
    if claim is None:
        return None
    run = PushRun.objects.select_related("task__grant__resource__producer", "task__grant__unit").get(
        pk=run_id
    )
    task, grant = run.task, run.task.grant
    try:
        refusal = _grant_refusal(grant)
        if refusal:
            return _fail(run, claim, refusal, retry=False)
        columns = _columns(grant)
        with target_for(task, columns) as target:
            target.prepare()
            state = target.state()
            if state.phase is None:
                state = _begin(target, run, claim, state)
            return _work(target, run, claim, state, grant.items)
    except StateMoved:
        logger.warning("Push run %s: another worker moved the task on; this one stops", run_id)
        return None
    except TargetError as exc:
        return _fail(run, claim, str(exc))
    except Exception as exc:
        logger.exception("Push run %s stopped", run_id)
        message = _("The push stopped on an unexpected error: %(error)s") % {"error": exc.__class__.__name__}
        return _fail(run, claim, message)


def _orphaned(now: dt.datetime) -> Q:
    """Runs whose worker died: still running, but no heartbeat for EXCHANGE["STALE_SECONDS"]."""
    stale = now - dt.timedelta(seconds=settings.EXCHANGE["STALE_SECONDS"])
    return Q(status=RunStatus.RUNNING, heartbeat_at__lt=stale)


def _claim(run_id: int) -> int | None:
    """Compare and swap; the claim number guards every later write to the run row."""
    now = timezone.now()
    takeable = Q(status=RunStatus.QUEUED) | _orphaned(now)
    with transaction.atomic():
        claimed = PushRun.objects.filter(takeable, pk=run_id, task__paused=False).update(
            status=RunStatus.RUNNING, heartbeat_at=now, claims=F("claims") + 1
        )
        if not claimed:
            return None
        PushRun.objects.filter(pk=run_id, started_at__isnull=True).update(started_at=now)
        return PushRun.objects.values_list("claims", flat=True).get(pk=run_id)


def _update(run: PushRun, claim: int, **fields) -> None:
    if not PushRun.objects.filter(pk=run.pk, claims=claim).update(**fields):
        raise StateMoved("The run was taken up by another worker.")
    for name, value in fields.items():
        setattr(run, name, value)


def _begin(target, run: PushRun, claim: int, state: State) -> State:
    """A new horizon: the first run is a full load, later ones increments. A full load replaces the
    table's rows: a non-empty table (rows of an earlier task, or of this one before its state was lost)
    is emptied in the transaction that starts it; on PostgreSQL it then COPYs straight in."""
    task = run.task
    horizon = horizon_now(task.grant.resource_id)
    since = dt.datetime.fromisoformat(state.watermark) if state.watermark else None
    clear = False
    if since is None:
        clear = not target.is_empty()
        phase = "full_copy" if task.engine == "postgresql" else "full"
    else:
        phase = "delete"
    new = State(watermark=state.watermark, horizon=horizon.isoformat(), phase=phase)
    target.begin(state, new, clear=clear)
    expected = rows_to_push(resource_id=task.grant.resource_id, upto=horizon, since=since)
    _update(run, claim, full=since is None, rows_expected=expected, rows_written=0, rows_deleted=0)
    return new


def _work(target, run: PushRun, claim: int, state: State, items: list[str]) -> PushRun:
    resource_id = run.task.grant.resource_id
    deadline = time.monotonic() + settings.EXCHANGE["SLICE_SECONDS"]
    assert state.horizon is not None  # set by _begin
    horizon = dt.datetime.fromisoformat(state.horizon)
    since = dt.datetime.fromisoformat(state.watermark) if state.watermark else None
    while True:
        # Before each batch: the task may have been paused, the grant suspended or ended meanwhile.
        task = PushTask.objects.select_related("grant").get(pk=run.task_id)
        if task.paused:
            _update(run, claim, status=RunStatus.PAUSED, finished_at=timezone.now())
            return run
        if refusal := _grant_refusal(task.grant):
            return _fail(run, claim, refusal, retry=False)
        if time.monotonic() > deadline:  # a continuation, so no task nears the visibility timeout
            from ..tasks import push_run

            with transaction.atomic():
                _update(run, claim, status=RunStatus.QUEUED, queued_at=timezone.now())
                transaction.on_commit(lambda: push_run.delay(run.pk), robust=True)
            return run
        if state.phase == "delete":
            assert since is not None  # only an increment (from a watermark) has a delete phase
            keys, last = deletions_batch(
                resource_id=resource_id, after=state.cursor, since=since, upto=horizon
            )
            if keys:
                new = state.advanced(cursor=last, rows_deleted=state.rows_deleted + len(keys))
                target.delete(state, new, keys)
            else:
                new = state.advanced(phase="upsert", cursor="")
                target.begin(state, new)
        elif target.streams and connection.vendor == "postgresql":  # COPY out, COPY in
            count, last, chunks = records_stream_pg(
                resource_id=resource_id, items=items, after=state.cursor, upto=horizon, since=since
            )
            if not count:
                return _finish(target, run, claim, state)
            new = state.advanced(cursor=last, rows_written=state.rows_written + count)
            target.write_stream(state, new, chunks, copy=state.phase == "full_copy")
        else:
            rows, last = records_batch(
                resource_id=resource_id, items=items, after=state.cursor, upto=horizon, since=since
            )
            if not rows:
                return _finish(target, run, claim, state)
            new = state.advanced(cursor=last, rows_written=state.rows_written + len(rows))
            target.write(state, new, rows, copy=state.phase == "full_copy")
        state = new
        _update(
            run,
            claim,
            rows_written=state.rows_written,
            rows_deleted=state.rows_deleted,
            heartbeat_at=timezone.now(),
        )


def _finish(target, run: PushRun, claim: int, state: State) -> PushRun:
    task = run.task
    done = State(watermark=state.horizon)
    target.begin(state, done)
    now = timezone.now()
    assert state.horizon is not None  # set by _begin
    watermark = dt.datetime.fromisoformat(state.horizon)
    with transaction.atomic():
        _update(
            run,
            claim,
            status=RunStatus.DONE,
            finished_at=now,
            watermark=watermark,
            rows_written=state.rows_written,
            rows_deleted=state.rows_deleted,
            error="",
        )
        PushTask.objects.filter(pk=task.pk).update(
            watermark=watermark, failures=0, next_run_at=now + dt.timedelta(minutes=task.interval_minutes)
        )
        _audit(run, outcome=Outcome.OK, record_count=state.rows_written + state.rows_deleted)
    return run


def _fail(run: PushRun, claim: int, message: str, *, retry: bool = True) -> PushRun:
    task = run.task
    failures = task.failures + 1
    backoff = min(2 ** (failures - 1), settings.EXCHANGE["RETRY_MAX_MINUTES"])
    with transaction.atomic():
        _update(run, claim, status=RunStatus.FAILED, finished_at=timezone.now(), error=message[:2000])
        PushTask.objects.filter(pk=task.pk).update(
            failures=failures,
            next_run_at=timezone.now() + dt.timedelta(minutes=backoff) if retry else None,
        )
        _audit(run, outcome=Outcome.FAILED, record_count=run.rows_written + run.rows_deleted, error=message)
    return run


def _audit(run: PushRun, *, outcome: str, record_count: int, error: str = "") -> None:
    task, grant = run.task, run.task.grant
    audit_record(
        action=AuditAction.PUSH_RUN,
        actor=run.created_by,
        target=task,
        outcome=outcome,
        owner_unit=grant.resource.producer,
        data_items=grant.items,
        record_count=record_count,
        purpose=grant.scenario[:300],
        detail={
            "grant": grant.pk,
            "resource": grant.resource_id,
            "run": run.pk,
            "full": run.full,
            "rows_written": run.rows_written,
            "rows_deleted": run.rows_deleted,
            "watermark": run.watermark.isoformat() if run.watermark else None,
            "target": f"{task.engine}://{task.host}:{task.port}/{task.database}/{task.table}",
            **({"error": error[:500]} if error else {}),
        },
    )


def _grant_refusal(grant) -> str:
    if grant.service_method != ServiceMethod.BULK_EXCHANGE:
        return _("This grant is not for bulk exchange.")
    status = grant.status
    if status == GrantStatus.ACTIVE and grant.end_date < timezone.localdate():
        status = GrantStatus.EXPIRED
    if status == GrantStatus.ACTIVE:
        return ""
    template, _code = WHY[status]
    return _(template) % {"reason": grant.status_reason, "end_date": grant.end_date}


def _columns(grant) -> list[Column]:
    types = dict(grant.resource.items.values_list("name", "item_type"))
    return [Column(name, types.get(name, "string")) for name in grant.items]


def _person(actor):
    from dataplatform.core.models import User

    return actor if isinstance(actor, User) else None
