"""The audit search for people: pickers that find units, people, resources and grants by name within
what the person's search may show, names typed without a picker, times, labels, and the CSV's filters."""

import csv
import datetime as dt
import io
from urllib.parse import parse_qs, urlparse

import pytest
import time_machine
from django.utils import translation

from audit.pickers import picker_find
from audit.services import audit_record
from sharing.models import Grant
from sharing.workflow import application_act
from tests import factories
from tests.factories.sharing import apply, publish

pytestmark = pytest.mark.django_db

CST = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def world(producer, applicant, outsider, reviewer):
    """The producer's entry, used by the applicant under a grant; the outsider acts only at home."""
    resource = publish(producer, reviewer, code="P-1", name="企业登记信息")
    application = application_act(application=apply(applicant, resource), action="submit", actor=applicant)
    grant = Grant.objects.get(application=application)
    call = audit_record(
        action="data.query",
        actor=applicant,
        target=resource,
        owner_unit=producer.unit,
        data_items=["credit_code", "company_name"],
        record_count=3,
        detail={"grant": grant.pk, "resource": resource.pk},
    )
    outsider_own = audit_record(action="resource.update", actor=outsider, owner_unit=outsider.unit)
    return {"resource": resource, "grant": grant, "call": call, "outsider_own": outsider_own}


def ids(user, kind, text="", **kwargs) -> set:
    return {choice.id for choice in picker_find(user=user, kind=kind, text=text, **kwargs)}


# --- what each picker offers -----------------------------------------------------------------------


def test_a_unit_admin_finds_the_people_of_their_events_only(world, producer, applicant, outsider):
    # The applicant's person called on the producer's data: the producer's search shows him.
    assert ids(producer, "person", applicant.real_name) == {applicant.pk}
    # The outsider and a colleague of the applicant who never touched the producer's data: not found,
    # not even by the exact login name.
    colleague = factories.person(applicant.unit, username="colleague")
    assert ids(producer, "person", outsider.real_name) == set()
    assert ids(producer, "person", "colleague") == set()
    assert ids(producer, "person", colleague.real_name) == set()


def test_the_platform_admin_finds_everyone(world, platform_admin, outsider, applicant):
    assert ids(platform_admin, "person", outsider.real_name) == {outsider.pk}
    assert ids(platform_admin, "person", "applicant") == {applicant.pk}


def test_a_reviewer_finds_the_people_of_the_regions_they_review(
    world, reviewer, county_reviewer, applicant, outsider
):
    assert ids(reviewer, "person", applicant.real_name) == {applicant.pk}
    assert ids(reviewer, "person", outsider.real_name) == set()  # Jinjiang is the county's to review
    assert ids(county_reviewer, "person", outsider.real_name) == {outsider.pk}


def test_a_citizen_finds_nothing(world, django_user_model, applicant):
    citizen = django_user_model.objects.create_user(username="citizen", password="pw")
    for kind in ("unit", "person", "resource", "grant"):
        assert ids(citizen, kind, "企业") == set()
    assert ids(citizen, "person", applicant.real_name) == set()


def test_units_are_the_own_and_those_met_in_events(world, producer, applicant, reviewer, outsider):
    # The applicant used the producer's data; the authority published its entry.
    assert ids(producer, "unit", "泉州") == {producer.unit_id, applicant.unit_id, reviewer.unit_id}
    assert ids(producer, "unit", outsider.unit.name) == set()
    assert ids(outsider, "unit", "局") == {outsider.unit_id}


def test_resources_are_those_produced_or_granted_within_the_search(world, producer, applicant, outsider):
    resource = world["resource"]
    assert ids(producer, "resource", "企业登记") == {resource.pk}
    assert ids(applicant, "resource", "P-1") == {resource.pk}  # by its code, under its grant
    assert ids(outsider, "resource", "企业登记") == set()


def test_grants_are_found_by_number_or_resource_within_the_search(world, producer, applicant, outsider):
    grant = world["grant"]
    assert ids(applicant, "grant", str(grant.pk)) == {grant.pk}
    assert ids(producer, "grant", "企业登记") == {grant.pk}
    assert ids(outsider, "grant", str(grant.pk)) == set()


def test_the_action_picker_offers_groups_and_actions_by_their_words(producer):
    with translation.override("zh-hans"):
        found = picker_find(user=producer, kind="action", text="共享申请")
    assert "application." in {c.id for c in found} and "application.submit" in {c.id for c in found}


# --- the lookup endpoint ---------------------------------------------------------------------------


def test_the_lookup_answers_json_within_the_search(client, world, producer, applicant, outsider):
    client.force_login(producer)
    body = client.get("/audit/lookup/person/", {"q": applicant.real_name}).json()
    assert body == {
        "results": [
            {"id": applicant.pk, "label": f"{applicant.real_name}（{applicant.unit.name}）", "hint": ""}
        ]
    }
    assert client.get("/audit/lookup/person/", {"q": outsider.real_name}).json() == {"results": []}
    assert client.get("/audit/lookup/person/").json() == {"results": []}  # nothing typed, nothing listed
    assert client.get("/audit/lookup/secret/", {"q": "x"}).status_code == 404


def test_the_lookup_wants_a_login(client):
    response = client.get("/audit/lookup/unit/", {"q": "局"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- the search page -------------------------------------------------------------------------------


def page_rows(client, **params):
    response = client.get("/audit/search/", params)
    assert response.status_code == 200
    return response, {row["id"] for row in response.context["rows"]}


def test_the_page_filters_by_picked_ids_and_shows_their_names(client, world, producer, applicant):
    client.force_login(producer)
    response, rows = page_rows(
        client, person=applicant.pk, resource=world["resource"].pk, grant=world["grant"].pk
    )
    assert rows == {world["call"].pk}
    picked = response.context["picked"]
    assert picked["person"].text == f"{applicant.real_name}（{applicant.unit.name}）"
    assert picked["resource"].text == "企业登记信息"
    assert picked["grant"].text == f"授权 {world['grant'].pk}：企业登记信息"


def test_a_name_typed_without_the_picker_is_read_as_its_id(client, world, producer, applicant):
    client.force_login(producer)
    response, rows = page_rows(client, unit=applicant.unit.name, action="查询数据")
    assert rows == {world["call"].pk}
    assert parse_qs(response.context["query"]) == {"unit": [str(applicant.unit_id)], "action": ["data.query"]}


def test_a_name_that_matches_nothing_or_several_says_so(client, world, producer, applicant):
    client.force_login(producer)
    response, rows = page_rows(client, person="无此人")
    assert rows == set() and "无此人" in response.context["errors"]["person"]
    response, _ = page_rows(client, unit="泉州市")  # the producer's own unit and the applicant's
    error = response.context["errors"]["unit"]
    assert producer.unit.name in error and applicant.unit.name in error
    assert 'data-testid="error-unit"' in response.content.decode()


def test_an_id_outside_the_search_shows_no_name(client, world, producer, outsider):
    client.force_login(producer)
    response, rows = page_rows(client, person=outsider.pk)
    assert rows == set()
    assert response.context["picked"]["person"].text == str(outsider.pk)
    assert outsider.real_name not in response.content.decode()


def test_times_are_local_to_the_minute(client, producer):
    with time_machine.travel(dt.datetime(2026, 12, 3, 7, 57, 12, tzinfo=dt.UTC), tick=False):
        audit_record(action="resource.update", actor=producer)
    client.force_login(producer)
    page = client.get("/audit/search/").content.decode()
    assert ">2026-12-03 15:57<" in page and 'title="2026-12-03 15:57:12"' in page
    assert "2026-12-03T" not in page and "+08:00" not in page


def test_actions_outcomes_and_items_are_shown_in_words(client, world, producer, applicant):
    audit_record(action="data.query", actor=applicant, owner_unit=producer.unit, outcome="denied")
    # An application's or a correction's items name their resource by its code.
    audit_record(
        action="correction.report", actor=applicant, owner_unit=producer.unit, data_items=["P-1:capital"]
    )
    client.force_login(producer)
    page = client.get("/audit/search/").content.decode()
    assert "查询数据" in page and "统一社会信用代码, 企业名称" not in page
    assert "统一社会信用代码、企业名称" in page
    assert '<span class="badge text-bg-danger" data-testid="outcome">拒绝</span>' in page
    assert ">data.query<" not in page
    assert ">注册资本<" in page and "P-1:capital" not in page
    client.post("/i18n/setlang/", {"language": "en"})
    page = client.get("/audit/search/").content.decode()
    assert "Query records" in page and "统一社会信用代码, 企业名称" in page


def test_the_export_link_carries_the_filters_and_the_csv_holds_them(client, world, producer, applicant):
    audit_record(action="data.query", actor=producer, owner_unit=producer.unit)  # not the applicant's
    client.force_login(producer)
    response = client.get("/audit/search/", {"person": applicant.real_name, "action": "data."})
    link = response.context["query"]
    assert f'href="/audit/search.csv?{link.replace("&", "&amp;")}"' in response.content.decode()
    assert parse_qs(urlparse("?" + link).query) == {"person": [str(applicant.pk)], "action": ["data."]}
    csv_response = client.get(f"/audit/search.csv?{link}")
    text = b"".join(csv_response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["事件"] for r in rows] == [str(world["call"].pk)]
    row = rows[0]
    assert row["操作"] == "查询数据" and row["操作代码"] == "data.query" and row["结果"] == "完成"
    assert row["数据项"] == "统一社会信用代码;企业名称" and row["数据项标识"] == "credit_code;company_name"
    assert row["授权"] == str(world["grant"].pk) and row["数据所属单位"] == producer.unit.name
    at = world["call"].occurred_at.astimezone(CST)
    assert row["时间"] == at.strftime("%Y-%m-%d %H:%M:%S")


def test_the_csv_reads_a_typed_name_too(client, world, producer, applicant):
    client.force_login(producer)
    response = client.get("/audit/search.csv", {"unit": applicant.unit.name, "action": "数据调用"})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert {r["事件"] for r in rows} == {str(world["call"].pk)}
    assert client.get("/audit/search.csv", {"person": "无此人"}).status_code == 400
