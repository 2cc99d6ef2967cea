"""The CKAN-compatible action API, against the response shapes CKAN 2.10 documents."""

import pytest

from audit.models import AuditEvent
from opening.workflow import open_entry_transition

pytestmark = pytest.mark.django_db

PACKAGE_KEYS = {
    "id", "name", "title", "notes", "type", "state", "private", "isopen", "url", "license_id", "license_title",
    "metadata_created", "metadata_modified", "owner_org", "organization", "groups", "tags", "num_tags",
    "resources", "num_resources", "extras", "author", "maintainer", "version",
}  # fmt: skip
RESOURCE_KEYS = {
    "id",
    "package_id",
    "name",
    "format",
    "url",
    "mimetype",
    "position",
    "state",
    "created",
    "last_modified",
}


def call(client, action, **params):
    response = client.get(f"/api/3/action/{action}", params)
    body = response.json()
    assert set(body) >= {"help", "success"}
    assert body["help"].endswith(f"/api/3/action/help_show?name={action}")
    return response.status_code, body


def test_status_show(client):
    status, body = call(client, "status_show")
    assert status == 200 and body["success"] is True
    assert {"ckan_version", "site_title", "site_url", "extensions"} <= set(body["result"])


def test_package_list_has_open_datasets_only(open_entry, on_application_entry, proposed_other, client):
    status, body = call(client, "package_list")
    assert body["result"] == sorted([open_entry.slug, on_application_entry.slug])


@pytest.fixture
def proposed_other(producer, reviewer):
    from opening.services import open_entry_propose
    from tests.factories.opening import make_resource

    resource = make_resource(producer, reviewer, code="QZ-KF-0009", name="待定数据")
    return open_entry_propose(actor=producer, resource=resource, open_type="universal", rules={})


def test_package_show_by_name_or_id(open_entry, client):
    status, body = call(client, "package_show", id=open_entry.slug)
    package = body["result"]
    assert status == 200
    assert set(package) >= PACKAGE_KEYS
    assert package["id"] == str(open_entry.uuid)
    assert package["organization"]["is_organization"] is True
    assert package["organization"]["title"] == "泉州市市场监督管理局"
    assert [t["name"] for t in package["tags"]] == ["证照", "个体户"]
    assert package["num_resources"] == 3
    assert {r["format"] for r in package["resources"]} == {"CSV", "XLSX", "JSON"}
    assert all(set(r) >= RESOURCE_KEYS for r in package["resources"])
    assert call(client, "package_show", id=str(open_entry.uuid))[1]["result"]["name"] == open_entry.slug
    assert AuditEvent.objects.filter(action="open.api", owner_unit=open_entry.resource.producer).exists()


def test_package_show_of_an_unknown_or_closed_dataset_is_404(proposed, client):
    status, body = call(client, "package_show", id=proposed.slug)
    assert status == 404
    assert body["success"] is False
    assert body["error"]["__type"] == "Not Found Error"
    assert "message" in body["error"]
    assert "result" not in body


def test_package_show_without_an_id_is_a_409_validation_error(client):
    status, body = call(client, "package_show")
    assert status == 409
    assert body["error"]["__type"] == "Validation Error"
    assert body["error"]["id"] == ["Missing value"]


def test_an_unknown_action_is_400(client):
    # CKAN answers an unknown action with a bare JSON string, not the envelope (ckan/views/api.py).
    response = client.get("/api/3/action/no_such_action")
    assert response.status_code == 400
    assert response.json() == "Bad request: Action name not known: no_such_action"


def test_a_write_action_is_403_as_ckan_answers_a_visitor(client):
    # Issue 16: this was the 400 above; CKAN answers 403, which ckanapi raises as NotAuthorized.
    status, body = call(client, "package_create")
    assert status == 403
    assert body["error"]["__type"] == "Authorization Error"


def test_package_search_shape_q_rows_start_sort(open_entry, on_application_entry, client):
    status, body = call(client, "package_search")
    result = body["result"]
    assert {"count", "results", "sort", "facets", "search_facets"} <= set(result)
    assert result["count"] == 2
    _, by_name = call(client, "package_search", sort="name desc")
    assert [p["name"] for p in by_name["result"]["results"]] == sorted(
        [open_entry.slug, on_application_entry.slug]
    )[::-1]
    _, page = call(client, "package_search", sort="name asc", rows=1, start=1)
    assert page["result"]["count"] == 2
    assert [p["name"] for p in page["result"]["results"]] == [on_application_entry.slug]
    _, words = call(client, "package_search", q="经营明细")
    assert [p["name"] for p in words["result"]["results"]] == [on_application_entry.slug]


def test_package_search_fq_on_organization_and_tags(open_entry, on_application_entry, client):
    org = open_entry.resource.producer.credit_code.lower()
    _, body = call(client, "package_search", fq=f"organization:{org}")
    assert body["result"]["count"] == 2
    _, body = call(client, "package_search", fq='tags:"证照"')
    assert [p["name"] for p in body["result"]["results"]] == [open_entry.slug]
    _, body = call(client, "package_search", fq=f"organization:{org} +tags:个体户")
    assert body["result"]["count"] == 1
    _, body = call(client, "package_search", fq="organization:nobody")
    assert body["result"]["count"] == 0


def test_package_search_refuses_a_bad_sort_or_rows(client):
    status, body = call(client, "package_search", sort="secret desc")
    assert status == 400 and body["error"]["__type"] == "Search Query Error"
    assert call(client, "package_search", fq="secret:1")[0] == 400
    status, body = call(client, "package_search", rows="many")
    assert status == 409 and body["error"]["__type"] == "Validation Error"


def test_organization_list_and_show(open_entry, client):
    _, names = call(client, "organization_list")
    org = open_entry.resource.producer.credit_code.lower()
    assert names["result"] == [org]
    _, full = call(client, "organization_list", all_fields="true")
    assert full["result"][0]["name"] == org and full["result"][0]["package_count"] == 1
    status, shown = call(client, "organization_show", id=org, include_datasets="true")
    assert status == 200
    assert shown["result"]["package_count"] == 1
    assert [p["name"] for p in shown["result"]["packages"]] == [open_entry.slug]
    assert call(client, "organization_show", id="nobody")[0] == 404


def test_group_and_tag_lists(open_entry, client):
    assert call(client, "group_list")[1]["result"] == ["e_licence"]
    assert call(client, "tag_list")[1]["result"] == sorted(["证照", "个体户"])


def test_resource_show(open_entry, client):
    package = call(client, "package_show", id=open_entry.slug)[1]["result"]
    resource = package["resources"][0]
    status, body = call(client, "resource_show", id=resource["id"])
    assert status == 200 and body["result"] == resource
    assert call(client, "resource_show", id="00000000-0000-0000-0000-000000000000")[0] == 404


def test_a_withdrawn_dataset_leaves_the_api(open_entry, reviewer, client):
    open_entry_transition(entry=open_entry, action="withdraw", actor=reviewer, reason="风险")
    assert call(client, "package_list")[1]["result"] == []
    assert call(client, "package_show", id=open_entry.slug)[0] == 404


def test_post_with_a_json_body_works_as_ckan_clients_send_it(open_entry, client):
    response = client.post(
        "/api/3/action/package_show", {"id": open_entry.slug}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["result"]["name"] == open_entry.slug
