"""Correction's part of a person's pending work (home page)."""

from django.utils.translation import gettext as _

from dataplatform.core.models import Role
from dataplatform.core.pending import PendingItem

from .models import CorrectionTicket, TicketStatus
from .selectors import producer_queue, tickets_reported_by, triage_queue
from .workflow import is_reporter


def _url(ticket: CorrectionTicket) -> str:
    return f"/correction/{ticket.pk}/"


def _name(ticket: CorrectionTicket) -> str:
    return f"#{ticket.pk} {ticket.resource.name}"


def correction_pending_work(user) -> list[PendingItem]:
    items: list[PendingItem] = []
    if user.has_role(Role.EVALUATOR):
        for ticket in triage_queue():
            title = _("Analyse the problem data: %(ticket)s") % {"ticket": _name(ticket)}
            items.append(PendingItem(title, _url(ticket)))
    if user.unit_id and user.has_role(Role.DATA_ADMIN):
        for ticket in producer_queue(user.unit):
            if ticket.status == TicketStatus.DISPATCHED:
                title = _("Decide whether to correct: %(ticket)s")
            else:
                title = _("Correct and re-aggregate: %(ticket)s")
            items.append(PendingItem(title % {"ticket": _name(ticket)}, _url(ticket), ticket.due))
    for ticket in tickets_reported_by(user).filter(status=TicketStatus.RESOLVED):
        if is_reporter(user, ticket):
            title = _("Confirm the correction: %(ticket)s") % {"ticket": _name(ticket)}
            items.append(PendingItem(title, _url(ticket)))
    return items
