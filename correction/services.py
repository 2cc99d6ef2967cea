"""Writes for correction: reports and objections, the resolution check, and the deadline timers."""

import datetime as dt
from collections.abc import Iterable

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from catalog.ingest.rows import KEY_MAX_LENGTH
from catalog.models import Resource
from dataplatform.core.business_days import add_business_days, business_days_between, is_workday
from dataplatform.core.errors import ApplicationError, Forbidden
from dataplatform.core.models import User
from dataplatform.core.notifications import notify

from .access import report_kind, reportable_items, reportable_resources
from .models import (
    DESCRIPTION_MAX_LENGTH,
    MAX_KEYS,
    TIMED_STATUSES,
    CorrectionTicket,
    TicketStatus,
)
from .workflow import authority_of, notify_reported, owers, record_step, records_corrected, ticket_act

MAX_ATTACHMENT_BYTES = 10 * 2**20


# --- reporting -------------------------------------------------------------------------------------


def _check_can_report(actor, resource: Resource) -> str:
    """The kind of ticket ``actor`` files on ``resource``, or why it may not."""
    kind = report_kind(actor)
    if kind is None:
        raise Forbidden(
            _(
                "Problem data is reported by a government unit's data administrator; citizens and public organizations may object."
            )
        )
    if not reportable_resources(actor).filter(pk=resource.pk).exists():
        raise ApplicationError(
            _("You cannot report on %(resource)s: a unit reports on data it uses through a grant.")
            % {"resource": resource.name}
        )
    return kind


def _clean_description(description: str) -> str:
    description = description.strip()
    if not description:
        raise ApplicationError(_("Say what is wrong, briefly and precisely (Q7.1)."))
    if len(description) > DESCRIPTION_MAX_LENGTH:
        raise ApplicationError(
            _("Say what is wrong in at most %(description_max_length)s characters.")
            % {"description_max_length": DESCRIPTION_MAX_LENGTH}
        )
    return description


def _clean_keys(keys: Iterable[str]) -> list[str]:
    cleaned = list(dict.fromkeys(str(key).strip() for key in keys if str(key).strip()))
    if not cleaned:
        raise ApplicationError(_("Name the key of at least one record."))
    if len(cleaned) > MAX_KEYS:
        raise ApplicationError(_("Report at most %(max_keys)s records at a time.") % {"max_keys": MAX_KEYS})
    for key in cleaned:
        if len(key) > KEY_MAX_LENGTH or any(c in key for c in "\t\r\n"):
            raise ApplicationError(_("%(key)s is not a record key.") % {"key": repr(key[:40])})
    return cleaned


def _clean_items(actor, resource: Resource, items: Iterable[str]) -> list[str]:
    allowed = [item["name"] for item in reportable_items(actor, resource)]
    chosen = set(items)
    if not chosen:
        raise ApplicationError(_("Choose the data item or items that are wrong."))
    unknown = chosen - set(allowed)
    if unknown:
        raise ApplicationError(
            _("You cannot report on the data items %(unknown)s of %(resource)s.")
            % {"unknown": ", ".join(sorted(unknown)), "resource": resource.name}
        )
    return [name for name in allowed if name in chosen]  # in the resource's order


def ticket_report(
    *,
    actor,
    resource: Resource,
    keys: Iterable[str],
    items: Iterable[str],
    description: str,
    proposed_value: str = "",
    evidence: str = "",
    attachment: UploadedFile | None = None,
    request=None,
) -> CorrectionTicket:
    """Report problem data (Q7.1) or object to it (G42, F25): the ticket goes to the technical service
    unit for analysis."""
    kind = _check_can_report(actor, resource)
    if attachment is not None and (attachment.size or 0) > MAX_ATTACHMENT_BYTES:  # (an upload has its size)
        raise ApplicationError(
            _("The evidence file is larger than %(size)s MB.") % {"size": MAX_ATTACHMENT_BYTES // 2**20}
        )
    ticket = CorrectionTicket(
        kind=kind,
        resource=resource,
        producer=resource.producer,
        keys=_clean_keys(keys),
        items=_clean_items(actor, resource, items),
        description=_clean_description(description),
        proposed_value=proposed_value.strip()[:500],
        evidence=evidence.strip(),
        reporter=actor if isinstance(actor, User) else None,
        reporter_unit=getattr(actor, "unit", None),
        api_key=getattr(actor, "api_key", None),
    )
    if attachment is not None:
        ticket.attachment = attachment
    with transaction.atomic():
        ticket.save()
        record_step(ticket, "report", "", actor=actor, request=request, detail={"kind": kind})
        notify_reported(ticket)
    return ticket


# --- resolution ------------------------------------------------------------------------------------


def tickets_resolve_corrected(*, resource_id: int | None = None) -> int:
    """Resolve every ticket (of one resource, or all) whose reported records were re-aggregated after
    the producer's decision. Runs on a timer (correction.tasks.scan_corrected_tickets, every minute);
    running it twice resolves nothing twice."""
    tickets = CorrectionTicket.objects.filter(status=TicketStatus.CORRECTING)
    if resource_id is not None:
        tickets = tickets.filter(resource_id=resource_id)
    resolved = 0
    for ticket in tickets:
        if not records_corrected(ticket):
            continue
        try:
            ticket_act(ticket=ticket, action="resolve", actor=None)
        except ApplicationError:
            continue  # another run resolved it meanwhile; the lock made it see so
        resolved += 1
    return resolved


# --- deadlines -------------------------------------------------------------------------------------


def _url(ticket: CorrectionTicket) -> str:
    return f"/correction/{ticket.pk}/"


def _step_name(ticket: CorrectionTicket) -> Promise:
    if ticket.status == TicketStatus.DISPATCHED:
        return gettext_lazy("decide whether to correct")
    return gettext_lazy("correct and re-aggregate")


def _ticket_params(ticket: CorrectionTicket) -> dict:
    return {"ticket": f"#{ticket.pk} {ticket.resource.name}", "step": _step_name(ticket), "due": ticket.due}


def _claim(ticket: CorrectionTicket, unclaimed: Q, **update) -> bool:
    """Compare and swap on the step as it was read: a second run, or a step taken meanwhile, claims
    nothing."""
    same_step = Q(pk=ticket.pk, status=ticket.status, due=ticket.due)
    return CorrectionTicket.objects.filter(same_step & unclaimed).update(**update) == 1


def tickets_remind(today: dt.date | None = None) -> int:
    """Timer: on the last business day before a step is due, remind whoever owes it. Once per step."""
    today = today or timezone.localdate()
    horizon = add_business_days(today, 1).date
    reminded = 0
    for ticket in CorrectionTicket.objects.filter(
        status__in=TIMED_STATUSES, due__gte=today, due__lte=horizon, reminded_at__isnull=True
    ).select_related("resource"):
        with transaction.atomic():  # the claim and the notifications stand or fall together
            if not _claim(ticket, Q(reminded_at__isnull=True), reminded_at=timezone.now()):
                continue
            notify(
                recipients=owers(ticket),
                title=gettext_noop("Correction due on %(due)s (%(step)s): %(ticket)s"),
                params=_ticket_params(ticket),
                url=_url(ticket),
            )
        reminded += 1
    return reminded


def tickets_mark_overdue(today: dt.date | None = None) -> int:
    """Timer: the day after a step's due date, mark it overdue and escalate to the authority. Once."""
    today = today or timezone.localdate()
    marked = 0
    for ticket in CorrectionTicket.objects.filter(
        status__in=TIMED_STATUSES, due__lt=today, overdue_since__isnull=True
    ).select_related("resource", "producer__region"):
        with transaction.atomic():
            if not _claim(
                ticket, Q(overdue_since__isnull=True), overdue_since=timezone.now(), overdue_reminded_on=today
            ):
                continue
            record_step(ticket, "overdue", ticket.status, actor=None)
            title = gettext_noop("Correction overdue: %(unit)s did not %(step)s by %(due)s (%(ticket)s)")
            params = {**_ticket_params(ticket), "unit": ticket.producer.name}
            notify(recipients=authority_of(ticket.producer), title=title, params=params, url=_url(ticket))
            notify(recipients=owers(ticket), title=title, params=params, url=_url(ticket))
        marked += 1
    return marked


def tickets_remind_overdue(today: dt.date | None = None) -> int:
    """Timer: while a step stays overdue, remind whoever owes it once every business day."""
    today = today or timezone.localdate()
    if not is_workday(today):
        return 0
    not_today = Q(overdue_reminded_on__isnull=True) | Q(overdue_reminded_on__lt=today)
    reminded = 0
    for ticket in CorrectionTicket.objects.filter(
        not_today, status__in=TIMED_STATUSES, due__lt=today, overdue_since__isnull=False
    ).select_related("resource"):
        with transaction.atomic():
            if not _claim(ticket, not_today & Q(overdue_since__isnull=False), overdue_reminded_on=today):
                continue
            assert ticket.due is not None  # chosen by due__lt
            late = business_days_between(ticket.due, today).days
            notify(
                recipients=owers(ticket),
                title=gettext_noop("Correction %(days)s business days overdue (%(step)s): %(ticket)s"),
                params={**_ticket_params(ticket), "days": late},
                url=_url(ticket),
            )
        reminded += 1
    return reminded
