import pytest

from catalog.models import Resource
from tests.factories.catalog import entry_fields

pytestmark = pytest.mark.django_db


def create_body(**overrides) -> dict:
    return entry_fields(**overrides)


def test_a_producer_registers_an_entry_with_items_over_the_api(api_as, producer):
    response = api_as(producer).post("/api/v1/catalog/resources/", create_body(), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "draft" and body["producer"]["name"] == producer.unit.name
    assert [item["name"] for item in body["items"]] == [
        "credit_code",
        "company_name",
        "registered_on",
        "capital",
    ]
    assert body["allowed_transitions"] == ["submitted", "retired"]


def test_a_bad_entry_gets_a_400_naming_the_fields(api_as, producer):
    response = api_as(producer).post(
        "/api/v1/catalog/resources/", create_body(category="nonsense", service_methods=["fax"]), format="json"
    )
    assert response.status_code == 400
    assert {"category", "service_methods"} <= set(response.json())


def test_a_duplicate_code_gets_a_400(api_as, producer, draft):
    response = api_as(producer).post("/api/v1/catalog/resources/", create_body(), format="json")
    assert response.status_code == 400
    assert "code" in response.json()


def test_submitting_an_entry_that_breaks_a_rule_gets_a_400_with_the_rule(api_as, producer):
    client = api_as(producer)
    created = client.post(
        "/api/v1/catalog/resources/",
        create_body(share_type="conditional", category="thematic"),
        format="json",
    ).json()
    response = client.post(f"/api/v1/catalog/resources/{created['id']}/transition/", {"to": "submitted"})
    assert response.status_code == 400
    assert "share_conditions" in response.json()


def test_the_whole_lifecycle_over_the_api(api_as, producer, reviewer):
    client = api_as(producer)
    created = client.post("/api/v1/catalog/resources/", create_body(), format="json").json()
    url = f"/api/v1/catalog/resources/{created['id']}/"
    assert client.post(url + "transition/", {"to": "submitted"}).json()["review_due"]
    queue = api_as(reviewer).get("/api/v1/catalog/resources/?review=1").json()["results"]
    assert [entry["id"] for entry in queue] == [created["id"]]
    published = api_as(reviewer).post(url + "transition/", {"to": "published"}).json()
    assert published["published_version"] == 1
    versions = api_as(producer).get(url + "versions/").json()
    assert [v["number"] for v in versions] == [1]
    history = api_as(producer).get(url + "history/").json()
    assert [h["to_status"] for h in history] == ["submitted", "published"]


def test_a_forbidden_transition_gets_403(api_as, submitted, producer):
    response = api_as(producer).post(
        f"/api/v1/catalog/resources/{submitted.pk}/transition/", {"to": "published"}
    )
    assert response.status_code == 403


def test_editing_a_draft_over_the_api_replaces_its_items(api_as, producer, draft):
    response = api_as(producer).patch(
        f"/api/v1/catalog/resources/{draft.pk}/",
        {"name": "企业登记信息（全量）", "items": entry_fields()["items"][:2]},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["name"] == "企业登记信息（全量）"
    assert len(response.json()["items"]) == 2


def test_another_units_draft_is_invisible(api_as, applicant, draft):
    client = api_as(applicant)
    assert client.get(f"/api/v1/catalog/resources/{draft.pk}/").status_code == 404
    assert (
        client.patch(f"/api/v1/catalog/resources/{draft.pk}/", {"name": "x"}, format="json").status_code
        == 404
    )
    assert draft.pk not in [r["id"] for r in client.get("/api/v1/catalog/resources/").json()["results"]]


def test_a_published_entry_is_visible_to_other_units_but_read_only(api_as, applicant, published):
    client = api_as(applicant)
    assert client.get(f"/api/v1/catalog/resources/{published.pk}/").status_code == 200
    assert (
        client.patch(f"/api/v1/catalog/resources/{published.pk}/", {"name": "x"}, format="json").status_code
        == 403
    )


def test_public_organizations_do_not_browse_the_sharing_catalog(api_as, published, city):
    from dataplatform.core.models import Role
    from dataplatform.core.models.units import UnitKind
    from tests import factories

    company = factories.person(factories.unit("某公司", UnitKind.ENTERPRISE, city), Role.DATA_ADMIN)
    assert api_as(company).get(f"/api/v1/catalog/resources/{published.pk}/").status_code == 404


def test_the_diff_between_versions_over_the_api(api_as, producer, reviewer, published):
    url = f"/api/v1/catalog/resources/{published.pk}/"
    api_as(producer).post(url + "transition/", {"to": "draft"})
    api_as(producer).patch(url, {"description": "新的说明"}, format="json")
    api_as(producer).post(url + "transition/", {"to": "submitted"})
    api_as(reviewer).post(url + "transition/", {"to": "published"})
    diff = api_as(producer).get(url + "versions/diff/?before=1&after=2").json()
    assert diff["fields"] == [
        {"field": "description", "before": "全市企业的登记注册信息", "after": "新的说明"}
    ]
    assert api_as(producer).get(url + "versions/diff/?before=1&after=9").status_code == 400


def test_only_the_reviewer_marks_the_basis_changed(api_as, reviewer, producer, published):
    url = f"/api/v1/catalog/resources/{published.pk}/basis-changed/"
    assert api_as(producer).post(url, {"note": "x"}).status_code == 403
    response = api_as(reviewer).post(url, {"note": "《条例》修订"})
    assert response.status_code == 200 and response.json()["update_due"]


def test_listing_entries_makes_a_fixed_number_of_queries(api_as, producer, django_assert_max_num_queries):
    from catalog.services import resource_create

    for n in range(5):
        resource_create(actor=producer, producer=producer.unit, **entry_fields(code=f"QZ-{n}"))
    client = api_as(producer)
    with django_assert_max_num_queries(12):
        response = client.get("/api/v1/catalog/resources/?mine=1")
    assert response.json()["count"] == Resource.objects.count() == 5
