"""The web pages: the report form (prefilled from a record), the queues, the ticket page and its buttons."""

import pytest

from audit.models import AuditEvent
from correction.models import CorrectionTicket
from tests import factories
from tests.factories.correction import WRONG, act

pytestmark = pytest.mark.django_db


def page(client, user, url: str):
    client.force_login(user)
    return client.get(url)


def test_the_report_form_is_prefilled_from_a_record_seen_through_a_grant(
    client, applicant, companies, granted
):
    response = page(
        client, applicant, f"/correction/report/?resource={companies.pk}&key={WRONG}&item=company_name"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "泉州测试贸易有限公司" in html  # the current value of a granted item
    assert 'data-item="registered_on"' not in html  # not granted: neither shown nor offered
    assert 'value="company_name" id="id_items_1" checked' in html
    assert WRONG in response.context["form"].initial["keys"]
    viewed = AuditEvent.objects.get(action="correction.record_view")
    assert (viewed.actor, viewed.record_count, viewed.owner_unit) == (applicant, 1, companies.producer)


def test_sending_the_form_reports_and_shows_the_ticket(client, applicant, companies, granted):
    client.force_login(applicant)
    response = client.post(
        f"/correction/report/?resource={companies.pk}&key={WRONG}",
        {
            "resource": companies.pk,
            "keys": f"{WRONG}\n",
            "items": ["company_name"],
            "description": "企业名称与营业执照不一致",
            "proposed_value": "泉州测试商贸有限公司",
        },
    )
    ticket = CorrectionTicket.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/correction/{ticket.pk}/"
    assert (ticket.keys, ticket.items, ticket.kind) == ([WRONG], ["company_name"], "report")


def test_a_refused_report_shows_the_reason_on_the_form(client, applicant, companies, granted):
    client.force_login(applicant)
    response = client.post(
        "/correction/report/",
        {"resource": companies.pk, "keys": " \n", "items": ["company_name"], "description": "错"},
    )
    assert response.status_code == 200 and not CorrectionTicket.objects.exists()
    assert response.context["form"].errors


def test_without_a_resource_the_form_first_asks_which(client, applicant, companies, granted):
    response = page(client, applicant, "/correction/report/")
    assert response.status_code == 200 and companies.name in response.content.decode()


def test_a_citizen_gets_the_same_form_as_an_objection_without_seeing_data(client, citizen, companies):
    response = page(client, citizen, f"/correction/report/?resource={companies.pk}&key={WRONG}")
    assert response.status_code == 200
    assert response.context["kind"] == "objection" and response.context["current"] is None
    assert "泉州测试贸易有限公司" not in response.content.decode()


def test_the_report_form_is_403_for_who_cannot_report_and_404_for_an_entry_not_granted(
    client, producer_leader, applicant, companies
):
    assert page(client, producer_leader, "/correction/report/").status_code == 403
    assert page(client, applicant, f"/correction/report/?resource={companies.pk}").status_code == 404


def test_the_triage_queue_is_the_technical_service_units(client, reported, evaluator, applicant):
    response = page(client, evaluator, "/correction/triage/")
    assert list(response.context["tickets"]) == [reported]
    assert page(client, applicant, "/correction/triage/").status_code == 403


def test_the_producers_queue_shows_due_dates(client, dispatched, producer, outsider):
    response = page(client, producer, "/correction/queue/")
    assert list(response.context["tickets"]) == [dispatched]
    assert dispatched.due.strftime("%Y-%m-%d") in response.content.decode()
    assert list(page(client, outsider, "/correction/queue/").context["tickets"]) == []  # another unit's
    no_role = factories.person(producer.unit, username="no_role")  # works there, holds no role yet
    assert page(client, no_role, "/correction/queue/").status_code == 403


def test_the_ticket_page_shows_the_buttons_of_the_table_for_each_person(
    client, dispatched, producer, applicant
):
    html = page(client, producer, f"/correction/{dispatched.pk}/").content.decode()
    assert 'data-testid="action-correct"' in html and 'data-testid="action-decline"' in html
    assert "泉州测试贸易有限公司" in html  # the producer sees the reported record now
    html = page(client, applicant, f"/correction/{dispatched.pk}/").content.decode()
    assert 'data-testid="action-' not in html


def test_a_button_takes_the_step_and_a_refused_step_says_why(client, dispatched, producer, applicant):
    client.force_login(applicant)
    response = client.post(f"/correction/{dispatched.pk}/act/", {"action": "correct"}, follow=True)
    assert "您无权执行此操作：决定纠正。" in response.content.decode()
    client.force_login(producer)
    client.post(f"/correction/{dispatched.pk}/act/", {"action": "correct", "opinion": "属实"})
    assert CorrectionTicket.objects.get(pk=dispatched.pk).status == "correcting"


def test_the_ticket_page_is_404_for_an_outsider(client, reported, outsider):
    assert page(client, outsider, f"/correction/{reported.pk}/").status_code == 404


def test_the_statistics_page_is_the_authoritys(client, dispatched, reviewer, producer):
    response = page(client, reviewer, "/correction/statistics/")
    assert [row["received"] for row in response.context["rows"]] == [1]
    assert page(client, producer, "/correction/statistics/").status_code == 403


def test_pending_work_on_the_home_page(client, evaluator, reported, producer, applicant):
    assert f"/correction/{reported.pk}/" in page(client, evaluator, "/").content.decode()
    act(reported, "dispatch", evaluator)
    html = page(client, producer, "/").content.decode()
    assert f"/correction/{reported.pk}/" in html and reported.resource.name in html


def test_everyone_finds_corrections_in_the_navigation(client, citizen):
    html = page(client, citizen, "/").content.decode()
    assert 'href="/correction/"' in html
    assert page(client, citizen, "/correction/").status_code == 200
