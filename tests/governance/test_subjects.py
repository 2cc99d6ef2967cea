"""Data subjects (G39, G41–G43): holdings, copies, objections, authorizations and their use, complaints."""

import datetime as dt

import pytest
from django.utils import timezone

from audit.models import AuditEvent, Outcome
from correction.models import CorrectionTicket, TicketKind
from dataplatform.core.errors import ApplicationError
from governance.holdings import subject_holdings, subject_of
from governance.models import CopyStatus, SubjectKind
from governance.subjects import (
    authorization_grant,
    complaint_submit,
    copy_request_create,
    objection_file,
    subject_identity_verify,
)
from governance.workflow import act
from tests import factories
from tests.factories.governance import CITIZEN_ID, COMPANY_CODE, OTHER_ID

pytestmark = pytest.mark.django_db


# --- identity ------------------------------------------------------------------------------------


def test_a_citizen_is_a_subject_only_once_a_platform_admin_recorded_the_verified_id(
    unverified_citizen, platform_admin, reviewer
):
    assert subject_of(unverified_citizen) is None
    with pytest.raises(ApplicationError):
        subject_identity_verify(actor=reviewer, user=unverified_citizen, id_number=OTHER_ID, method="窗口")
    with pytest.raises(ApplicationError):  # a wrong check digit
        subject_identity_verify(
            actor=platform_admin, user=unverified_citizen, id_number=OTHER_ID[:17] + "Y", method="窗口"
        )
    subject_identity_verify(actor=platform_admin, user=unverified_citizen, id_number=OTHER_ID, method="窗口")
    assert subject_of(unverified_citizen).identifier == OTHER_ID
    assert AuditEvent.objects.filter(action="governance.identity.verify").exists()


def test_one_id_number_belongs_to_one_account(citizen, platform_admin, unverified_citizen):
    with pytest.raises(ApplicationError):
        subject_identity_verify(
            actor=platform_admin, user=unverified_citizen, id_number=CITIZEN_ID, method="窗口"
        )


def test_a_companys_data_admin_acts_for_its_credit_code(company_admin):
    subject = subject_of(company_admin)
    assert (subject.kind, subject.identifier) == (SubjectKind.COMPANY, COMPANY_CODE)


def test_government_staff_are_not_subjects_through_their_unit(producer):
    assert subject_of(producer) is None


def test_an_unverified_citizen_is_refused_over_the_api(api_as, unverified_citizen):
    response = api_as(unverified_citizen).get("/api/v1/governance/subject/holdings/")
    assert response.status_code == 403


# --- holdings -------------------------------------------------------------------------------------


def test_holdings_find_the_citizen_by_key_and_by_a_personal_item(citizen, people_entry, insurance_entry):
    holdings = {h.resource.code: h for h in subject_holdings(subject_of(citizen))}
    assert set(holdings) == {"G-RK-1", "G-SB-1"}
    assert holdings["G-RK-1"].keys == [CITIZEN_ID]
    assert holdings["G-SB-1"].keys == ["SB-1", "SB-2"] and holdings["G-SB-1"].count == 2
    assert holdings["G-SB-1"].resource.producer == insurance_entry.producer


def test_holdings_find_a_company_by_its_credit_code(company_admin, company_entry, people_entry):
    holdings = subject_holdings(subject_of(company_admin))
    assert [h.resource.code for h in holdings] == ["G-FR-1"]


def test_the_holdings_search_is_audited_and_masks_the_number(api_as, citizen, people_entry, insurance_entry):
    response = api_as(citizen).get("/api/v1/governance/subject/holdings/")
    assert response.status_code == 200
    body = response.json()
    assert CITIZEN_ID not in body["subject"] and body["subject"].endswith(CITIZEN_ID[-4:])
    assert {h["producer"]["id"] for h in body["holdings"]} == {
        people_entry.producer_id,
        insurance_entry.producer_id,
    }
    event = AuditEvent.objects.get(action="governance.subject.holdings")
    assert event.actor == citizen and event.record_count == 3


def test_the_holdings_query_count_does_not_grow_with_records(
    citizen, people_entry, insurance_entry, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):
        subject_holdings(subject_of(citizen))


# --- copies ---------------------------------------------------------------------------------------


def test_a_subject_asks_for_a_copy_and_the_producer_provides_it(api_as, citizen, insurance_entry, applicant):
    copy = copy_request_create(actor=citizen, resource=insurance_entry)
    assert copy.producer == insurance_entry.producer and copy.due > timezone.localdate()
    copy = act(obj=copy, action="provide", actor=applicant)
    assert copy.status == CopyStatus.PROVIDED
    assert sorted(r["key"] for r in copy.copy) == ["SB-1", "SB-2"]  # only the subject's records
    response = api_as(citizen).get(f"/api/v1/governance/copy-requests/{copy.pk}/copy/")
    assert response.status_code == 200 and len(response.json()["records"]) == 2
    assert AuditEvent.objects.filter(action="governance.copy.download", owner_unit=applicant.unit).exists()


def test_the_producer_sees_the_request_but_not_the_copy(api_as, citizen, insurance_entry, applicant):
    copy = act(
        obj=copy_request_create(actor=citizen, resource=insurance_entry), action="provide", actor=applicant
    )
    assert api_as(applicant).get(f"/api/v1/governance/copy-requests/{copy.pk}/copy/").status_code == 403


def test_a_copy_of_an_entry_holding_nothing_about_the_subject_is_refused(citizen, company_entry):
    with pytest.raises(ApplicationError):
        copy_request_create(actor=citizen, resource=company_entry)


def test_only_the_producer_provides_or_refuses(citizen, insurance_entry, producer):
    copy = copy_request_create(actor=citizen, resource=insurance_entry)
    with pytest.raises(ApplicationError):
        act(obj=copy, action="provide", actor=producer)


# --- objections -----------------------------------------------------------------------------------


def test_an_objection_goes_into_the_correction_flow(citizen, people_entry):
    ticket = objection_file(
        actor=citizen,
        resource=people_entry,
        keys=[CITIZEN_ID],
        items=["household_address"],
        description="户籍地址有误",
        proposed_value="泉州市丰泽区刺桐路11号",
    )
    ticket = CorrectionTicket.objects.get(pk=ticket.pk)
    assert ticket.kind == TicketKind.OBJECTION and ticket.status == "triage" and ticket.reporter == citizen
    assert ticket.producer == people_entry.producer


def test_a_subject_objects_to_its_own_records_only(citizen, people_entry):
    with pytest.raises(ApplicationError):
        objection_file(
            actor=citizen, resource=people_entry, keys=[OTHER_ID], items=["full_name"], description="x"
        )
    assert not CorrectionTicket.objects.exists()


def test_the_objection_page_files_a_ticket(client, citizen, people_entry):
    client.force_login(citizen)
    url = f"/governance/subject/object/{people_entry.pk}/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"keys": [CITIZEN_ID], "items": ["full_name"], "description": "姓名有误"})
    ticket = CorrectionTicket.objects.get()
    assert response.status_code == 302 and response.url == f"/correction/{ticket.pk}/"


def test_the_objection_ticket_page_opens_for_the_citizen_and_the_evaluator(
    client, citizen, evaluator, people_entry
):
    ticket = objection_file(
        actor=citizen, resource=people_entry, keys=[CITIZEN_ID], items=["full_name"], description="姓名有误"
    )
    for person in (citizen, evaluator):  # a citizen reports for no unit
        client.force_login(person)
        response = client.get(f"/correction/{ticket.pk}/")
        assert response.status_code == 200
        assert str(citizen) in response.content.decode()


# --- authorizations -------------------------------------------------------------------------------


def _authorize(citizen, grantee_unit, resource, **overrides):
    fields = {
        "grantee": grantee_unit,
        "resources": [resource],
        "purpose": "申请公共租赁住房资格审核",
        "starts_on": timezone.localdate(),
        "ends_on": timezone.localdate() + dt.timedelta(days=30),
    }
    return authorization_grant(actor=citizen, **{**fields, **overrides})


def _use(api, key, resource, subject=CITIZEN_ID):
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return api.get(
        "/api/v1/governance/authorized-data/",
        {"subject": subject, "resource": resource.pk, "purpose": "公租房资格审核"},
    )


def test_an_authorized_unit_uses_the_subjects_data_and_each_use_is_audited(
    api, citizen, insurance_entry, grantee_unit, grantee_key
):
    _authorize(citizen, grantee_unit, insurance_entry)
    response = _use(api, grantee_key, insurance_entry)
    assert response.status_code == 200
    assert sorted(r["key"] for r in response.json()["records"]) == ["SB-1", "SB-2"]
    event = AuditEvent.objects.get(action="governance.authorization.use", outcome=Outcome.OK)
    assert event.owner_unit == insurance_entry.producer and event.record_count == 2
    assert "申请公共租赁住房资格审核" in event.purpose and "公租房资格审核" in event.purpose


def test_without_an_authorization_the_use_is_refused_and_audited(api, citizen, insurance_entry, grantee_key):
    response = _use(api, grantee_key, insurance_entry)
    assert response.status_code == 403 and response.json()["reason"] == "no_authorization"
    assert AuditEvent.objects.filter(action="governance.authorization.use", outcome=Outcome.DENIED).exists()


def test_an_authorization_covers_only_its_resources(
    api, citizen, people_entry, insurance_entry, grantee_unit, grantee_key
):
    _authorize(citizen, grantee_unit, insurance_entry)
    assert _use(api, grantee_key, people_entry).json()["reason"] == "no_authorization"


def test_a_revoked_authorization_no_longer_allows_use(
    api_as, api, citizen, insurance_entry, grantee_unit, grantee_key
):
    authorization = _authorize(citizen, grantee_unit, insurance_entry)
    response = api_as(citizen).post(
        f"/api/v1/governance/authorizations/{authorization.pk}/act/", {"action": "revoke"}, format="json"
    )
    assert response.status_code == 200 and response.json()["status"] == "revoked"
    api.force_authenticate(None)
    assert _use(api, grantee_key, insurance_entry).json()["reason"] == "authorization_revoked"


def test_an_expired_authorization_no_longer_allows_use(
    api, citizen, insurance_entry, grantee_unit, grantee_key
):
    authorization = _authorize(citizen, grantee_unit, insurance_entry)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    type(authorization).objects.filter(pk=authorization.pk).update(starts_on=yesterday, ends_on=yesterday)
    assert _use(api, grantee_key, insurance_entry).json()["reason"] == "authorization_expired"


def test_the_grantee_cannot_revoke(citizen, insurance_entry, grantee_unit, grantee):
    authorization = _authorize(citizen, grantee_unit, insurance_entry)
    with pytest.raises(ApplicationError):
        act(obj=authorization, action="revoke", actor=grantee)


def test_a_subject_authorizes_only_data_about_it(citizen, company_entry, grantee_unit):
    with pytest.raises(ApplicationError):
        _authorize(citizen, grantee_unit, company_entry)


def test_another_unit_cannot_use_an_authorization_given_to_a_third(
    api, citizen, insurance_entry, grantee_unit, approver_key
):
    _authorize(citizen, grantee_unit, insurance_entry)
    assert _use(api, approver_key, insurance_entry).status_code == 403


# --- complaints -----------------------------------------------------------------------------------


def test_a_complaint_goes_to_the_authority_of_the_units_level(citizen, producer_unit, authority, reviewer):
    complaint = complaint_submit(
        actor=citizen, against=producer_unit, description="未经同意向第三方提供我的数据"
    )
    assert complaint.authority == authority
    complaint = act(obj=complaint, action="answer", actor=reviewer, opinion="已核查，责令整改")
    assert complaint.status == "answered" and complaint.answered_at is not None
    assert AuditEvent.objects.filter(action="governance.complaint.answer").exists()


def test_a_county_units_complaint_goes_to_the_county_authority(
    citizen, jinjiang, county_authority, county_reviewer, reviewer
):
    county_unit = factories.unit("晋江市某局", region_=jinjiang)
    complaint = complaint_submit(actor=citizen, against=county_unit, description="数据被泄露")
    assert complaint.authority == county_authority
    with pytest.raises(ApplicationError):
        act(
            obj=complaint, action="answer", actor=reviewer, opinion="x"
        )  # the city's reviewer does not answer it


def test_the_subject_page_shows_holdings_and_takes_requests(
    client, citizen, people_entry, insurance_entry, grantee_unit, producer_unit
):
    client.force_login(citizen)
    page = client.get("/governance/subject/")
    assert page.status_code == 200
    assert f'data-resource="{insurance_entry.pk}"'.encode() in page.content
    assert (
        client.post("/governance/subject/", {"form": "copy", "resource": insurance_entry.pk}).status_code
        == 302
    )
    response = client.post(
        "/governance/subject/",
        {
            "form": "authorization",
            "grantee": grantee_unit.pk,
            "resources": [insurance_entry.pk],
            "purpose": "公租房资格审核",
            "starts_on": timezone.localdate().isoformat(),
            "ends_on": (timezone.localdate() + dt.timedelta(days=10)).isoformat(),
        },
    )
    assert response.status_code == 302
    response = client.post(
        "/governance/subject/", {"form": "complaint", "against": producer_unit.pk, "description": "投诉"}
    )
    assert response.status_code == 302
    page = client.get("/governance/subject/")
    assert page.content.count(b"data-copy=") == 1
    assert page.content.count(b"data-authorization=") == 1
    assert page.content.count(b"data-complaint=") == 1


def test_an_unverified_citizen_sees_how_to_verify(client, unverified_citizen):
    client.force_login(unverified_citizen)
    page = client.get("/governance/subject/")
    assert page.status_code == 200 and b'data-testid="not-verified"' in page.content


def test_a_company_objects_over_the_api(api_as, company_admin, company_entry):
    response = api_as(company_admin).post(
        "/api/v1/governance/subject/objections/",
        {
            "resource": company_entry.pk,
            "keys": [COMPANY_CODE],
            "items": ["capital"],
            "description": "注册资本有误",
        },
        format="json",
    )
    assert response.status_code == 201
    ticket = CorrectionTicket.objects.get(pk=response.json()["ticket"])
    assert ticket.kind == TicketKind.OBJECTION and ticket.reporter_unit == company_admin.unit


def test_a_colleague_at_the_company_sees_its_authorizations(
    api_as, company_admin, company_entry, grantee_unit
):
    from dataplatform.core.models import Role

    _authorize(company_admin, grantee_unit, company_entry)
    colleague = factories.person(company_admin.unit, Role.DATA_ADMIN)
    assert len(api_as(colleague).get("/api/v1/governance/authorizations/").json()["results"]) == 1
