"""Demo correction tickets, one in each state of the workflow, made through the services and the workflow
as people make them, on the demo catalog's records; one was dispatched a month ago and is overdue.
Idempotent: once any ticket exists nothing is added."""

import datetime as dt
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass

from django.utils import timezone

from catalog.aggregation.services import records_upsert
from catalog.models import Resource
from catalog.records import records_where
from dataplatform.core.models import Role, User
from sharing.models import Grant, GrantStatus
from sharing.services import application_create
from sharing.workflow import application_act

from .models import CorrectionTicket
from .services import ticket_report, tickets_mark_overdue, tickets_resolve_corrected
from .workflow import ticket_act

COMPANIES = "QZ-SJ-FR-0001"  # 企业登记信息, produced by the market regulator
POPULATION = "QZ-GA-RK-0001"  # 人口基本信息, produced by the police

# Who uses which data through a grant: (person, resource, items, business matter, scenario, system).
GRANTS = [
    (
        "hrss_admin",
        COMPANIES,
        ("credit_code", "company_name", "legal_rep", "address", "established_on"),
        "就业登记：用人单位信息核验",
        "办理劳动者就业登记时核验用人单位的名称、法定代表人和住所",
        "就业创业服务系统",
    ),
    (
        "nr_admin",
        COMPANIES,
        ("credit_code", "company_name", "registered_capital", "established_on"),
        "土地出让：竞买企业资格核验",
        "国有建设用地使用权出让时核验竞买企业的名称、注册资本和成立日期",
        "土地市场交易系统",
    ),
    (
        "market_admin",
        POPULATION,
        ("id_number", "full_name"),
        "个体工商户登记：经营者身份核验",
        "个体工商户设立登记时核验经营者的身份号码与姓名",
        "市场主体登记系统",
    ),
]


@dataclass(frozen=True)
class DemoTicket:
    reporter: str
    resource: str
    record: int  # which record (by position) is reported
    item: str
    description: str
    proposed: str = ""
    steps: tuple[tuple[str, str, str], ...] = ()  # (action, by, opinion)
    corrected_to: str | None = None  # the producer re-aggregates the record with this value
    confirmation: str | None = None  # the reporter then confirms, saying this
    days_ago: int = 0


ANALYSED = "经分析，反馈内容具体、与数据项对应，属于数据质量问题，分发生产单位核实。"
TICKETS = [
    DemoTicket(
        "hrss_admin",
        COMPANIES,
        0,
        "company_name",
        "企业名称与营业执照不一致，缺少“有限”二字。",
        "（按营业执照）",
    ),
    DemoTicket(
        "citizen",
        POPULATION,
        0,
        "household_address",
        "本人户籍已于2025年迁至丰泽区，平台上的户籍地址仍为迁出前的地址。",
    ),
    DemoTicket(
        "nr_admin",
        COMPANIES,
        1,
        "registered_capital",
        "注册资本明显偏小，疑似单位错误。",
        steps=(
            ("close", "evaluator", "注册资本以“元”为单位，与登记一致；反馈方按“万元”理解，不属于数据问题。"),
        ),
    ),
    DemoTicket(
        "hrss_admin",
        COMPANIES,
        2,
        "address",
        "企业住所已变更，办理就业登记时核对的新住所与平台数据不符。",
        steps=(("dispatch", "evaluator", ANALYSED),),
    ),
    DemoTicket(
        "market_admin",
        POPULATION,
        1,
        "full_name",
        "经营者姓名中的生僻字显示为同音字。",
        steps=(
            ("dispatch", "evaluator", ANALYSED),
            ("decline", "police_admin", "经核实，户籍档案登记的姓名即为该字，与平台数据一致，不予更正。"),
        ),
    ),
    DemoTicket(
        "hrss_admin",
        COMPANIES,
        3,
        "legal_rep",
        "法定代表人已于今年变更，平台仍为原法定代表人。",
        steps=(
            ("dispatch", "evaluator", ANALYSED),
            ("correct", "market_admin", "核实属实，将从登记系统源头更正后重新汇聚。"),
        ),
    ),
    DemoTicket(
        "nr_admin",
        COMPANIES,
        4,
        "established_on",
        "成立日期与营业执照记载的日期相差一年。",
        steps=(("dispatch", "evaluator", ANALYSED), ("correct", "market_admin", "核实属实，系录入错误。")),
        corrected_to="2011-06-18",
    ),
    DemoTicket(
        "hrss_admin",
        COMPANIES,
        5,
        "address",
        "住所门牌号错误，应为刺桐路188号。",
        "泉州市丰泽区刺桐路188号",
        steps=(("dispatch", "evaluator", ANALYSED), ("correct", "market_admin", "核实属实。")),
        corrected_to="泉州市丰泽区刺桐路188号",
        confirmation="已核对，更正无误。",
    ),
    # Dispatched a month ago and never decided: the timer marked it overdue and told the authority.
    DemoTicket(
        "nr_admin",
        COMPANIES,
        6,
        "company_name",
        "企业已更名，平台仍为旧名称。",
        steps=(("dispatch", "evaluator", ANALYSED),),
        days_ago=30,
    ),
]


def seed_correction() -> list[CorrectionTicket]:
    """Create the demo tickets; needs the demo people and catalog (and makes the grants it needs)."""
    resources = {r.code: r for r in Resource.objects.filter(code__in=[COMPANIES, POPULATION])}
    if CorrectionTicket.objects.exists() or len(resources) < 2:
        return []
    for username, code, items, matter, scenario, system in GRANTS:
        _ensure_grant(User.objects.get(username=username), resources[code], items, matter, scenario, system)
    tickets = [_create(spec, resources[spec.resource]) for spec in TICKETS]
    tickets_mark_overdue()  # the timer would do it at its next run
    return tickets


def _ensure_grant(
    applicant: User, resource: Resource, items, matter: str, scenario: str, system: str
) -> None:
    granted = set()
    for held in Grant.objects.filter(unit=applicant.unit, resource=resource, status=GrantStatus.ACTIVE):
        granted.update(held.items)
    if set(items) <= granted:
        return
    application = application_create(
        actor=applicant,
        lines=[{"resource": resource, "items": list(items)}],
        business_matter=matter,
        scenario=scenario,
        information_system=system,
        service_method="interface",
        end_date=timezone.localdate() + dt.timedelta(days=365),
    )
    application_act(application=application, action="submit", actor=applicant)  # unconditional: granted


def _create(spec: DemoTicket, resource: Resource) -> CorrectionTicket:
    record = records_where(resource_id=resource.pk, limit=spec.record + 1)[spec.record]
    with _days_ago(spec.days_ago):
        ticket = ticket_report(
            actor=User.objects.get(username=spec.reporter),
            resource=resource,
            keys=[record.key],
            items=[spec.item],
            description=spec.description,
            proposed_value=spec.proposed or spec.corrected_to or "",
        )
        for action, by, opinion in spec.steps:
            ticket = ticket_act(
                ticket=ticket, action=action, actor=User.objects.get(username=by), opinion=opinion
            )
    if spec.corrected_to is not None:
        # The producer corrects the record at the source and re-aggregates it; the platform sees it.
        producer = User.objects.filter(unit=resource.producer, role_assignments__role=Role.DATA_ADMIN).first()
        records_upsert(
            actor=producer, resource=resource, records=[{**record.data, spec.item: spec.corrected_to}]
        )
        # With a broker the aggregation's queued check runs in a worker: resolve here too (idempotent).
        tickets_resolve_corrected(resource_id=resource.pk)
        ticket.refresh_from_db()
    if spec.confirmation is not None:
        ticket = ticket_act(ticket=ticket, action="confirm", actor=ticket.reporter, opinion=spec.confirmation)
    return ticket


def _days_ago(days: int) -> AbstractContextManager:
    """Travel back in time for the steps of a late ticket; stay in the present otherwise."""
    if not days:
        return nullcontext()
    # Imported here: time-machine is a development dependency, and only the demo travels in time.
    import time_machine

    return time_machine.travel(timezone.now() - dt.timedelta(days=days), tick=False)
