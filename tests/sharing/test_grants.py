import datetime as dt

import pytest
import time_machine
from django.utils import translation

from audit.models import AuditEvent
from dataplatform.core.errors import ApplicationError
from dataplatform.core.models import Notification
from sharing.models import Grant, GrantEvent
from sharing.services import grant_change, grants_expire, usage_report_file, usage_reports_remind
from sharing.workflow import application_act
from tests.factories.sharing import apply

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_english():
    """The services' messages are asserted in English here; tests/*/test_labels.py has them in Chinese."""
    with translation.override("en"):
        yield


@pytest.fixture
def grant(applicant, unconditional):
    application = application_act(
        application=apply(applicant, unconditional), action="submit", actor=applicant
    )
    return Grant.objects.get(application=application)


def test_the_authority_suspends_and_resumes_a_grant_with_reasons(grant, reviewer, applicant):
    with pytest.raises(ApplicationError, match="reason"):
        grant_change(actor=reviewer, grant=grant, move="suspend", reason="")
    grant = grant_change(actor=reviewer, grant=grant, move="suspend", reason="疑似爬虫式批量查询")
    assert grant.status == "suspended"
    assert Notification.objects.filter(recipient=applicant, body="疑似爬虫式批量查询").exists()
    grant = grant_change(actor=reviewer, grant=grant, move="resume", reason="整改完成")
    assert grant.status == "active"
    assert list(GrantEvent.objects.values_list("to_status", flat=True)) == ["suspended", "active"]
    assert AuditEvent.objects.filter(action="grant.suspend").exists()


def test_only_the_authority_governs_grants(grant, applicant, producer, county_reviewer):
    for actor in (applicant, producer, county_reviewer):
        with pytest.raises(ApplicationError):
            grant_change(actor=actor, grant=grant, move="suspend", reason="x")


def test_an_ended_grant_cannot_be_resumed(grant, reviewer):
    grant_change(actor=reviewer, grant=grant, move="end", reason="业务终止")
    with pytest.raises(ApplicationError):
        grant_change(actor=reviewer, grant=grant, move="resume", reason="x")


def test_a_grant_past_its_end_date_expires_by_itself_once(grant, applicant):
    with time_machine.travel(dt.datetime(2027, 12, 31, 12, tzinfo=dt.UTC), tick=False):
        assert grants_expire() == 0  # the end date itself is still inside the grant
    with time_machine.travel(dt.datetime(2028, 1, 1, 12, tzinfo=dt.UTC), tick=False):
        assert grants_expire() == 1
        assert grants_expire() == 0
    grant.refresh_from_db()
    assert grant.status == "expired"
    assert Notification.objects.filter(recipient=applicant, title__startswith="授权").exists()


def test_the_holder_files_usage_reports_with_the_use_record(grant, applicant, producer):
    report = usage_report_file(
        actor=applicant,
        grant=grant,
        period_start=dt.date(2026, 10, 1),
        period_end=dt.date(2026, 12, 31),
        purpose="企业开办核验",
        users="窗口工作人员 12 名",
        approver="刘分管",
        data_content="企业名称、统一社会信用代码",
        method="接口调用",
        medium="一网通办系统",
    )
    assert report.pk and report.filed_by == applicant
    with pytest.raises(ApplicationError):
        usage_report_file(
            actor=producer,
            grant=grant,
            period_start=dt.date(2026, 10, 1),
            period_end=dt.date(2026, 12, 31),
            purpose="x",
            users="x",
            approver="x",
            data_content="x",
            method="x",
            medium="x",
        )


def test_holders_are_reminded_to_report_once_per_interval(grant, applicant):
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=91)
    with time_machine.travel(later, tick=False):
        assert usage_reports_remind() == 1
        assert usage_reports_remind() == 0
    assert Notification.objects.filter(recipient=applicant, title__startswith="请报送").count() == 1
