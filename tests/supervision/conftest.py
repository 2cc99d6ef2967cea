"""A small world with known states, walked through the services on known days, for the dashboard's
figures to be counted by hand (today: Monday 16 November 2026; the period: Q4 2026)."""

import datetime as dt

import pytest
import time_machine

from catalog.aggregation.services import records_upsert
from catalog.models import Resource
from catalog.services import resource_create
from catalog.workflow import resource_transition
from dataplatform.core.models import Role
from dataplatform.core.models.units import UnitKind
from sharing.services import applications_mark_overdue, grant_change, usage_report_file
from sharing.workflow import application_act
from tests import factories
from tests.factories.catalog import entry_fields
from tests.factories.correction import RECORDS, act, beijing, report
from tests.factories.sharing import apply, publish

TODAY = dt.date(2026, 11, 16)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def today():
    with time_machine.travel(beijing(TODAY), tick=False):
        yield TODAY


@pytest.fixture
def citizen():
    return factories.person(None, username="citizen")


@pytest.fixture
def county_applicant(jinjiang, county_authority):
    return factories.person(factories.unit("晋江市人社局", UnitKind.GOVERNMENT, jinjiang), Role.DATA_ADMIN)


@pytest.fixture
def world(producer, applicant, reviewer, evaluator):
    """producer_unit: 2 published entries (one stale, one with its legal-basis update overdue), one
    waiting for review, 1 correction ticket received and overdue. tech_service: 1 application step
    completed, 1 deadline missed. applicant_unit: 2 grants, 1 active with a usage report, 1 suspended."""
    with time_machine.travel(beijing(dt.date(2026, 9, 24)), tick=False):
        companies = publish(producer, reviewer, code="U-1")
        records_upsert(actor=producer, resource=companies, records=[dict(row) for row in RECORDS])
        insurance = publish(
            producer,
            reviewer,
            code="C-1",
            name="社会保险缴费记录",
            category="departmental",
            share_type="conditional",
            share_conditions="仅限社保业务",
            share_basis="《社会保险法》第八十一条",
        )
        # Due on Friday 9 October: the evaluator misses it, then takes the step on the 13th.
        conditional = application_act(
            application=apply(applicant, insurance), action="submit", actor=applicant
        )
    with time_machine.travel(beijing(dt.date(2026, 10, 12)), tick=False):
        applications_mark_overdue()
    with time_machine.travel(beijing(dt.date(2026, 10, 13)), tick=False):
        application_act(application=conditional, action="reasonable", actor=evaluator, opinion="合理")
    with time_machine.travel(beijing(dt.date(2026, 10, 14)), tick=False):
        kept, suspended = (
            application_act(
                application=apply(applicant, companies), action="submit", actor=applicant
            ).grants.get()
            for _ in range(2)
        )
        ticket = act(report(applicant, companies), "dispatch", evaluator, "属数据问题")
    with time_machine.travel(beijing(dt.date(2026, 11, 2)), tick=False):
        usage_report_file(
            actor=applicant,
            grant=kept,
            period_start=dt.date(2026, 10, 1),
            period_end=dt.date(2026, 10, 31),
            purpose="企业开办核验",
            users="窗口工作人员",
            approver="张三",
            data_content="企业名称",
            method="接口调用",
            medium="系统",
        )
        grant_change(actor=reviewer, grant=suspended, move="suspend", reason="超范围使用")
    with time_machine.travel(beijing(TODAY), tick=False):
        waiting = resource_create(
            actor=producer, producer=producer.unit, **entry_fields(code="S-1", name="待审目录")
        )
        resource_transition(resource=waiting, to="submitted", actor=producer)
    # Known freshness and currency: the insurance entry fresh today, its legal-basis update overdue.
    Resource.objects.filter(pk=companies.pk).update(last_aggregated_at=beijing(dt.date(2026, 9, 24)))
    Resource.objects.filter(pk=insurance.pk).update(
        last_aggregated_at=beijing(TODAY, 9), update_due=dt.date(2026, 10, 1)
    )
    return {"companies": companies, "insurance": insurance, "application": conditional, "ticket": ticket}
