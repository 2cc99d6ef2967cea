"""Demo sharing applications, one in each state of the workflow, made through the services and the
workflow exactly as people make them. Idempotent: an application is known by its unit and business
matter, and one that exists is left alone."""

import datetime as dt
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from catalog.models import Resource
from dataplatform.core.models import User

from .forms import REQUIREMENTS_TITLE, TECHNICAL_PLAN_TITLE
from .models import Application, Grant, GrantStatus
from .services import application_create, applications_mark_overdue, attachment_add, grant_change
from .workflow import application_act

REASONABLE = "申请的数据项与业务事项、应用场景相符，符合最少够用原则，建议共享。"
MINIMUM_NECESSARY = "《泉州市政务数据管理规定》二、（二）及附件2第1条：按照最少够用原则明确共享数据的业务事项、应用场景和具体范围"


@dataclass(frozen=True)
class Step:
    action: str
    by: str
    opinion: str = ""
    basis: str = ""


@dataclass(frozen=True)
class DemoApplication:
    applicant: str
    resource: str
    items: tuple[str, ...]
    matter: str
    scenario: str
    system: str
    steps: tuple[Step, ...] = ()
    method: str = "interface"
    scope: str = ""
    papers: bool = False
    # Taken that many days ago, one step a day: its step is then long past its due date.
    days_ago: int = 0


APPLICATIONS = [
    # A draft, not yet submitted.
    DemoApplication(
        "nr_admin",
        "QZ-GA-RK-0001",
        ("id_number", "full_name"),
        "不动产登记：权利人身份核验",
        "受理不动产登记申请时，核验申请人填报的身份号码与姓名是否一致",
        "不动产登记业务系统",
        scope="全市不动产登记窗口，预计每日 800 次",
    ),
    # Unconditional data by interface: granted through the platform at once (Q5.4).
    DemoApplication(
        "market_admin",
        "QZ-GA-RK-0001",
        ("id_number", "full_name"),
        "企业开办一件事：法定代表人身份核验",
        "企业设立登记时核验法定代表人的身份号码与姓名",
        "企业开办一网通办系统",
        (Step("submit", "market_admin"),),
        scope="全市企业登记窗口及网上办理",
    ),
    # Conditional data: waiting for the technical service unit's evaluation.
    DemoApplication(
        "nr_admin",
        "QZ-RS-SB-0001",
        ("id_number", "full_name", "insurance_type"),
        "人才住房保障资格审核",
        "审核人才安居申请人在本市的社会保险参保险种",
        "人才住房保障管理系统",
        (Step("submit", "nr_admin"),),
    ),
    # Conditional data: evaluated as reasonable, the producer is being consulted (会商).
    DemoApplication(
        "market_admin",
        "QZ-RS-SB-0001",
        ("id_number", "full_name", "paid"),
        "个体工商户社保缴纳情况核查",
        "办理个体工商户年度报告时核查经营者是否足额缴纳社会保险",
        "市场主体年报系统",
        (Step("submit", "market_admin"), Step("reasonable", "evaluator", REASONABLE)),
    ),
    # Not-shared data by verification, at the authority and overdue.
    DemoApplication(
        "hrss_admin",
        "QZ-GA-HY-0002",
        ("id_number", "has_record"),
        "就业困难人员认定：违法犯罪记录核查",
        "认定就业困难人员时按身份号码核查是否有违法犯罪记录，只取核查结果",
        "就业创业服务系统",
        (
            Step("submit", "hrss_admin"),
            Step("reasonable", "evaluator", REASONABLE),
            Step("agree", "police_admin", "同意以数据交叉核验方式提供，只返回核查结果。"),
        ),
        method="verification",
        papers=True,
        days_ago=20,
    ),
    # Refused by the authority, with the policy basis and the reason (Q-A2.3).
    DemoApplication(
        "nr_admin",
        "QZ-RS-SB-0001",
        ("full_name", "month", "base_amount"),
        "征地补偿安置对象社保缴费基数比对",
        "比对征地补偿安置对象的历年社保缴费基数",
        "征地补偿管理系统",
        (
            Step("submit", "nr_admin"),
            Step("reasonable", "evaluator", "业务事项明确，请生产单位就缴费基数是否必要提出意见。"),
            Step("disagree", "hrss_admin", "缴费基数属于敏感个人信息，征地补偿安置不需要。"),
            Step(
                "refuse",
                "reviewer",
                "征地补偿安置只需确认参保状态，缴费月份和缴费基数超出业务所需。",
                MINIMUM_NECESSARY,
            ),
        ),
    ),
    # Returned by the technical service unit as unreasonable, to revise and resubmit (Q-A2.2).
    DemoApplication(
        "market_admin",
        "QZ-RS-SB-0001",
        ("record_id", "id_number", "full_name", "insurance_type", "month", "base_amount", "paid"),
        "食品经营从业人员参保核查",
        "核查食品经营单位从业人员的参保情况",
        "食品安全监管系统",
        (
            Step("submit", "market_admin"),
            Step(
                "unreasonable",
                "evaluator",
                "申请了全部数据项。核查参保状态只需身份号码和是否足额缴纳，请按最少够用原则修改后重新提交。",
            ),
        ),
    ),
    # A county applicant asking for city data: through the county authority (Q-A2.4).
    DemoApplication(
        "jj_market_admin",
        "QZ-RS-SB-0001",
        ("id_number", "paid"),
        "晋江市个体工商户社保补贴审核",
        "审核申请社保补贴的个体工商户经营者的参保缴费情况",
        "晋江市惠企政策兑现系统",
        (
            Step("submit", "jj_market_admin"),
            Step("reasonable", "evaluator", REASONABLE),
            Step("agree", "hrss_admin", "同意共享。"),
        ),
    ),
    # Granted at once, then suspended by the city authority on misuse (Q5.10).
    DemoApplication(
        "hrss_admin",
        "QZ-SJ-FR-0001",
        ("credit_code", "company_name"),
        "用人单位参保登记：企业信息核验",
        "用人单位办理社会保险登记时核验统一社会信用代码与企业名称",
        "社会保险经办系统",
        (Step("submit", "hrss_admin"),),
    ),
    # Unconditional data by bulk exchange: configured by the technical service unit and filed (Q-A2.3);
    # the applicant's push task into its own database is set up by seed_pushes.
    DemoApplication(
        "hrss_admin",
        "QZ-SJ-FR-0001",
        ("credit_code", "company_name", "legal_rep"),
        "社保经办系统企业基础库同步",
        "把全市企业登记信息同步到社会保险经办系统的企业基础库，用于参保登记时自动带出",
        "社会保险经办系统",
        (Step("submit", "hrss_admin"), Step("configure", "evaluator", "已配置每日推送任务。")),
        method="bulk_exchange",
    ),
]

SUSPENDED = (
    "用人单位参保登记：企业信息核验",
    "监测发现调用量异常，疑似使用自动查询工具批量获取企业登记信息，暂停授权待核查。",
)


def seed_sharing() -> list[Application]:
    """Create the demo applications that do not exist yet; uses the demo units, people and catalog."""
    created = []
    for spec in APPLICATIONS:
        applicant = User.objects.get(username=spec.applicant)
        if Application.objects.filter(applicant_unit=applicant.unit, business_matter=spec.matter).exists():
            continue
        created.append(_create(spec, applicant))
    if any(spec.days_ago for spec in APPLICATIONS):
        applications_mark_overdue()  # the timer would do it at its next run
    _suspend(*SUSPENDED)
    seed_pushes()
    return created


def seed_pushes() -> None:
    """A push task of the bulk exchange grant, paused: its target database is the applicant's, which a
    demo machine does not have. Resuming it with a reachable target starts the first, full run."""
    from .exchange.config import push_task_save
    from .exchange.models import PushTask

    grant = Grant.objects.filter(service_method="bulk_exchange", status=GrantStatus.ACTIVE).first()
    if grant is None or PushTask.objects.filter(grant=grant).exists():
        return
    applicant = User.objects.get(username="hrss_admin")
    values = {
        "name": "社保经办系统企业基础库",
        "engine": "postgresql",
        "host": "127.0.0.1",
        "port": 5432,
        "database": "hrss_exchange",
        "username": "hrss_push",
        "password": "demo-2026",
        "table": "market_companies",
        "interval_minutes": 24 * 60,
    }
    task = push_task_save(actor=applicant, grant=grant, values=values)
    PushTask.objects.filter(pk=task.pk).update(paused=True)


def _create(spec: DemoApplication, applicant: User) -> Application:
    with transaction.atomic(), _days_ago(spec.days_ago):
        application = application_create(
            actor=applicant,
            lines=[{"resource": Resource.objects.get(code=spec.resource), "items": list(spec.items)}],
            business_matter=spec.matter,
            scenario=spec.scenario,
            information_system=spec.system,
            service_method=spec.method,
            scope=spec.scope,
            end_date=timezone.localdate() + dt.timedelta(days=365),
        )
        if spec.papers:
            for title in (REQUIREMENTS_TITLE, TECHNICAL_PLAN_TITLE):
                paper = ContentFile(f"{title}：{spec.matter}\n（演示材料）\n".encode(), name=f"{title}.txt")
                attachment_add(actor=applicant, application=application, title=title, file=paper)
    for day, step in enumerate(spec.steps):
        with transaction.atomic(), _days_ago(spec.days_ago and spec.days_ago - day):
            application = application_act(
                application=application,
                action=step.action,
                actor=User.objects.get(username=step.by),
                opinion=step.opinion,
                basis=step.basis,
            )
    return application


def _days_ago(days: int) -> AbstractContextManager:
    """Travel back in time for the steps of a late application; stay in the present otherwise."""
    if not days:
        return nullcontext()
    # Imported here: time-machine is a development dependency, and only the demo travels in time.
    import time_machine

    return time_machine.travel(timezone.now() - dt.timedelta(days=days), tick=False)


def _suspend(matter: str, reason: str) -> None:
    grant = Grant.objects.filter(application__business_matter=matter, status=GrantStatus.ACTIVE).first()
    if grant is None or grant.events.exists():
        return  # suspended already (or resumed by someone since): leave it as it is
    grant_change(actor=User.objects.get(username="reviewer"), grant=grant, move="suspend", reason=reason)
