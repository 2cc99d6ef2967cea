"""Temporary collection outside the collection catalog (Q3.2) and emergency data sealed or destroyed
when the emergency is over (G40)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from audit.models import AuditEvent
from catalog.aggregation.services import records_upsert
from catalog.collection.emergency import emergency_declare, emergency_end, temporary_collection_dispose
from catalog.collection.emergency import temporary_collection_record as record
from catalog.models import RecordDeletion, ResourceStatus, TemporaryCollection
from catalog.records import has_records, record_count
from dataplatform.core.errors import ApplicationError
from dataplatform.core.models import Notification

pytestmark = pytest.mark.django_db

TODAY = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()  # the platform counts dates in Beijing
URL = "/api/v1/catalog/temporary-collections/"


@pytest.fixture
def emergency(reviewer):
    return emergency_declare(actor=reviewer, name="台风“杜苏芮”应急", started_on=TODAY - dt.timedelta(days=3))


def collect(actor, **overrides):
    fields = {
        "title": "受灾群众安置登记",
        "data_items": "姓名、公民身份号码、安置点",
        "reason": "台风应急安置，采集目录未列",
        "starts_on": TODAY - dt.timedelta(days=2),
        "ends_on": TODAY + dt.timedelta(days=30),
    }
    return record(actor=actor, **{**fields, **overrides})


def test_a_unit_records_a_temporary_collection_with_its_reason_and_end_date(api_as, producer, reviewer):
    response = api_as(producer).post(
        URL,
        {
            "title": "专项检查企业名单",
            "data_items": "企业名称、检查结果",
            "reason": "食品安全专项整治",
            "starts_on": "2026-11-01",
            "ends_on": "2026-12-31",
        },
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["reason"], body["ends_on"], body["is_emergency"]) == (
        "食品安全专项整治",
        "2026-12-31",
        False,
    )
    event = AuditEvent.objects.get(action="temporary_collection.record")
    assert event.owner_unit == producer.unit and event.detail["ends_on"] == "2026-12-31"
    assert Notification.objects.filter(recipient=reviewer, url="/catalog/temporary/").exists()


def test_a_temporary_collection_needs_a_reason_and_an_end_after_its_start(producer):
    with pytest.raises(ApplicationError):
        collect(producer, reason=" ")
    with pytest.raises(ApplicationError):
        collect(producer, ends_on=TODAY - dt.timedelta(days=5))
    assert not TemporaryCollection.objects.exists()


def test_only_a_units_data_administrator_records_one(api_as, reviewer):
    response = api_as(reviewer).post(
        URL,
        {"title": "x", "data_items": "x", "reason": "x", "starts_on": "2026-11-01", "ends_on": "2026-11-02"},
    )
    assert response.status_code == 403


def test_only_an_authority_declares_an_emergency(api_as, producer, reviewer):
    body = {"name": "疫情防控", "started_on": "2026-11-01"}
    assert api_as(producer).post("/api/v1/catalog/emergencies/", body, format="json").status_code == 403
    response = api_as(reviewer).post("/api/v1/catalog/emergencies/", body, format="json")
    assert response.status_code == 201 and response.json()["is_over"] is False
    assert AuditEvent.objects.filter(action="emergency.declare").count() == 1


def test_data_collected_for_an_emergency_is_marked_as_such(api_as, producer, emergency):
    collection = collect(producer, emergency=emergency, contains_personal_info=True)
    (row,) = api_as(producer).get(URL).json()["results"]
    assert row["id"] == collection.pk and row["is_emergency"] is True
    assert row["emergency"]["id"] == emergency.pk and row["awaits_disposal"] is False


def test_a_county_unit_cannot_collect_for_an_emergency_of_another_county(county_reviewer, producer):
    other = emergency_declare(actor=county_reviewer, name="晋江内涝", started_on=TODAY)
    with pytest.raises(ApplicationError):
        collect(producer, emergency=other)


def test_when_the_emergency_ends_its_data_is_listed_for_sealing_or_destruction(
    api_as, client, producer, reviewer, emergency
):
    collection = collect(producer, emergency=emergency, contains_personal_info=True)
    other = collect(producer, title="常规临时采集")
    assert api_as(producer).get(URL, {"awaiting_disposal": 1}).json()["results"] == []
    response = api_as(reviewer).post(
        f"/api/v1/catalog/emergencies/{emergency.pk}/end/", {"ended_on": TODAY.isoformat()}, format="json"
    )
    assert response.status_code == 200 and response.json()["is_over"] is True
    rows = api_as(producer).get(URL, {"awaiting_disposal": 1}).json()["results"]
    assert [row["id"] for row in rows] == [collection.pk]
    assert other.pk not in [row["id"] for row in rows]
    assert Notification.objects.filter(
        recipient=producer, url=f"/catalog/emergencies/{emergency.pk}/"
    ).exists()
    assert AuditEvent.objects.get(action="emergency.end").detail["to_dispose"] == [collection.pk]
    client.force_login(producer)
    page = client.get("/catalog/temporary/").content.decode()
    assert 'data-testid="to-dispose"' in page and f'data-collection="{collection.pk}"' in page
    detail = client.get(f"/catalog/emergencies/{emergency.pk}/").content.decode()
    assert 'data-testid="dispose"' in detail


def test_nothing_more_is_collected_for_an_emergency_that_is_over(producer, reviewer, emergency):
    emergency_end(actor=reviewer, emergency=emergency, ended_on=TODAY)
    with pytest.raises(ApplicationError):
        collect(producer, emergency=emergency)


def test_the_data_is_not_disposed_of_while_the_emergency_lasts(producer, emergency):
    collection = collect(producer, emergency=emergency)
    with pytest.raises(ApplicationError):
        temporary_collection_dispose(actor=producer, collection=collection, disposal="sealed")


def test_destroying_emergency_data_retires_its_entry_and_deletes_its_records(
    api_as, producer, reviewer, published, emergency
):
    records_upsert(
        actor=producer,
        resource=published,
        records=[{"credit_code": "91350500MA0000112X", "company_name": "某企业"}],
    )
    collection = collect(producer, emergency=emergency, resource=published, contains_personal_info=True)
    emergency_end(actor=reviewer, emergency=emergency, ended_on=TODAY)
    response = api_as(producer).post(
        f"{URL}{collection.pk}/disposal/",
        {"disposal": "destroyed", "note": "应急结束，按规定销毁"},
        format="json",
    )
    assert response.status_code == 200 and response.json()["disposal"] == "destroyed"
    published.refresh_from_db()
    assert published.status == ResourceStatus.RETIRED and published.record_count == 0
    assert not has_records(resource_id=published.pk)
    # The tombstone takes the destruction to the copies pushed to applicants (bulk exchange).
    assert list(RecordDeletion.objects.filter(resource=published).values_list("key", flat=True)) == [
        "91350500MA0000112X"
    ]
    event = AuditEvent.objects.get(action="temporary_collection.destroyed")
    assert event.record_count == 1 and event.owner_unit == producer.unit
    detail = api_as(reviewer).get(f"/api/v1/catalog/emergencies/{emergency.pk}/").json()
    assert [(c["id"], c["disposal"]) for c in detail["collections"]] == [(collection.pk, "destroyed")]


def test_sealing_keeps_the_records_but_stops_sharing(producer, reviewer, published, emergency):
    records_upsert(actor=producer, resource=published, records=[{"credit_code": "1", "company_name": "甲"}])
    collection = collect(producer, emergency=emergency, resource=published)
    emergency_end(actor=reviewer, emergency=emergency, ended_on=TODAY)
    temporary_collection_dispose(actor=producer, collection=collection, disposal="sealed")
    published.refresh_from_db()
    assert published.status == ResourceStatus.RETIRED and record_count(resource_id=published.pk) == 1


def test_keeping_the_data_names_the_law_and_it_is_recorded_once(producer, reviewer, emergency):
    collection = collect(producer, emergency=emergency)
    emergency_end(actor=reviewer, emergency=emergency, ended_on=TODAY)
    with pytest.raises(ApplicationError):
        temporary_collection_dispose(actor=producer, collection=collection, disposal="retained")
    temporary_collection_dispose(
        actor=producer, collection=collection, disposal="retained", note="《档案法》第十四条"
    )
    with pytest.raises(ApplicationError):
        temporary_collection_dispose(actor=producer, collection=collection, disposal="destroyed")


def test_another_unit_cannot_record_the_disposal(api_as, producer, applicant, reviewer, emergency):
    collection = collect(producer, emergency=emergency)
    emergency_end(actor=reviewer, emergency=emergency, ended_on=TODAY)
    response = api_as(applicant).post(
        f"{URL}{collection.pk}/disposal/", {"disposal": "sealed"}, format="json"
    )
    assert response.status_code == 404
    collection.refresh_from_db()
    assert collection.disposal == ""


def test_the_pages_record_declare_and_end(client, producer, reviewer):
    client.force_login(reviewer)
    response = client.post("/catalog/emergencies/new/", {"name": "森林火灾", "started_on": TODAY.isoformat()})
    emergency_id = int(response.url.rstrip("/").split("/")[-1])
    client.force_login(producer)
    client.post(
        "/catalog/temporary/new/",
        {
            "title": "撤离人员名单",
            "data_items": "姓名、电话",
            "reason": "火灾撤离",
            "starts_on": TODAY.isoformat(),
            "ends_on": (TODAY + dt.timedelta(days=7)).isoformat(),
            "emergency": emergency_id,
            "contains_personal_info": "1",
        },
    )
    collection = TemporaryCollection.objects.get()
    assert collection.emergency_id == emergency_id and collection.contains_personal_info
    client.force_login(reviewer)
    client.post(f"/catalog/emergencies/{emergency_id}/end/", {"ended_on": TODAY.isoformat()})
    client.force_login(producer)
    client.post(f"/catalog/temporary/{collection.pk}/dispose/", {"disposal": "destroyed"})
    collection.refresh_from_db()
    assert collection.disposal == "destroyed" and collection.disposed_by == producer


def test_an_emergency_does_not_end_in_the_future(reviewer, emergency):
    with pytest.raises(ApplicationError):
        emergency_end(actor=reviewer, emergency=emergency, ended_on=TODAY + dt.timedelta(days=1))


def test_data_to_seal_or_destroy_is_on_the_data_administrators_home_page(
    client, producer, reviewer, emergency
):
    collect(producer, emergency=emergency)
    client.force_login(producer)
    assert f"/catalog/emergencies/{emergency.pk}/" not in client.get("/").content.decode()
    emergency_end(actor=reviewer, emergency=emergency, ended_on=TODAY)
    assert f'href="/catalog/emergencies/{emergency.pk}/"' in client.get("/").content.decode()
