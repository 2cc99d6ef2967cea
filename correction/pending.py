"""Correction's part of a person's pending work (home page)."""

from dataplatform.core.models import Role
from dataplatform.core.pending import PendingItem

from .models import CorrectionTicket, TicketStatus
from .selectors import producer_queue, tickets_reported_by, triage_queue
from .workflow import is_reporter


def _url(ticket: CorrectionTicket) -> str:
    return f"/correction/{ticket.pk}/"


def correction_pending_work(user) -> list[PendingItem]:
    items: list[PendingItem] = []
    if user.has_role(Role.EVALUATOR):
        for ticket in triage_queue():
            items.append(PendingItem(f"分析问题数据：#{ticket.pk} {ticket.resource.name}", _url(ticket)))
    if user.unit_id and user.has_role(Role.DATA_ADMIN):
        for ticket in producer_queue(user.unit):
            what = "决定是否更正" if ticket.status == TicketStatus.DISPATCHED else "更正并重新汇聚"
            items.append(
                PendingItem(f"{what}：#{ticket.pk} {ticket.resource.name}", _url(ticket), ticket.due)
            )
    for ticket in tickets_reported_by(user).filter(status=TicketStatus.RESOLVED):
        if is_reporter(user, ticket):
            items.append(PendingItem(f"确认更正结果：#{ticket.pk} {ticket.resource.name}", _url(ticket)))
    return items
