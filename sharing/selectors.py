"""Reads for supervision (Q9.1, G48) and for the misuse counters."""

import datetime as dt

from django.db.models import Count, Q, Sum
from django.utils import timezone

from audit.models import AuditEvent, Outcome
from dataplatform.core.audit_actions import AuditAction

from .models import DeadlineMiss, Grant

# The actions of the data calls counted against a grant's limits (sharing.calls.data_call).
DATA_CALL_ACTIONS = (AuditAction.DATA_QUERY, AuditAction.DATA_VERIFY, AuditAction.DATA_STATISTICS)


def deadline_misses_by_unit() -> list[dict]:
    """How many sharing steps each unit let go past their due date, most first."""
    return list(
        DeadlineMiss.objects.values("owing_unit", "owing_unit__name")
        .annotate(misses=Count("id"))
        .order_by("-misses", "owing_unit__name")
    )


def grant_use_audited_today(*, grant: Grant, until: dt.datetime) -> tuple[int, int]:
    """The grant's data calls today before ``until`` and the records they returned, as the audit log
    holds them: the durable record the daily counters are rebuilt from when Redis has lost them
    (sharing.misuse). A call of several checks on one grant (a verification rule) writes an event per
    check under one request id, and counts once."""
    midnight = timezone.make_aware(dt.datetime.combine(timezone.localdate(until), dt.time()))
    found = AuditEvent.objects.filter(
        actor_unit_id=grant.unit_id,
        occurred_at__gte=midnight,
        occurred_at__lte=until,  # (the call rebuilding is audited after: never among them)
        action__in=DATA_CALL_ACTIONS,
        outcome=Outcome.OK,
        detail__grant=grant.pk,
    ).aggregate(
        with_id=Count("request_id", distinct=True, filter=~Q(request_id="")),
        without_id=Count("id", filter=Q(request_id="")),
        rows=Sum("record_count"),
    )
    return found["with_id"] + found["without_id"], found["rows"] or 0
