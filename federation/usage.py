"""Usage logs across nodes (Q8.4, docs/federation.md §14): the producer upstairs learns how its data is used
at the lower node it flowed back to.

The lower node (``usage_reports_send``, a daily timer) counts, for each whole China Standard Time day since
it last reported, the data calls and pushes that read a mirror here (this node's own audit events of
reads: ``data.*`` calls and ``push.run``), and sends one ``usage.report`` per day with calls to the
mirror's origin. The request's ``usage_reported_until`` moves in the same transaction as the messages, so a
second run, or a second worker waiting on the row lock, sends no day twice.

The upper node (``usage.report``) writes one ``federation.usage`` audit event per day on the producer's
chain; a day it has recorded already (a resend after a lost answer) is ignored.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDate

from audit.models import AuditEvent, Outcome
from audit.services import audit_record
from audit.usage import CST, day_bounds, usage_yesterday
from catalog.models import Resource
from dataplatform.core.audit_actions import AuditAction

from . import bodies
from .acting import peer_user
from .envelope import Envelope
from .handlers import HandlerError, handler
from .models import BackflowRequest, BackflowStatus, Export, Peer
from .outbox import federation_send

REPORT = "usage.report"
# The audit events of this node that read a mirror's records: the data interface's calls and the pushes.
READS = [*AuditAction.group("data."), AuditAction.PUSH_RUN]
REPORTING = (BackflowStatus.GRANTED, BackflowStatus.SUSPENDED, BackflowStatus.ENDED)


def usage_stream(request_id: int) -> str:
    return f"usage:{request_id}"


# --- the lower node: count and send -----------------------------------------------------------------------


@dataclass
class DayUse:
    calls: int = 0
    records: int = 0
    units: set[str] = field(default_factory=set)


def usage_reports_send(now: dt.datetime | None = None) -> int:
    """Timer: report every whole day not reported yet of every mirror in use; return the reports queued."""
    upto = usage_yesterday(now)
    due = (
        BackflowRequest.objects.filter(mirror__isnull=False, status__in=REPORTING)
        .filter(Q(usage_reported_until__isnull=True) | Q(usage_reported_until__lt=upto))
        .values_list("pk", flat=True)
    )
    return sum(request_usage_send(pk, upto=upto) for pk in list(due))


def request_usage_send(pk: int, *, upto: dt.date) -> int:
    """Report the days of one back-flow up to ``upto``; the row lock makes a concurrent run wait, then
    find those days reported."""
    with transaction.atomic():
        request = (
            BackflowRequest.objects.select_for_update(of=("self",))
            .select_related("remote_entry__origin", "mirror")
            .get(pk=pk)
        )
        first = _first_day(request)
        if request.mirror is None or first > upto:
            return 0
        uses = mirror_uses(request.mirror, first, upto)
        for day in sorted(uses):
            use = uses[day]
            body = {
                "request": request.pk,
                "day": day.isoformat(),
                "calls": use.calls,
                "records": use.records,
                "units": sorted(use.units),
            }
            federation_send(
                peer=request.remote_entry.origin, kind=REPORT, stream=usage_stream(request.pk), body=body
            )
        request.usage_reported_until = upto
        request.save(update_fields=["usage_reported_until", "updated_at"])
    return len(uses)


def _first_day(request: BackflowRequest) -> dt.date:
    """The day after the last one reported, or the day the data started to flow back."""
    if request.usage_reported_until is not None:
        return request.usage_reported_until + dt.timedelta(days=1)
    granted = (
        request.steps.filter(to_status=BackflowStatus.GRANTED).order_by("at").values_list("at", flat=True)
    )
    start = granted.first() or request.created_at
    return start.astimezone(CST).date()


def mirror_reads(mirror: Resource, first: dt.date, last: dt.date) -> QuerySet[AuditEvent]:
    """This node's events that read ``mirror`` on the days ``first`` to ``last`` (China Standard Time).
    The event names the mirror as its object (a data call) or in its detail (a push run, a verification)."""
    start, end = day_bounds(first)[0], day_bounds(last)[1]
    names_mirror = Q(object_type="catalog.resource", object_id=str(mirror.pk)) | Q(detail__resource=mirror.pk)
    return AuditEvent.objects.filter(
        names_mirror,
        owner_unit=mirror.producer_id,  # the index on (owner_unit, occurred_at) finds them
        occurred_at__gte=start,
        occurred_at__lt=end,
        action__in=READS,
        outcome=Outcome.OK,
    )


def mirror_uses(mirror: Resource, first: dt.date, last: dt.date) -> dict[dt.date, DayUse]:
    """The days with reads: calls, records returned and the distinct units that read; two queries."""
    reads = mirror_reads(mirror, first, last).annotate(day=TruncDate("occurred_at", tzinfo=CST))
    uses: dict[dt.date, DayUse] = defaultdict(DayUse)
    for row in reads.values("day").annotate(calls=Count("id"), records=Sum("record_count")).order_by():
        uses[row["day"]].calls = row["calls"]
        uses[row["day"]].records = row["records"] or 0
    units = reads.filter(actor_unit__isnull=False).values_list("day", "actor_unit__name").distinct()
    for day, name in units.order_by():
        uses[day].units.add(name)
    return dict(uses)


# --- the upper node: record ------------------------------------------------------------------------------


def _report_parse(body: dict) -> dict:
    day = bodies.day(body, "day", kind=REPORT)
    units = body.get("units")
    if not isinstance(units, list) or not all(isinstance(name, str) and len(name) <= 200 for name in units):
        raise HandlerError(f'{REPORT}: "units" must be a list of unit names')
    return {
        "request": bodies.whole(body, "request", kind=REPORT),
        "day": day.isoformat(),
        "calls": bodies.whole(body, "calls", kind=REPORT),
        "records": bodies.whole(body, "records", kind=REPORT),
        "units": units,
    }


@handler(REPORT)
def usage_report(peer: Peer, envelope: Envelope) -> None:
    """A lower node's day of use of this node's data: one audit event on the producer's chain."""
    report = _report_parse(envelope.body)
    export = (
        Export.objects.select_related("resource__producer")
        .filter(peer=peer, request_id=report["request"])
        .first()
    )
    if export is None:
        raise HandlerError(f"{REPORT}: no back-flow {report['request']} of this node here")
    if usage_recorded(export, report["day"]):
        return  # the same day again: its first report stands
    resource = export.resource
    audit_record(
        action=AuditAction.FEDERATION_USAGE,
        actor=peer_user(peer),
        target=export,
        owner_unit=resource.producer,
        data_items=export.items,
        record_count=report["records"],
        detail={
            "peer": peer.node_id,
            "request": report["request"],
            "day": report["day"],
            "calls": report["calls"],
            "units": report["units"],
            "resource": resource.pk,
            "resource_name": resource.name[:200],  # the usage log names the resource by it
        },
    )


def usage_recorded(export: Export, day: str) -> bool:
    return AuditEvent.objects.filter(
        action=AuditAction.FEDERATION_USAGE,
        object_type=Export._meta.label_lower,
        object_id=str(export.pk),
        detail__day=day,
    ).exists()
