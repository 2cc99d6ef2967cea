"""The correction story: an applicant reports a wrong value it sees through its grant, the technical
service unit dispatches it, the producer decides to correct and uploads the corrected record, and the
ticket resolves by itself; the applicant confirms."""

import pytest
from playwright.sync_api import expect

from catalog.aggregation.services import records_upsert
from catalog.services import resource_create
from catalog.workflow import resource_transition
from correction.models import CorrectionTicket
from correction.tasks import scan_corrected_tickets
from dataplatform.core.models import User
from sharing.services import application_create
from sharing.workflow import application_act
from tests.factories.catalog import entry_fields
from tests.factories.sharing import END

KEY = "91350500MA0000001X"
CORRECTED_CSV = f"credit_code,company_name,registered_on,capital\n{KEY},泉州测试商贸有限公司,2020-05-01,100\n"


@pytest.fixture
def companies(demo):
    """A published entry of the market regulator with two records, and a grant on it for the HRSS."""
    market, hrss = User.objects.get(username="market_admin"), User.objects.get(username="hrss_admin")
    resource = resource_create(actor=market, producer=market.unit, **entry_fields(code="QZ-SJ-CORR-01"))
    resource_transition(resource=resource, to="submitted", actor=market)
    resource = resource_transition(
        resource=resource, to="published", actor=User.objects.get(username="reviewer")
    )
    records_upsert(
        actor=market,
        resource=resource,
        records=[
            {
                "credit_code": KEY,
                "company_name": "泉州测试贸易有限公司",
                "registered_on": "2020-05-01",
                "capital": "100",
            },
            {"credit_code": "91350500MA0000002X", "company_name": "泉州测试鞋业有限公司"},
        ],
    )
    application = application_create(
        actor=hrss,
        lines=[{"resource": resource, "items": ["credit_code", "company_name"]}],
        business_matter="就业登记：用人单位信息核验",
        scenario="核验用人单位名称",
        information_system="就业创业服务系统",
        service_method="interface",
        end_date=END,
    )
    application_act(application=application, action="submit", actor=hrss)
    return resource


def as_person(page, login_as, username: str):
    page.context.clear_cookies()
    return login_as(username)


def status(page, value: str):
    expect(page.get_by_test_id("ticket-status")).to_have_attribute("data-status", value)


def test_a_wrong_value_is_reported_dispatched_corrected_at_the_source_and_the_ticket_resolves_by_itself(
    page, live_server, login_as, companies, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    login_as("hrss_admin")
    page.goto(f"{live_server.url}/correction/report/?resource={companies.pk}&key={KEY}")
    current = page.get_by_test_id("current-values")
    expect(current.locator("[data-item=company_name]")).to_have_text("泉州测试贸易有限公司")
    expect(current.locator("[data-item=capital]")).to_have_count(0)  # not in the grant
    expect(page.locator("#id_keys")).to_have_value(KEY)
    page.get_by_test_id("item-company_name").check()
    page.fill("#id_description", "企业名称与营业执照不一致：应为“商贸”而非“贸易”")
    page.fill("#id_proposed_value", "泉州测试商贸有限公司")
    page.get_by_test_id("submit-report").click()
    status(page, "triage")
    ticket = CorrectionTicket.objects.get()

    as_person(page, login_as, "evaluator")
    page.goto(live_server.url + "/correction/triage/")
    page.get_by_test_id(f"ticket-link-{ticket.pk}").click()
    expect(page.get_by_test_id("current-values").locator("[data-item=company_name]")).to_have_text(
        "泉州测试贸易有限公司"
    )
    page.get_by_test_id("opinion-dispatch").fill("名称与登记不一致，属数据问题")
    page.get_by_test_id("action-dispatch").click()
    status(page, "dispatched")

    as_person(page, login_as, "market_admin")
    page.goto(live_server.url + "/correction/queue/")
    ticket.refresh_from_db()
    expect(page.get_by_test_id("producer-queue")).to_contain_text(ticket.decision_due.isoformat())
    page.get_by_test_id(f"ticket-link-{ticket.pk}").click()
    page.get_by_test_id("action-correct").click()
    status(page, "correcting")
    ticket.refresh_from_db()
    expect(page.get_by_test_id("correction-due")).to_contain_text(ticket.correction_due.isoformat())

    page.goto(f"{live_server.url}/catalog/{companies.pk}/upload/")
    csv_file = tmp_path / "corrected.csv"
    csv_file.write_text(CORRECTED_CSV, encoding="utf-8")
    page.set_input_files("input[type=file]", str(csv_file))
    page.get_by_role("button", name="上传并汇聚").click()
    expect(page.get_by_test_id("batch-status")).to_have_text("已汇聚", timeout=20_000)
    scan_corrected_tickets()  # the timer, every minute

    page.goto(f"{live_server.url}/correction/{ticket.pk}/")
    status(page, "resolved")  # nobody clicked "done": the platform saw the corrected record
    expect(page.get_by_test_id("current-values").locator("[data-item=company_name]")).to_have_text(
        "泉州测试商贸有限公司"
    )

    as_person(page, login_as, "hrss_admin")
    page.goto(f"{live_server.url}/correction/{ticket.pk}/")
    page.get_by_test_id("action-confirm").click()
    status(page, "confirmed")
    expect(page.get_by_test_id("timeline").locator("li")).to_have_count(5)
    page.screenshot(path="/tmp/correction-ticket.png", full_page=True)
