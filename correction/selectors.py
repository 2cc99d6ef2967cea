"""Reads for correction: the queues, the reported records' current values, and supervision figures."""

import datetime as dt
import statistics
from collections import defaultdict
from typing import cast

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from audit.services import audit_record
from catalog.models import Resource
from catalog.records import records_by_keys
from dataplatform.core.audit_actions import AuditAction
from dataplatform.core.models import Unit

from .models import TIMED_STATUSES, CorrectionTicket, TicketStatus


def triage_queue() -> QuerySet[CorrectionTicket]:
    """What the technical service unit has to analyse, oldest first: reopened tickets come back here."""
    return (
        CorrectionTicket.objects.filter(status=TicketStatus.TRIAGE)
        .select_related("resource", "producer", "reporter", "reporter_unit")
        .order_by("reported_at", "id")
    )


def producer_queue(unit: Unit) -> QuerySet[CorrectionTicket]:
    """A producing unit's tickets that owe a decision or a correction, by due date."""
    return (
        CorrectionTicket.objects.filter(producer=unit, status__in=TIMED_STATUSES)
        .select_related("resource", "reporter", "reporter_unit")
        .order_by("due", "id")
    )


def producer_history(unit: Unit, *, limit: int = 50) -> QuerySet[CorrectionTicket]:
    handled = (TicketStatus.RESOLVED, TicketStatus.CONFIRMED, TicketStatus.DECLINED)
    return (
        CorrectionTicket.objects.filter(producer=unit, status__in=handled)
        .select_related("resource")
        .order_by("-decided_at", "-id")[:limit]
    )


def tickets_reported_by(user) -> QuerySet[CorrectionTicket]:
    mine = Q(reporter=user)
    if getattr(user, "unit_id", None):
        mine |= Q(reporter_unit=user.unit_id)
    return CorrectionTicket.objects.filter(mine).select_related("resource", "producer", "reporter")


def record_values(
    *, actor, resource: Resource, keys: list[str], items: list[str], target=None, request=None
) -> dict[str, dict | None]:
    """The current values of ``items`` in the records ``keys`` (None for a record not aggregated).
    Reading government data is audited (Q8.4)."""
    found = records_by_keys(resource_id=resource.pk, keys=keys)
    audit_record(
        action=AuditAction.CORRECTION_RECORD_VIEW,
        actor=actor,
        request=request,
        target=target or resource,
        owner_unit=resource.producer,
        data_items=[f"{resource.code}:{item}" for item in items],
        record_count=len(found),
        purpose="纠错核实",
    )
    return {key: {item: found[key].get(item) for item in items} if key in found else None for key in keys}


def correction_statistics(*, units: QuerySet[Unit], today: dt.date | None = None) -> list[dict]:
    """Per producing unit, for supervision (Q9.1, G48): tickets received (dispatched to it), decisions and
    corrections made by their due dates, steps overdue now, and the median business days from the
    decision to correct to the corrected records being re-aggregated."""
    today = today or timezone.localdate()
    received = CorrectionTicket.objects.filter(producer__in=units, dispatched_at__isnull=False)
    rows = (
        received.values("producer", "producer__name")
        .annotate(
            received=Count("id"),
            decided=Count("id", filter=Q(decided_at__isnull=False)),
            # __date is the date in China Standard Time, as the due dates are.
            decided_on_time=Count("id", filter=Q(decided_at__date__lte=F("decision_due"))),
            corrected=Count("id", filter=Q(corrected_at__isnull=False)),
            corrected_on_time=Count("id", filter=Q(corrected_at__date__lte=F("correction_due"))),
            overdue_now=Count("id", filter=Q(status__in=TIMED_STATUSES, due__lt=today)),
        )
        .order_by("producer__name")
    )
    days: dict[int, list[int]] = defaultdict(list)
    for producer, count in received.filter(correction_business_days__isnull=False).values_list(
        "producer", "correction_business_days"
    ):
        days[producer].append(cast(int, count))  # not null: filtered above
    return [
        {
            "producer": row["producer"],
            "producer_name": row["producer__name"],
            **{
                name: row[name]
                for name in (
                    "received",
                    "decided",
                    "decided_on_time",
                    "corrected",
                    "corrected_on_time",
                    "overdue_now",
                )
            },
            "median_days_to_correct": statistics.median(days[row["producer"]])
            if days[row["producer"]]
            else None,
        }
        for row in rows
    ]
