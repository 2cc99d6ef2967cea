"""The REST API under /api/v1/correction/: the whole route, rights, lists and the supervision figures."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.aggregation.services import records_upsert
from correction.tasks import scan_corrected_tickets
from dataplatform.core.apikeys import api_key_issue
from tests.factories.correction import WRONG, act, corrected_rows, report

pytestmark = pytest.mark.django_db

TICKETS = "/api/v1/correction/tickets/"


def body(resource, **overrides) -> dict:
    return {
        "resource": resource.pk,
        "keys": [WRONG],
        "items": ["company_name"],
        "description": "企业名称与营业执照不一致",
        "proposed_value": "泉州测试商贸有限公司",
        **overrides,
    }


def test_the_whole_route_over_the_api(api_as, applicant, companies, granted, evaluator, producer):
    created = api_as(applicant).post(TICKETS, body(companies), format="json")
    assert created.status_code == 201, created.json()
    ticket = created.json()
    assert (ticket["kind"], ticket["status"], ticket["allowed_actions"]) == ("report", "triage", [])
    url = f"{TICKETS}{ticket['id']}/"
    todo = api_as(evaluator).get(TICKETS + "?todo=1").json()["results"]
    assert [t["id"] for t in todo] == [ticket["id"]]
    assert api_as(evaluator).get(url).json()["allowed_actions"] == ["dispatch", "close"]
    dispatched = api_as(evaluator).post(url + "act/", {"action": "dispatch", "opinion": "属数据问题"}).json()
    assert dispatched["status"] == "dispatched" and dispatched["decision_due"]
    decided = api_as(producer).post(url + "act/", {"action": "correct"}).json()
    assert decided["status"] == "correcting" and decided["correction_due"]
    response = api_as(producer).post(
        f"/api/v1/catalog/resources/{companies.pk}/records/", {"records": corrected_rows()}, format="json"
    )
    assert response.status_code in (200, 201), response.json()
    scan_corrected_tickets()  # the timer, every minute
    seen = api_as(applicant).get(url).json()
    assert (seen["status"], seen["allowed_actions"]) == ("resolved", ["confirm", "reopen"])
    confirmed = api_as(applicant).post(url + "act/", {"action": "confirm"}).json()
    assert confirmed["status"] == "confirmed"
    assert [s["action"] for s in confirmed["steps"]] == [
        "report",
        "dispatch",
        "correct",
        "resolve",
        "confirm",
    ]


def test_a_step_taken_by_the_wrong_person_is_403_a_bad_one_400_and_resolve_is_not_offered(
    api_as, reported, applicant, evaluator
):
    url = f"{TICKETS}{reported.pk}/act/"
    assert api_as(applicant).post(url, {"action": "dispatch"}).status_code == 403
    assert api_as(evaluator).post(url, {"action": "close"}).status_code == 400  # no reasons
    assert api_as(evaluator).post(url, {"action": "resolve"}).status_code == 400  # not a person's action


def test_an_outsider_gets_404_and_an_empty_list(api_as, reported, outsider):
    assert api_as(outsider).get(f"{TICKETS}{reported.pk}/").status_code == 404
    assert api_as(outsider).post(f"{TICKETS}{reported.pk}/act/", {"action": "dispatch"}).status_code == 404
    assert api_as(outsider).get(TICKETS).json()["results"] == []


def test_a_report_without_a_grant_is_400_and_from_a_leader_403(api_as, applicant, companies, producer_leader):
    assert api_as(applicant).post(TICKETS, body(companies), format="json").status_code == 400
    assert api_as(producer_leader).post(TICKETS, body(companies), format="json").status_code == 403


def test_an_applying_units_information_system_reports_with_its_api_key(
    api, applicant, companies, granted, evaluator
):
    issued = api_key_issue(actor=applicant, unit=applicant.unit, name="社保系统")
    auth = {"HTTP_AUTHORIZATION": f"Api-Key {issued.key}"}
    created = api.post(TICKETS, body(companies), format="json", **auth)
    assert created.status_code == 201, created.json()
    ticket = created.json()
    assert ticket["reporter"] is None and ticket["reporter_unit"]["id"] == applicant.unit_id
    assert [t["id"] for t in api.get(TICKETS, **auth).json()["results"]] == [ticket["id"]]


def test_a_citizen_objects_over_the_api_with_an_evidence_file(api_as, citizen, companies):
    response = api_as(citizen).post(
        TICKETS,
        {**body(companies, items=["registered_on"]), "attachment": SimpleUploadedFile("proof.pdf", b"%PDF")},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["kind"] == "objection"


def test_the_list_filters_by_status_and_by_my_unit(
    api_as, applicant, companies, granted, evaluator, colleague
):
    first = report(applicant, companies)
    act(report(colleague, companies, description="另一处错误"), "dispatch", evaluator)
    mine = api_as(applicant).get(TICKETS + "?mine=1").json()["results"]
    assert len(mine) == 2  # the unit's reports, whoever of it reported
    triage = api_as(evaluator).get(TICKETS + "?status=triage").json()["results"]
    assert [t["id"] for t in triage] == [first.pk]


def test_the_list_costs_the_same_few_queries_however_many_tickets(
    api_as, applicant, companies, granted, evaluator
):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api_as(evaluator).get(TICKETS).status_code == 200
        return len(captured)

    act(report(applicant, companies), "dispatch", evaluator)
    one = queries()
    for n in range(5):
        act(report(applicant, companies, description=f"错误{n}"), "dispatch", evaluator)
    assert queries() == one <= 6


# --- supervision -----------------------------------------------------------------------------------


def test_the_authority_reads_corrections_per_producing_unit(
    api_as, applicant, companies, granted, evaluator, producer, reviewer
):
    corrected = act(act(report(applicant, companies), "dispatch", evaluator), "correct", producer)
    records_upsert(actor=producer, resource=companies, records=corrected_rows())
    from correction.services import tickets_resolve_corrected

    tickets_resolve_corrected()
    act(report(applicant, companies, description="另一处"), "dispatch", evaluator)
    report(applicant, companies, description="未分发的不计入")
    rows = api_as(reviewer).get("/api/v1/correction/statistics/").json()
    assert rows == [
        {
            "producer": producer.unit_id,
            "producer_name": producer.unit.name,
            "received": 2,
            "decided": 1,
            "decided_on_time": 1,
            "corrected": 1,
            "corrected_on_time": 1,
            "overdue_now": 0,
            "median_days_to_correct": 0.0,
        }
    ]
    assert corrected.pk


@pytest.mark.parametrize("who", ["producer", "applicant", "evaluator"])
def test_only_the_authority_reads_the_statistics(api_as, who, request):
    assert api_as(request.getfixturevalue(who)).get("/api/v1/correction/statistics/").status_code == 403


def test_a_county_authority_reads_only_its_own_units(api_as, reported, evaluator, county_reviewer):
    act(reported, "dispatch", evaluator)
    assert api_as(county_reviewer).get("/api/v1/correction/statistics/").json() == []
