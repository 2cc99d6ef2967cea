"""Bad input never reaches the database: a NUL byte is refused with a 400 before any view runs (PostgreSQL
refuses NUL in text), and an over-long value is a 400 with a field error, not a 500."""

import json
from urllib.parse import urlencode

import pytest

from dataplatform.core.apikeys import api_key_issue
from dataplatform.core.middleware import RefuseNulBytesMiddleware
from tests.sharing.test_api import body

pytestmark = pytest.mark.django_db


def test_a_nul_byte_in_a_page_query_is_a_plain_400(client, producer):
    client.force_login(producer)
    response = client.get("/catalog/?q=%00")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


def test_a_nul_byte_in_an_api_list_query_is_the_error_envelope(api_as, producer):
    response = api_as(producer).get("/api/v1/catalog/resources/?q=%00")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "A NUL byte (\\u0000) is not allowed.",
        "code": "invalid",
        "field": "q",
    }


def test_a_nul_byte_on_the_data_interface_is_a_400(api, applicant):
    key = api_key_issue(actor=applicant, unit=applicant.unit, name="一网通办系统").key
    response = api.get("/api/v1/data/resources/1/records/?x=%00", HTTP_AUTHORIZATION=f"Api-Key {key}")
    assert response.status_code == 400
    assert response.json()["field"] == "x"


def test_a_nul_byte_in_a_json_string_is_a_400(api_as, applicant, unconditional):
    payload = body(unconditional, scenario="核验\u0000企业名称")
    response = api_as(applicant).post(
        "/api/v1/sharing/applications/", json.dumps(payload), content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["field"] == "scenario"


def test_a_nul_byte_nested_in_a_json_list_is_a_400(api_as, applicant, unconditional):
    payload = body(unconditional, lines=[{"resource": unconditional.pk, "items": ["credit\u0000code"]}])
    response = api_as(applicant).post("/api/v1/sharing/applications/", payload, format="json")
    assert response.status_code == 400
    assert response.json()["field"] == "lines"


def test_a_nul_byte_in_a_form_field_is_a_400(client, producer):
    client.force_login(producer)
    assert client.post("/notifications/", {"x": "a\x00b"}).status_code == 400


def test_a_json_body_over_the_upload_limit_is_not_read(rf, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10
    request = rf.post("/api/v1/x/", {"scenario": "\u0000" * 20}, content_type="application/json")
    assert RefuseNulBytesMiddleware.nul_field(request) is None  # left to Django's own limit
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    request = rf.post("/api/v1/x/", {"scenario": "\u0000" * 20}, content_type="application/json")
    assert RefuseNulBytesMiddleware.nul_field(request) == "scenario"


def test_a_clean_request_passes(api_as, applicant, unconditional):
    response = api_as(applicant).post("/api/v1/sharing/applications/", body(unconditional), format="json")
    assert response.status_code == 201, response.json()


def test_too_many_form_fields_to_the_api_is_the_error_envelope_not_an_html_page(
    client, producer, unconditional, settings
):
    """Found by the schema fuzz at 50 examples: Django refuses a body of more fields than
    DATA_UPLOAD_MAX_NUMBER_FIELDS; its 400 was an HTML page for a form, and a 500 for a multipart body
    (the NUL check had read it, and DRF could not read it again)."""
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    client.force_login(producer)
    fields = {f"f{n}": "x" for n in range(11)}
    url = f"/api/v1/catalog/resources/{unconditional.pk}/records/delete/"
    for response in (
        client.post(url, fields),  # multipart
        client.post(url, urlencode(fields), content_type="application/x-www-form-urlencoded"),
    ):
        assert response.status_code == 400
        assert response.json()["code"] == "parse_error"
    page = client.post("/accounts/password_change/", fields)
    assert page.status_code == 400 and page["Content-Type"].startswith("text/html")
