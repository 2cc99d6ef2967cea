"""Audit fails closed (issue 9, item 2): when the audit event of a read cannot be written, the data is not
returned, and the caller gets a clean 503 rather than a traceback page."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError
from django.urls import reverse

from audit.models import AuditEvent
from catalog.aggregation.services import records_upsert
from correction.services import ticket_report
from dataplatform.core.apikeys import api_key_issue
from sharing.models import Grant
from sharing.services import attachment_add
from sharing.workflow import application_act
from tests.factories.sharing import apply, publish
from tests.sharing.test_verification import ITEMS, PEOPLE

pytestmark = pytest.mark.django_db

SECRET = "企业名称甲乙丙"
RECORDS = [
    {"credit_code": f"91350500MA00000{n:02d}X", "company_name": f"{SECRET}{n}", "capital": "100"}
    for n in range(6)
]


@pytest.fixture
def granted(applicant, unconditional, producer):
    records_upsert(actor=producer, resource=unconditional, records=RECORDS)
    application = application_act(
        application=apply(applicant, unconditional), action="submit", actor=applicant
    )
    return Grant.objects.get(application=application)


@pytest.fixture
def key(applicant):
    return api_key_issue(actor=applicant, unit=applicant.unit, name="一网通办系统").key


@pytest.fixture
def audit_down(monkeypatch):
    """Every audit INSERT fails from here on, as when the audit table is locked or its disk is full."""

    def refuse(*args, **kwargs):
        raise OperationalError("could not extend file: No space left on device")

    monkeypatch.setattr(AuditEvent.objects, "create", refuse)


def assert_closed(response, *secrets: str):
    assert response.status_code == 503
    body = b"".join(response.streaming_content) if response.streaming else response.content
    for secret in secrets:
        assert secret.encode() not in body
    assert b"Traceback" not in body and b"OperationalError" not in body


def data_get(api, key, url, **params):
    return api.get(url, params, HTTP_AUTHORIZATION=f"Api-Key {key}")


def test_the_record_lookup_answers_503_and_no_record(api, key, granted, unconditional, audit_down):
    url = reverse("data-record", args=[unconditional.pk, RECORDS[2]["credit_code"]])
    response = data_get(api, key, url)
    assert_closed(response, SECRET)
    assert response.json()["code"] == "unavailable" and response["Retry-After"]


def test_the_record_list_answers_503_and_no_record(api, key, granted, unconditional, audit_down):
    response = data_get(api, key, reverse("data-records", args=[unconditional.pk]))
    assert_closed(response, SECRET, RECORDS[0]["credit_code"])


def test_the_same_lookup_answers_the_data_while_the_audit_works(api, key, granted, unconditional):
    url = reverse("data-record", args=[unconditional.pk, RECORDS[2]["credit_code"]])
    response = data_get(api, key, url)
    assert response.status_code == 200 and response.json()["data"]["company_name"] == f"{SECRET}2"


def test_statistics_answer_503_and_no_figures(api, key, granted, unconditional, audit_down):
    url = reverse("data-statistics", args=[unconditional.pk])
    response = data_get(api, key, url, group_by="company_name")
    assert_closed(response)
    assert "groups" not in response.json()


def test_a_refused_call_whose_refusal_cannot_be_audited_is_a_503_too(
    api, unconditional, outsider, monkeypatch
):
    outsider_key = api_key_issue(actor=outsider, unit=outsider.unit, name="x").key
    monkeypatch.setattr(AuditEvent.objects, "create", _refuse)
    # The outsider's unit holds no grant: the refusal is audited, and that write fails.
    response = data_get(api, outsider_key, reverse("data-records", args=[unconditional.pk]))
    assert_closed(response, SECRET)


def test_a_verification_answers_503_and_no_result(api, applicant, evaluator, producer, reviewer, monkeypatch):

    register = publish(
        producer,
        reviewer,
        code="RK-9",
        name="人口登记",
        category="departmental",
        share_type="not_shared",
        share_basis="《居民身份证法》",
        service_methods=["verification"],
        items=ITEMS,
    )
    records_upsert(actor=producer, resource=register, records=PEOPLE)
    application = apply(applicant, register, method="verification", items=("id_number", "full_name"))
    attachment_add(
        actor=applicant, application=application, title="方案", file=SimpleUploadedFile("p.pdf", b"%PDF")
    )
    for action, actor in (
        ("submit", applicant),
        ("reasonable", evaluator),
        ("agree", producer),
        ("approve", reviewer),
    ):
        application = application_act(application=application, action=action, actor=actor)
    api.force_authenticate(evaluator)
    rule = api.post(
        "/api/v1/data/verification-rules/",
        {
            "name": "身份核验",
            "inputs": [{"name": "id_number", "label": "身份证号"}],
            "checks": [{"name": "registered", "resource": register.pk, "match": {"id_number": "id_number"}}],
        },
        format="json",
    ).json()
    api.force_authenticate(None)
    key = api_key_issue(actor=applicant, unit=applicant.unit, name="审批系统").key
    monkeypatch.setattr(AuditEvent.objects, "create", _refuse)
    response = api.post(
        reverse("data-verify", args=[rule["id"]]),
        {"inputs": {"id_number": PEOPLE[0]["id_number"]}},
        format="json",
        HTTP_AUTHORIZATION=f"Api-Key {key}",
    )
    assert_closed(response)
    assert "results" not in response.json()


def _refuse(*args, **kwargs):
    raise OperationalError("audit table unavailable")


# --- downloads ----------------------------------------------------------------------------------------


def test_the_audit_csv_export_answers_503_and_no_rows(client, reviewer, granted, audit_down):
    client.force_login(reviewer)
    assert_closed(client.get(reverse("audit-search-csv")), "credit_code")


def test_the_usage_csv_answers_503_and_no_rows(client, producer, granted, audit_down):
    client.force_login(producer)
    assert_closed(client.get(reverse("audit-usage-csv", args=["2026-11-20"])))


def test_the_supervision_workbook_answers_503_and_no_workbook(client, reviewer, granted, audit_down):
    client.force_login(reviewer)
    response = client.get(reverse("supervision-export"))
    assert_closed(response)
    assert not response.content.startswith(b"PK")  # no XLSX (a zip) came back


def test_the_supervision_workbook_is_sent_while_the_audit_works(client, reviewer, granted):
    client.force_login(reviewer)
    response = client.get(reverse("supervision-export"))
    assert response.status_code == 200
    assert openpyxl.load_workbook(io.BytesIO(response.content)).active.max_row >= 2


def test_an_application_attachment_is_not_sent_when_its_download_cannot_be_audited(
    client, applicant, unconditional, monkeypatch
):
    application = apply(applicant, unconditional)
    attachment = attachment_add(
        actor=applicant,
        application=application,
        title="方案",
        file=SimpleUploadedFile("plan.pdf", b"%PDF-secret-plan"),
    )
    client.force_login(applicant)
    url = reverse("sharing-attachment", args=[application.pk, attachment.pk])
    assert client.get(url).status_code == 200
    assert AuditEvent.objects.filter(action="application.attachment.download").count() == 1
    monkeypatch.setattr(AuditEvent.objects, "create", _refuse)
    response = client.get(url)
    assert_closed(response, "secret-plan")


def test_a_correction_attachment_is_not_sent_when_its_download_cannot_be_audited(
    client, applicant, granted, unconditional, monkeypatch
):
    ticket = ticket_report(
        actor=applicant,
        resource=unconditional,
        keys=[RECORDS[0]["credit_code"]],
        items=["company_name"],
        description="名称有误",
        attachment=SimpleUploadedFile("evidence.pdf", b"%PDF-secret-evidence"),
    )
    client.force_login(applicant)
    url = reverse("correction-attachment", args=[ticket.pk])
    assert client.get(url).status_code == 200
    monkeypatch.setattr(AuditEvent.objects, "create", _refuse)
    assert_closed(client.get(url), "secret-evidence")
