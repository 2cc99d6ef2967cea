"""The collection catalog: one legal source per data item (Q3.1, G14), flagged duplicates confirmed by
the authority, and the legal source shown where applicants search (Q3.3)."""

import pytest

from audit.models import AuditEvent
from catalog.collection.services import collection_item_create, source_conflict_decide
from catalog.models import CollectionItem, ResourceStatus, SourceCheckStatus, SourceConflict
from catalog.services import resource_create, resource_update
from catalog.workflow import resource_transition
from dataplatform.core.errors import ApplicationError
from dataplatform.core.models import Notification, Role
from tests import factories
from tests.factories.catalog import ITEMS, entry_fields

pytestmark = pytest.mark.django_db

ITEMS_URL = "/api/v1/catalog/collection/items/"


@pytest.fixture
def police(city):
    return factories.unit("泉州市公安局", region_=city)


@pytest.fixture
def police_admin(police):
    return factories.person(police, Role.DATA_ADMIN, username="police_admin")


@pytest.fixture
def capital_by_police(reviewer, police):
    """The authority names the police as the legal source of 注册资本 (an odd choice, but the market
    unit's test entry carries the item)."""
    return collection_item_create(
        actor=reviewer, identifier="capital", label="注册资本", source_unit=police, legal_basis="某条例第三条"
    )


def with_items(*extra: dict) -> dict:
    return entry_fields(items=[*ITEMS, *extra])


def test_the_authority_names_the_legal_source_of_an_item_over_the_api(api_as, reviewer, police):
    response = api_as(reviewer).post(
        ITEMS_URL,
        {
            "identifier": "id_number",
            "label": "公民身份号码",
            "source_unit": police.pk,
            "legal_basis": "居民身份证法",
        },
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["source_unit"] == {"id": police.pk, "name": "泉州市公安局"}
    event = AuditEvent.objects.get(action="collection_item.create")
    assert event.owner_unit == police and event.actor == reviewer


def test_a_producer_cannot_keep_the_collection_catalog(api_as, producer, police):
    response = api_as(producer).post(
        ITEMS_URL,
        {"identifier": "id_number", "label": "公民身份号码", "source_unit": police.pk},
        format="json",
    )
    assert response.status_code == 403
    assert not CollectionItem.objects.exists()


def test_the_authority_of_another_region_cannot_name_a_city_units_source(county_reviewer, police):
    with pytest.raises(ApplicationError):
        collection_item_create(actor=county_reviewer, identifier="x", label="某项", source_unit=police)


def test_an_item_has_one_legal_source(api_as, reviewer, police, producer_unit, capital_by_police):
    response = api_as(reviewer).post(
        ITEMS_URL,
        {"identifier": "capital", "label": "注册资本", "source_unit": producer_unit.pk},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["existing_source"] == police.pk
    assert CollectionItem.objects.get().source_unit == police


def test_registering_an_item_another_unit_is_the_source_of_is_flagged_with_that_source(
    producer, reviewer, police, capital_by_police
):
    resource = resource_create(actor=producer, producer=producer.unit, **entry_fields())
    (flag,) = SourceConflict.objects.filter(resource=resource)
    assert (flag.item_name, flag.collection_item.source_unit, flag.status) == (
        "capital",
        police,
        SourceCheckStatus.PENDING,
    )
    event = AuditEvent.objects.get(action="resource.source_flagged", object_id=str(resource.pk))
    assert event.data_items == ["capital"] and event.detail["sources"] == {"capital": police.pk}
    assert Notification.objects.filter(recipient=reviewer, url=f"/catalog/{resource.pk}/").exists()


def test_the_source_itself_and_record_keys_are_not_flagged(producer, reviewer, producer_unit, police):
    collection_item_create(
        actor=reviewer, identifier="company_name", label="企业名称", source_unit=producer_unit
    )
    collection_item_create(
        actor=reviewer, identifier="credit_code", label="统一社会信用代码", source_unit=police
    )
    resource = resource_create(actor=producer, producer=producer.unit, **entry_fields())
    assert not SourceConflict.objects.filter(resource=resource).exists()


def test_an_item_is_matched_by_its_label_too(producer, reviewer, police):
    collection_item_create(actor=reviewer, identifier="full_name", label="姓名", source_unit=police)
    resource = resource_create(
        actor=producer, producer=producer.unit, **with_items({"name": "rep_name", "label": "姓名"})
    )
    assert SourceConflict.objects.get(resource=resource).item_name == "rep_name"


def test_naming_a_source_flags_the_entries_already_registered(draft, reviewer, police):
    assert not SourceConflict.objects.exists()
    collection_item_create(actor=reviewer, identifier="capital", label="注册资本", source_unit=police)
    assert SourceConflict.objects.get().resource == draft


def test_an_entry_with_an_unconfirmed_source_is_not_published(draft, producer, reviewer, capital_by_police):
    resource = resource_transition(resource=draft, to="submitted", actor=producer)
    with pytest.raises(ApplicationError) as refused:
        resource_transition(resource=resource, to="published", actor=reviewer)
    assert refused.value.extra["source_checks"] == [SourceConflict.objects.get().pk]
    resource.refresh_from_db()
    assert resource.status == ResourceStatus.SUBMITTED


def test_once_the_authority_confirms_the_item_the_entry_is_published(
    draft, producer, reviewer, capital_by_police
):
    resource = resource_transition(resource=draft, to="submitted", actor=producer)
    flag = SourceConflict.objects.get()
    source_conflict_decide(actor=reviewer, conflict=flag, confirm=True, note="引用公安数据，不另行采集")
    assert resource_transition(resource=resource, to="published", actor=reviewer).status == "published"
    assert AuditEvent.objects.filter(action="source_conflict.confirm", data_items=["capital"]).exists()
    assert Notification.objects.filter(recipient=producer, url=f"/catalog/{resource.pk}/").exists()


def test_a_refused_item_must_leave_the_entry_before_it_is_published(
    draft, producer, reviewer, capital_by_police
):
    flag = SourceConflict.objects.get()
    with pytest.raises(ApplicationError):
        source_conflict_decide(actor=reviewer, conflict=flag, confirm=False)  # a refusal says why
    source_conflict_decide(actor=reviewer, conflict=flag, confirm=False, note="向公安申请共享，不重复采集")
    resource = resource_transition(resource=draft, to="submitted", actor=producer)
    with pytest.raises(ApplicationError):
        resource_transition(resource=resource, to="published", actor=reviewer)
    resource = resource_transition(resource=resource, to="returned", actor=reviewer, reason="删除注册资本")
    resource_update(actor=producer, resource=resource, items=[i for i in ITEMS if i["name"] != "capital"])
    assert not SourceConflict.objects.exists()
    resource = resource_transition(resource=resource, to="submitted", actor=producer)
    assert resource_transition(resource=resource, to="published", actor=reviewer).status == "published"


def test_only_the_reviewing_authority_decides_a_source_check(
    api_as, draft, producer, county_reviewer, capital_by_police
):
    flag = SourceConflict.objects.get()
    url = f"/api/v1/catalog/source-checks/{flag.pk}/decision/"
    assert api_as(producer).post(url, {"confirm": True}, format="json").status_code == 403
    assert api_as(county_reviewer).post(url, {"confirm": True}, format="json").status_code == 404
    flag.refresh_from_db()
    assert flag.status == SourceCheckStatus.PENDING


def test_the_source_checks_api_lists_the_pending_flags_for_the_reviewer(
    api_as, draft, reviewer, police, capital_by_police
):
    body = api_as(reviewer).get("/api/v1/catalog/source-checks/", {"status": "pending"}).json()
    (flag,) = body["results"] if isinstance(body, dict) else body
    assert flag["resource"]["id"] == draft.pk and flag["legal_source"]["id"] == police.pk


def test_the_catalog_search_shows_each_items_legal_source(
    api_as, applicant, published, reviewer, producer_unit
):
    collection_item_create(
        actor=reviewer, identifier="company_name", label="企业名称", source_unit=producer_unit
    )
    (result,) = api_as(applicant).get("/api/v1/catalog/search/", {"q": "企业"}).json()["results"]
    sources = {item["name"]: item["legal_source"] for item in result["items"]}
    assert sources["company_name"] == {"id": producer_unit.pk, "name": producer_unit.name}
    assert sources["capital"] is None


def test_the_collection_catalog_says_where_to_apply_for_an_item(
    api_as, client, applicant, published, reviewer, producer_unit
):
    collection_item_create(
        actor=reviewer, identifier="company_name", label="企业名称", source_unit=producer_unit
    )
    body = api_as(applicant).get(ITEMS_URL, {"q": "企业"}).json()
    (item,) = body["results"] if isinstance(body, dict) else body
    assert item["source_unit"]["id"] == producer_unit.pk
    assert [r["id"] for r in item["source_resources"]] == [published.pk]
    client.force_login(applicant)
    page = client.get("/catalog/collection/", {"q": "企业"}).content.decode()
    assert f'data-source-unit="{producer_unit.pk}"' in page and f"/catalog/{published.pk}/" in page


def test_the_authority_confirms_a_flag_from_the_entry_page(
    client, draft, producer, reviewer, capital_by_police
):
    flag = SourceConflict.objects.get()
    client.force_login(producer)
    page = client.get(f"/catalog/{draft.pk}/").content.decode()
    assert f'data-check="{flag.pk}"' in page and 'data-testid="confirm-source"' not in page
    client.force_login(reviewer)
    assert 'data-testid="confirm-source"' in client.get(f"/catalog/{draft.pk}/").content.decode()
    response = client.post(
        f"/catalog/source-checks/{flag.pk}/decide/", {"confirm": "1", "next": f"/catalog/{draft.pk}/"}
    )
    assert response.status_code == 302 and response.url == f"/catalog/{draft.pk}/"
    flag.refresh_from_db()
    assert flag.status == SourceCheckStatus.CONFIRMED and flag.decided_by == reviewer


def test_the_authority_adds_an_item_on_the_collection_page(client, reviewer, police):
    client.force_login(reviewer)
    client.post(
        "/catalog/collection/new/",
        {"identifier": "id_number", "label": "公民身份号码", "source_unit": police.pk},
    )
    assert CollectionItem.objects.get().source_unit == police


def test_a_person_of_no_government_unit_does_not_see_the_collection_catalog(client):
    client.force_login(factories.person(factories.unit("华侨大学", kind="university"), Role.DATA_ADMIN))
    assert client.get("/catalog/collection/").status_code == 403


def test_the_api_tells_the_producer_which_items_are_flagged(api_as, producer, police, capital_by_police):
    response = api_as(producer).post("/api/v1/catalog/resources/", entry_fields(), format="json")
    assert response.status_code == 201
    checks = response.json()["source_checks"]
    assert [(c["item_name"], c["legal_source"]["id"], c["status"]) for c in checks] == [
        ("capital", police.pk, "pending")
    ]
    listed = (
        api_as(producer).get("/api/v1/catalog/source-checks/", {"resource": response.json()["id"]}).json()
    )
    assert [c["item_name"] for c in listed["results"]] == ["capital"]


def test_public_organizations_get_nothing_from_the_collection_catalog_api(api_as, capital_by_police):
    university = factories.person(factories.unit("华侨大学", kind="university"), Role.DATA_ADMIN)
    assert api_as(university).get(ITEMS_URL).json()["results"] == []


def test_a_pending_source_check_is_on_the_reviewers_home_page(client, draft, reviewer, capital_by_police):
    client.force_login(reviewer)
    main = client.get("/").content.decode().split("<main", 1)[-1]
    assert f'href="/catalog/{draft.pk}/"' in main
