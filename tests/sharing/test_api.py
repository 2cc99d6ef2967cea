import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories.sharing import END

pytestmark = pytest.mark.django_db


def body(resource, **overrides):
    return {
        "business_matter": "企业开办一件事",
        "scenario": "核验企业名称",
        "information_system": "一网通办系统",
        "service_method": "interface",
        "end_date": END.isoformat(),
        "lines": [{"resource": resource.pk, "items": ["credit_code", "company_name"]}],
        **overrides,
    }


def test_the_whole_conditional_route_over_the_api(
    api_as, applicant, conditional, evaluator, producer, reviewer
):
    created = api_as(applicant).post("/api/v1/sharing/applications/", body(conditional), format="json")
    assert created.status_code == 201, created.json()
    url = f"/api/v1/sharing/applications/{created.json()['id']}/"
    assert api_as(applicant).post(url + "act/", {"action": "submit"}).json()["status"] == "evaluating"
    todo = api_as(evaluator).get("/api/v1/sharing/applications/?todo=1").json()["results"]
    assert [a["id"] for a in todo] == [created.json()["id"]]
    api_as(evaluator).post(url + "act/", {"action": "reasonable"})
    api_as(producer).post(url + "act/", {"action": "agree", "opinion": "同意"})
    decided = api_as(reviewer).post(url + "act/", {"action": "approve"}).json()
    assert decided["status"] == "granted"
    assert [step["action"] for step in decided["steps"]] == ["submit", "reasonable", "agree", "approve"]
    grants = api_as(applicant).get("/api/v1/sharing/grants/").json()["results"]
    assert [g["items"] for g in grants] == [["credit_code", "company_name"]]


def test_a_step_taken_by_the_wrong_person_is_403_and_a_bad_one_400(api_as, applicant, conditional, reviewer):
    created = api_as(applicant).post("/api/v1/sharing/applications/", body(conditional), format="json").json()
    url = f"/api/v1/sharing/applications/{created['id']}/act/"
    api_as(applicant).post(url, {"action": "submit"})
    assert api_as(reviewer).post(url, {"action": "reasonable"}).status_code == 403
    assert api_as(applicant).post(url, {"action": "approve"}).status_code == 400


def test_the_refusal_basis_and_reason_are_shown_to_the_applicant(
    api_as, applicant, conditional, evaluator, producer, reviewer
):
    created = api_as(applicant).post("/api/v1/sharing/applications/", body(conditional), format="json").json()
    url = f"/api/v1/sharing/applications/{created['id']}/"
    api_as(applicant).post(url + "act/", {"action": "submit"})
    api_as(evaluator).post(url + "act/", {"action": "reasonable"})
    api_as(producer).post(url + "act/", {"action": "agree"})
    assert api_as(reviewer).post(url + "act/", {"action": "refuse", "opinion": "不符合"}).status_code == 400
    api_as(reviewer).post(
        url + "act/", {"action": "refuse", "opinion": "不符合条件", "basis": "某条例第三条"}
    )
    seen = api_as(applicant).get(url).json()
    assert (seen["status"], seen["decision_basis"], seen["decision_reason"]) == (
        "refused",
        "某条例第三条",
        "不符合条件",
    )


def test_drafts_are_private_to_the_applying_unit(api_as, applicant, producer, evaluator, conditional):
    created = api_as(applicant).post("/api/v1/sharing/applications/", body(conditional), format="json").json()
    for person in (producer, evaluator):
        assert api_as(person).get(f"/api/v1/sharing/applications/{created['id']}/").status_code == 404


def test_an_outsider_never_sees_an_application(api_as, applicant, outsider, conditional):
    created = api_as(applicant).post("/api/v1/sharing/applications/", body(conditional), format="json").json()
    api_as(applicant).post(f"/api/v1/sharing/applications/{created['id']}/act/", {"action": "submit"})
    assert api_as(outsider).get(f"/api/v1/sharing/applications/{created['id']}/").status_code == 404
    assert api_as(outsider).get("/api/v1/sharing/applications/").json()["results"] == []


def test_an_api_key_asking_for_its_units_applications_gets_an_answer_not_a_500(
    api_as, applicant, conditional
):
    from rest_framework.test import APIClient

    from dataplatform.core.apikeys import api_key_issue

    api_as(applicant).post("/api/v1/sharing/applications/", body(conditional), format="json")
    issued = api_key_issue(actor=applicant, unit=applicant.unit, name="审批系统")
    key = APIClient()
    key.credentials(HTTP_AUTHORIZATION=f"Api-Key {issued.key}")
    mine = key.get("/api/v1/sharing/applications/?mine=1")
    assert mine.status_code == 200  # it was a 500: an API key's client has no unit_id
    assert mine.json()["results"] == key.get("/api/v1/sharing/applications/").json()["results"]


def test_a_verification_application_uploads_its_plan(api_as, applicant, not_shared):
    created = (
        api_as(applicant)
        .post(
            "/api/v1/sharing/applications/",
            body(
                not_shared,
                service_method="verification",
                lines=[{"resource": not_shared.pk, "items": ["credit_code"]}],
            ),
            format="json",
        )
        .json()
    )
    url = f"/api/v1/sharing/applications/{created['id']}/"
    assert api_as(applicant).post(url + "act/", {"action": "submit"}).status_code == 400
    upload = api_as(applicant).post(
        url + "attachments/",
        {"title": "技术方案", "file": SimpleUploadedFile("plan.pdf", b"%PDF-1.4")},
        format="multipart",
    )
    assert upload.status_code == 201
    assert api_as(applicant).post(url + "act/", {"action": "submit"}).json()["status"] == "evaluating"


def test_the_reviewer_suspends_a_grant_over_the_api(api_as, applicant, unconditional, reviewer):
    created = (
        api_as(applicant).post("/api/v1/sharing/applications/", body(unconditional), format="json").json()
    )
    api_as(applicant).post(f"/api/v1/sharing/applications/{created['id']}/act/", {"action": "submit"})
    grant = api_as(applicant).get("/api/v1/sharing/grants/").json()["results"][0]
    url = f"/api/v1/sharing/grants/{grant['id']}/change/"
    assert api_as(applicant).post(url, {"move": "suspend", "reason": "x"}).status_code == 403
    response = api_as(reviewer).post(url, {"move": "suspend", "reason": "滥用"})
    assert response.status_code == 200 and response.json()["status"] == "suspended"


def test_a_public_organization_cannot_apply(api_as, city, conditional):
    from dataplatform.core.models import Role
    from dataplatform.core.models.units import UnitKind
    from tests import factories

    company = factories.person(factories.unit("某公司", UnitKind.ENTERPRISE, city), Role.DATA_ADMIN)
    response = api_as(company).post("/api/v1/sharing/applications/", body(conditional), format="json")
    assert response.status_code == 400 and "政务部门" in response.json()["detail"]


def test_an_attachment_title_over_200_characters_is_a_field_error(api_as, applicant, not_shared):
    created = api_as(applicant).post(
        "/api/v1/sharing/applications/",
        body(
            not_shared,
            service_method="verification",
            lines=[{"resource": not_shared.pk, "items": ["credit_code"]}],
        ),
        format="json",
    )
    url = f"/api/v1/sharing/applications/{created.json()['id']}/attachments/"
    response = api_as(applicant).post(
        url, {"title": "方" * 201, "file": SimpleUploadedFile("plan.pdf", b"%PDF-1.4")}, format="multipart"
    )
    assert response.status_code == 400
    assert "title" in response.json()
    long_name = "x" * 230 + ".pdf"  # no title: the file's name stands in, cut to fit
    response = api_as(applicant).post(
        url, {"file": SimpleUploadedFile(long_name, b"%PDF-1.4")}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    assert len(response.json()["title"]) <= 200
