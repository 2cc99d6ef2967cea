"""Usage logs to producers (Q8.4, F24): each day, every producing unit whose data was used receives the
log of that use: in the app (a notification linking to the day's page, with its CSV), and by webhook
where the unit set one.

The push of one unit's day is a ``UsagePush`` row first; a worker claims it with a compare-and-swap
update and only then sends, so running the daily task twice, or two workers at once, sends nothing twice.

The webhook's JSON body: ``{"unit": name, "date": "YYYY-MM-DD", "count": n, "events": [...], "chain":
{"owner_unit": id, "seq": n, "hash": h, "at": time} or null}``. ``chain`` is the head of the unit's audit
hash chain when the push was sent: the unit is a witness (``audit.anchoring``). Kept by the unit, one JSON
line per push, those heads are what ``manage.py verify_audit --witness FILE`` holds the chain against: a
history rewritten or cut short on the platform no longer reaches a head the unit received. Each delivered
head is recorded as a witness ``AuditAnchor`` too.
"""

import csv
import datetime as dt
import hashlib
import hmac
import io
import json
import urllib.request
from collections.abc import Iterable, Iterator
from zoneinfo import ZoneInfo

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from dataplatform.core.audit_actions import AuditAction
from dataplatform.core.models import Role, Unit, User
from dataplatform.core.notifications import notify
from dataplatform.core.spreadsheets import spreadsheet_safe

from .anchoring import audit_anchor_witness
from .grants import resource_names
from .models import AuditChain, AuditEvent, PushStatus, UsagePush, UsageWebhook

CST = ZoneInfo("Asia/Shanghai")  # the log's days are China Standard Time days, whatever the server's zone
# The data interface's calls (data.query, data.verify, data.statistics), and a lower node's day of use of
# the data that flowed back to it (federation.usage: the producer hears of it too, Q8.4).
USAGE_ACTIONS = [*AuditAction.group("data."), AuditAction.FEDERATION_USAGE]
MAX_ATTEMPTS = 5
WEBHOOK_TIMEOUT = 10  # seconds: a slow receiver must not hold the worker
# A claim older than this is taken as abandoned (its worker died), and the push may be sent again.
CLAIM_TIMEOUT = dt.timedelta(minutes=10)
SIGNATURE_HEADER = "X-Usage-Signature"


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time.min, tzinfo=CST)
    return start, start + dt.timedelta(days=1)


def usage_yesterday(now: dt.datetime | None = None) -> dt.date:
    return (now or timezone.now()).astimezone(CST).date() - dt.timedelta(days=1)


def usage_events(*, unit: Unit | int, day: dt.date) -> QuerySet[AuditEvent]:
    start, end = day_bounds(day)
    return (
        AuditEvent.objects.filter(
            owner_unit=unit,
            action__in=USAGE_ACTIONS,
            occurred_at__gte=start,
            occurred_at__lt=end,
        )
        .select_related("actor_unit", "owner_unit", "api_key")
        .order_by("occurred_at", "id")
    )


def event_rows(events: Iterable[AuditEvent]) -> list[dict]:
    """The events as plain values: who (unit, person or API key), which resource and items, how many
    records, under which grant, when, and the outcome."""
    events = list(events)
    # Events older than ``detail.resource_name`` name only their grant: ask the grant's resource.
    names = resource_names({_detail(e).get("grant") for e in events if not _detail(e).get("resource_name")})
    return [
        {
            "id": event.pk,
            "time": event.occurred_at.astimezone(CST).isoformat(timespec="seconds"),
            "action": event.action,
            "outcome": event.outcome,
            "unit": event.actor_unit.name if event.actor_unit else "",
            "owner_unit": event.owner_unit.name if event.owner_unit else "",
            "person": event.actor_name if event.actor_id else "",
            # The key's name: its prefix is for its owner only (issue 18).
            "api_key": event.api_key.name if event.api_key else "",
            "object_type": event.object_type,
            "object_id": event.object_id,
            "resource": _resource_name(event, names),
            "data_items": list(event.data_items or []),
            "record_count": event.record_count,
            "grant": event.detail.get("grant") if isinstance(event.detail, dict) else None,
            "purpose": event.purpose,
        }
        for event in events
    ]


def _detail(event: AuditEvent) -> dict:
    return event.detail if isinstance(event.detail, dict) else {}


def _resource_name(event: AuditEvent, grant_resources: dict[int, str]) -> str:
    """The resource called on: the event's object, or for a call whose object is something else (a
    verification names its rule) the resource the writer named in ``detail.resource_name``, or else its
    grant's resource."""
    if event.object_type == "catalog.resource":
        return event.object_repr
    detail = _detail(event)
    if detail.get("resource_name"):
        return detail["resource_name"]
    grant = detail.get("grant")
    return grant_resources.get(grant, event.object_repr) if isinstance(grant, int) else event.object_repr


def _csv_columns() -> list[tuple[str, str]]:
    """(row key, header) in the active language, for ``event_views`` rows; the codes ride along with
    the words for whoever filters the file."""
    return [
        ("id", _("Event")),
        ("csv_time", _("Time")),
        ("action_label", _("Action")),
        ("action", _("Action code")),
        ("outcome_label", _("Outcome")),
        ("person", _("Person")),
        ("api_key", _("API key")),
        ("unit", _("Unit")),
        ("owner_unit", _("Data owner")),
        ("resource", _("Resource")),
        ("item_labels", _("Data items")),
        ("data_items", _("Data item identifiers")),
        ("record_count", _("Records")),
        ("grant", pgettext("audit", "Grant")),
        ("purpose", _("Purpose")),
    ]


def _csv_safe(value) -> str:
    text = ";".join(value) if isinstance(value, list) else ("" if value is None else str(value))
    return spreadsheet_safe(text)  # a cell starting with = + - @ is a formula to a spreadsheet


def rows_csv(rows: Iterable[dict]) -> Iterator[str]:
    """The rows of ``event_views`` as CSV lines, headers first, times to the second (the file is a
    record); a byte-order mark so that spreadsheet programs read the Chinese right."""
    # The headers now, in the request's language: the lines are written while the answer streams.
    return _csv_lines(rows, _csv_columns())


def _csv_lines(rows: Iterable[dict], columns: list[tuple[str, str]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow([header for _key, header in columns])
    for row in rows:
        values = {**row, "csv_time": row["at"].strftime("%Y-%m-%d %H:%M:%S")}
        writer.writerow([_csv_safe(values[key]) for key, _header in columns])
        if buffer.tell() > 64_000:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


# --- the daily push ---------------------------------------------------------------------------------


def usage_push_prepare(*, day: dt.date) -> list[UsagePush]:
    """Write the day's push row of every unit whose data was used, and notify its people in the app, in
    one transaction per unit; return the rows written by this call (none on a second run)."""
    start, end = day_bounds(day)
    used = (
        AuditEvent.objects.filter(
            action__in=USAGE_ACTIONS,
            occurred_at__gte=start,
            occurred_at__lt=end,
            owner_unit__isnull=False,
        )
        .order_by()
        .values_list("owner_unit_id", flat=True)
        .distinct()
    )
    done = set(UsagePush.objects.filter(day=day).values_list("unit_id", flat=True))
    return [push for unit_id in sorted(set(used) - done) if (push := _push_create(unit_id=unit_id, day=day))]


def _push_create(*, unit_id: int, day: dt.date) -> UsagePush | None:
    webhook = UsageWebhook.objects.filter(unit_id=unit_id, is_active=True).exists()
    count = usage_events(unit=unit_id, day=day).count()
    with transaction.atomic():
        # get_or_create stands a race with a second worker: the unique constraint, then a second get.
        push, created = UsagePush.objects.get_or_create(
            unit_id=unit_id,
            day=day,
            defaults={
                "event_count": count,
                "status": PushStatus.PENDING if webhook else PushStatus.NO_WEBHOOK,
            },
        )
        if not created:
            return None
        notify(
            recipients=_usage_recipients(unit_id),
            title=_("Usage log of %(day)s: your data was used %(count)s times")
            % {"day": day, "count": count},
            body=_("Who used your unit's data, which items, how many records and under which grant."),
            url=reverse("audit-usage-day", args=[day.isoformat()]),
        )
    return push


def _usage_recipients(unit_id: int) -> QuerySet[User]:
    return User.objects.filter(
        unit_id=unit_id, is_active=True, role_assignments__role__in=[Role.DATA_ADMIN, Role.LEADER]
    ).distinct()


def usage_pushes_due(limit: int = 500) -> list[int]:
    return list(
        UsagePush.objects.filter(_claimable(timezone.now()))
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )


def _claimable(now: dt.datetime) -> Q:
    abandoned = Q(status=PushStatus.SENDING, claimed_at__lt=now - CLAIM_TIMEOUT)
    return Q(status=PushStatus.PENDING) | abandoned


def usage_push_deliver(push_id: int) -> bool:
    """Send one push by its unit's webhook; return whether this call delivered it.

    The claim is a compare-and-swap, so a second worker or a second run never sends it twice. The POST
    happens outside any transaction: a slow receiver must not hold a database connection's locks.
    """
    now = timezone.now()
    claimed = UsagePush.objects.filter(_claimable(now), pk=push_id).update(
        status=PushStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        return False
    push = UsagePush.objects.select_related("unit").get(pk=push_id)
    webhook = UsageWebhook.objects.filter(unit_id=push.unit_id, is_active=True).first()
    if webhook is None:
        UsagePush.objects.filter(pk=push_id).update(status=PushStatus.NO_WEBHOOK)
        return False
    try:
        head = _post(webhook, push)
    except Exception as exc:  # any failure of the receiver or the network: retried by a later run
        gave_up = push.attempts >= MAX_ATTEMPTS
        UsagePush.objects.filter(pk=push_id).update(
            status=PushStatus.FAILED if gave_up else PushStatus.PENDING, last_error=repr(exc)[:500]
        )
        return False
    UsagePush.objects.filter(pk=push_id).update(
        status=PushStatus.DELIVERED, delivered_at=timezone.now(), last_error=""
    )
    if head is not None:
        audit_anchor_witness(
            head={k: head[k] for k in ("owner_unit", "seq", "hash")}, where=f"usage-push:{push.pk}"
        )
    return True


def usage_chain_head(unit_id: int) -> dict | None:
    """The head of the unit's audit chain now, as the push carries it to the unit (a witness)."""
    chain = AuditChain.objects.filter(owner_unit_id=unit_id, head_seq__gt=0).first()
    if chain is None:
        return None
    at = timezone.now().isoformat()
    return {"owner_unit": unit_id, "seq": chain.head_seq, "hash": chain.head_hash, "at": at}


def usage_payload(push: UsagePush, *, head: dict | None = None) -> bytes:
    events = event_rows(usage_events(unit=push.unit_id, day=push.day))
    body = {
        "unit": push.unit.name,
        "date": push.day.isoformat(),
        "events": events,
        "count": len(events),
        "chain": head,
    }
    return json.dumps(body, ensure_ascii=False, cls=DjangoJSONEncoder).encode()


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _post(webhook: UsageWebhook, push: UsagePush) -> dict | None:
    """POST the push; return the chain head it carried."""
    head = usage_chain_head(push.unit_id)
    body = usage_payload(push, head=head)
    request = urllib.request.Request(
        webhook.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            SIGNATURE_HEADER: signature(webhook.secret, body),
            # The receiver may drop a repeat: a worker that dies after the POST and before recording it
            # leaves the push to be sent again once its claim expires.
            "X-Usage-Push-Id": str(push.pk),
        },
    )
    with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT) as response:  # noqa: S310 (https or http URLField)
        if not 200 <= response.status < 300:
            raise OSError(f"HTTP {response.status}")
    return head


def usage_push_daily(*, day: dt.date | None = None) -> int:
    """The daily timer: yesterday's pushes written, then every push due (today's and earlier retries)
    sent; returns how many were delivered."""
    usage_push_prepare(day=day or usage_yesterday())
    return sum(usage_push_deliver(pk) for pk in usage_pushes_due())
