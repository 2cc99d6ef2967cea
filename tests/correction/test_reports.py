"""Who may report problem data on what (Q7.1), and who may object (G42, F25); and who sees a ticket."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.utils import translation

from correction.access import reportable_resources, ticket_for_user, tickets_visible_to
from dataplatform.core.errors import ApplicationError
from sharing.services import grant_change
from tests.factories.correction import OTHER, WRONG, act, report

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_english():
    """The services' messages are asserted in English here; tests/*/test_labels.py has them in Chinese."""
    with translation.override("en"):
        yield


def test_an_applying_unit_reports_on_data_it_uses_through_a_grant(applicant, companies, granted):
    ticket = report(
        applicant, companies, keys=[f" {WRONG} ", WRONG, OTHER], items=["capital", "company_name"]
    )
    assert ticket.kind == "report" and ticket.producer == companies.producer
    assert ticket.keys == [WRONG, OTHER]  # trimmed, each once
    assert ticket.items == ["company_name", "capital"]  # in the entry's order
    assert (ticket.reporter, ticket.reporter_unit) == (applicant, applicant.unit)


def test_without_a_grant_a_unit_cannot_report(applicant, companies):
    with pytest.raises(ApplicationError, match="through a grant"):
        report(applicant, companies)
    assert not reportable_resources(applicant).exists()


def test_a_suspended_grant_does_not_let_a_unit_report(applicant, companies, granted, reviewer):
    grant_change(actor=reviewer, grant=granted, move="suspend", reason="核查调用量")
    with pytest.raises(ApplicationError, match="through a grant"):
        report(applicant, companies)


def test_a_unit_reports_only_on_the_items_its_grant_covers(applicant, companies, granted):
    with pytest.raises(ApplicationError, match="registered_on"):
        report(applicant, companies, items=["registered_on"])


def test_the_producer_does_not_report_its_own_data(producer, companies):
    with pytest.raises(ApplicationError):
        report(producer, companies)


@pytest.mark.parametrize("who", ["producer_leader", "evaluator", "reviewer"])
def test_people_who_act_for_no_applying_unit_cannot_report(who, companies, request):
    with pytest.raises(ApplicationError) as caught:
        report(request.getfixturevalue(who), companies)
    assert caught.value.extra["code"] == "forbidden"


def test_a_citizen_objects_to_data_about_them_on_the_same_form(citizen, companies, evaluator):
    ticket = report(citizen, companies, items=["registered_on"], description="成立日期有误")
    assert ticket.kind == "objection" and ticket.reporter_unit is None
    assert ticket.items == ["registered_on"]  # an objection may concern any item
    assert ticket_for_user(citizen, ticket.pk) == ticket


def test_a_public_organization_objects_as_an_open_data_user(enterprise_person, companies):
    assert report(enterprise_person, companies).kind == "objection"


def test_nobody_reports_on_an_entry_that_is_not_published(citizen, producer):
    from catalog.services import resource_create
    from tests.factories.catalog import entry_fields

    draft = resource_create(actor=producer, producer=producer.unit, **entry_fields(code="D-1"))
    with pytest.raises(ApplicationError):
        report(citizen, draft)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"keys": [" ", ""]}, "at least one record"),
        ({"keys": [f"K{i}" for i in range(51)]}, "at most 50"),
        ({"keys": ["a\tb"]}, "not a record key"),
        ({"items": []}, "Choose the data item"),
        ({"items": ["nonexistent"]}, "nonexistent"),
        ({"description": "  "}, "briefly and precisely"),
        ({"description": "长" * 501}, "at most 500"),
    ],
)
def test_a_report_says_what_is_wrong_briefly_and_precisely(applicant, companies, granted, fields, message):
    with pytest.raises(ApplicationError, match=message):
        report(applicant, companies, **fields)


def test_evidence_may_come_as_a_file(applicant, companies, granted, client, producer, evaluator):
    file = SimpleUploadedFile("licence.pdf", b"%PDF-1.4 evidence", content_type="application/pdf")
    ticket = report(applicant, companies, evidence="营业执照扫描件", attachment=file)
    act(ticket, "dispatch", evaluator)
    client.force_login(producer)
    response = client.get(f"/correction/{ticket.pk}/attachment/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.4 evidence"


# --- who sees a ticket -----------------------------------------------------------------------------


def test_the_producer_sees_a_ticket_only_once_it_is_dispatched(reported, producer, evaluator):
    with pytest.raises(Http404):
        ticket_for_user(producer, reported.pk)
    act(reported, "dispatch", evaluator)
    assert ticket_for_user(producer, reported.pk).pk == reported.pk


def test_the_reporting_unit_the_technical_service_unit_and_the_authority_see_it(
    reported, colleague, evaluator, reviewer
):
    for person in (colleague, evaluator, reviewer):
        assert ticket_for_user(person, reported.pk).pk == reported.pk


def test_an_outsider_never_sees_a_ticket(reported, outsider, county_reviewer, citizen):
    for person in (outsider, county_reviewer, citizen):
        assert not tickets_visible_to(person).exists()
        with pytest.raises(Http404):
            ticket_for_user(person, reported.pk)
