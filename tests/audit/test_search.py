"""Audit search: who sees which events, the filters, paging and the CSV export (Q8.4, F24)."""

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone

from audit.services import audit_record
from audit.usage import CST, event_rows
from dataplatform.core.apikeys import api_key_issue
from sharing.models import Grant
from sharing.workflow import application_act
from tests.factories.sharing import apply, publish

pytestmark = pytest.mark.django_db

URL = "/api/v1/audit/events/"


@pytest.fixture
def events(producer, applicant, outsider):
    return {
        "producer_own": audit_record(action="resource.update", actor=producer),
        "use_of_producers_data": audit_record(
            action="data.query", actor=applicant, owner_unit=producer.unit, detail={"grant": 999}
        ),
        "applicant_own": audit_record(action="application.submit", actor=applicant),
        "outsider_own": audit_record(action="resource.update", actor=outsider, owner_unit=outsider.unit),
    }


def seen(api_as, user, events, **params) -> set[str]:
    """The names of the test's events the user finds."""
    response = api_as(user).get(URL, {"page_size": 500, **params})
    assert response.status_code == 200, response.content
    ids = {row["id"] for row in response.json()["results"]}
    return {name for name, event in events.items() if event.pk in ids}


def test_a_unit_sees_its_own_events_and_the_use_of_its_data_only(api_as, producer, events):
    assert seen(api_as, producer, events) == {"producer_own", "use_of_producers_data"}


def test_the_using_unit_sees_its_own_calls_but_not_the_producers_events(api_as, applicant, events):
    assert seen(api_as, applicant, events) == {"use_of_producers_data", "applicant_own"}


def test_an_outsider_never_sees_other_units_events(api_as, outsider, events):
    assert seen(api_as, outsider, events) == {"outsider_own"}


def test_reviewers_see_the_units_of_their_own_regions(api_as, reviewer, county_reviewer, events):
    assert seen(api_as, reviewer, events) == {"producer_own", "use_of_producers_data", "applicant_own"}
    assert seen(api_as, county_reviewer, events) == {"outsider_own"}


def test_platform_admins_see_every_event(api_as, platform_admin, events):
    assert seen(api_as, platform_admin, events) == set(events)


def test_a_citizen_sees_nothing(api_as, django_user_model, events):
    citizen = django_user_model.objects.create_user(username="citizen", password="pw")
    assert seen(api_as, citizen, events) == set()


def test_a_units_api_key_sees_what_its_unit_sees(api, applicant, events):
    key = api_key_issue(actor=applicant, unit=applicant.unit, name="审计对接").key
    response = api.get(URL, {"page_size": 500}, HTTP_AUTHORIZATION=f"Api-Key {key}")
    ids = {row["id"] for row in response.json()["results"]}
    assert events["applicant_own"].pk in ids and events["producer_own"].pk not in ids


def test_filters_by_unit_person_action_prefix_and_grant(api_as, platform_admin, outsider, producer, events):
    assert seen(api_as, platform_admin, events, unit=outsider.unit_id) == {"outsider_own"}
    assert seen(api_as, platform_admin, events, unit=producer.unit_id) == {
        "producer_own",
        "use_of_producers_data",
    }
    assert seen(api_as, platform_admin, events, person=producer.pk) == {"producer_own"}
    assert seen(api_as, platform_admin, events, action="data.") == {"use_of_producers_data"}
    assert seen(api_as, platform_admin, events, grant=999) == {"use_of_producers_data"}


def test_the_time_range_is_in_china_standard_time_days(api_as, platform_admin, events):
    today = timezone.now().astimezone(CST).date()
    assert seen(api_as, platform_admin, events, date_from=today, date_to=today) == set(events)
    assert seen(api_as, platform_admin, events, date_from=today + dt.timedelta(days=1)) == set()
    assert seen(api_as, platform_admin, events, date_to=today - dt.timedelta(days=1)) == set()


def test_a_range_ending_before_it_starts_is_a_400(api_as, platform_admin):
    response = api_as(platform_admin).get(URL, {"date_from": "2026-02-02", "date_to": "2026-02-01"})
    assert response.status_code == 400


def test_the_resource_filter_finds_the_resource_and_the_calls_under_its_grants(
    api_as, platform_admin, producer, reviewer, applicant, events
):
    resource = publish(producer, reviewer, code="U-1")
    application = application_act(application=apply(applicant, resource), action="submit", actor=applicant)
    grant = Grant.objects.get(application=application)
    verified = audit_record(  # as sharing.verification writes it: the rule's event names the resource
        action="data.verify",
        actor=applicant,
        owner_unit=producer.unit,
        detail={"grant": grant.pk, "resource": resource.pk},
    )
    response = api_as(platform_admin).get(URL, {"resource": resource.pk, "page_size": 500})
    rows = response.json()["results"]
    assert verified.pk in {row["id"] for row in rows}
    about_resource = [
        r for r in rows if (r["object_type"], r["object_id"]) == ("catalog.resource", str(resource.pk))
    ]
    assert about_resource  # its own creation and publication
    assert all(r in about_resource or r["grant"] == grant.pk for r in rows)


def test_an_event_written_before_events_named_their_resource_is_found_by_its_grant(
    api_as, platform_admin, producer, reviewer, applicant, events
):
    resource = publish(producer, reviewer, code="U-2")
    application = application_act(application=apply(applicant, resource), action="submit", actor=applicant)
    grant = Grant.objects.get(application=application)
    older = audit_record(  # as sharing.verification wrote it before: the grant, not the resource
        action="data.verify", actor=applicant, owner_unit=producer.unit, detail={"grant": grant.pk}
    )
    rows = api_as(platform_admin).get(URL, {"resource": resource.pk, "page_size": 500}).json()["results"]
    assert older.pk in {row["id"] for row in rows}
    assert event_rows([older])[0]["resource"] == resource.name


def test_the_list_is_paginated_in_few_queries(api_as, platform_admin, events, django_assert_max_num_queries):
    client = api_as(platform_admin)
    with django_assert_max_num_queries(8):
        body = client.get(URL, {"page_size": 2}).json()
    assert body["count"] >= len(events) and len(body["results"]) == 2 and body["next"]


def test_the_search_page_lists_the_visible_events(client, producer, events):
    client.force_login(producer)
    response = client.get("/audit/search/")
    assert response.status_code == 200
    assert {row["id"] for row in response.context["rows"]} >= {events["producer_own"].pk}
    assert events["outsider_own"].pk not in {row["id"] for row in response.context["rows"]}
    assert 'href="/audit/search.csv"' in response.content.decode()  # no filter: the whole visible log


def test_the_csv_export_holds_the_filtered_visible_events(client, producer, applicant, events):
    client.force_login(producer)
    response = client.get("/audit/search.csv", {"action": "data."})
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert [(r["操作代码"], r["单位"], r["数据所属单位"], r["授权"]) for r in rows] == [
        ("data.query", applicant.unit.name, producer.unit.name, "999")
    ]


def test_the_audit_index_links_search_and_usage(client, producer):
    client.force_login(producer)
    page = client.get("/audit/").content.decode()
    assert 'href="/audit/search/"' in page and 'href="/audit/usage/' in page
    assert 'href="/audit/verify/"' not in page
