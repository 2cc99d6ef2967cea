"""The application steps of the mixed load (bench/load.py) read the lines, their resources and producers once
per request: making a draft and submitting it cost a fixed number of statements, however many lines."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories.sharing import END, publish

pytestmark = pytest.mark.django_db

# Statements of one request through the API (authentication forced: no session read), once the applicant's
# roles and the working calendar have been read. The savepoint and its release count too.
# The resources asked for, savepoint, the draft, visibility of the resources, the lines, the audit event,
# release; the answer: lines with resources, attachments, steps.
CREATE_STATEMENTS = 10
# Access, savepoint, the locked application, its lines with resources and producers, their data items, the
# grants, the status, the step, the audit event, the applicant's administrators and their notification,
# release; the answer: attachments, steps and their actors (the lines were read with the application).
SUBMIT_GRANTED_STATEMENTS = 15
# The same without grants; the evaluators (none here) are told instead of the applicant.
SUBMIT_TO_EVALUATION_STATEMENTS = 13


def draft(resources) -> dict:
    return {
        "business_matter": "企业开办一件事",
        "scenario": "核验企业名称",
        "information_system": "一网通办系统",
        "service_method": "interface",
        "end_date": END.isoformat(),
        "lines": [
            {"resource": resource.pk, "items": ["credit_code", "company_name"]} for resource in resources
        ],
    }


@pytest.fixture
def four_entries(producer, reviewer, unconditional):
    return [unconditional] + [publish(producer, reviewer, code=f"U-{n}") for n in (2, 3, 4)]


def create(client, resources) -> tuple[dict, int]:
    with CaptureQueriesContext(connection) as statements:
        response = client.post("/api/v1/sharing/applications/", draft(resources), format="json")
    assert response.status_code == 201, response.content
    return response.json(), len(statements)


def submit(client, application: dict) -> tuple[dict, int]:
    url = f"/api/v1/sharing/applications/{application['id']}/act/"
    with CaptureQueriesContext(connection) as statements:
        response = client.post(url, {"action": "submit"}, format="json")
    assert response.status_code == 200, response.content
    return response.json(), len(statements)


def test_a_draft_is_made_in_a_fixed_number_of_statements(api_as, applicant, four_entries):
    client = api_as(applicant)
    create(client, four_entries[:1])  # (the first reads the applicant's roles)
    _one, one_line = create(client, four_entries[:1])
    made, four_lines = create(client, four_entries)
    assert one_line == four_lines == CREATE_STATEMENTS
    assert [line["resource"]["code"] for line in made["lines"]] == ["U-1", "U-2", "U-3", "U-4"]


def test_an_application_is_submitted_in_a_fixed_number_of_statements(api_as, applicant, four_entries):
    client = api_as(applicant)
    submit(client, create(client, four_entries[:1])[0])  # (the first reads the working calendar)
    _one, one_line = submit(client, create(client, four_entries[:1])[0])
    granted, four_lines = submit(client, create(client, four_entries)[0])
    assert one_line == four_lines == SUBMIT_GRANTED_STATEMENTS
    assert granted["status"] == "granted"
    assert [line["resource"]["code"] for line in granted["lines"]] == ["U-1", "U-2", "U-3", "U-4"]
    assert [step["to_status"] for step in granted["steps"]] == ["granted"]


def test_a_conditional_application_is_submitted_in_as_many_statements_for_one_line_as_for_four(
    api_as, applicant, producer, reviewer
):
    entries = [
        publish(
            producer,
            reviewer,
            code=f"C-{n}",
            category="departmental",
            share_type="conditional",
            share_conditions="仅限社保业务",
            share_basis="《社会保险法》第八十一条",
        )
        for n in (1, 2, 3, 4)
    ]
    client = api_as(applicant)
    submit(client, create(client, entries[:1])[0])  # (the first reads the working calendar)
    _one, one_line = submit(client, create(client, entries[:1])[0])
    evaluating, four_lines = submit(client, create(client, entries)[0])
    assert one_line == four_lines == SUBMIT_TO_EVALUATION_STATEMENTS
    assert evaluating["status"] == "evaluating" and evaluating["due"]


def test_an_unknown_resource_is_still_a_field_error_of_its_line(api_as, applicant, unconditional):
    body = draft([unconditional])
    body["lines"].append({"resource": 999999, "items": ["credit_code"]})
    response = api_as(applicant).post("/api/v1/sharing/applications/", body, format="json")
    assert response.status_code == 400
    assert list(response.json()["lines"]) == ["1"]  # DRF's shape: the lines in error, by position
    assert "999999" in response.json()["lines"]["1"]["resource"][0]
