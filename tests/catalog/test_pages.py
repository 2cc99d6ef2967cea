import pytest

from catalog.models import Resource
from catalog.workflow import resource_transition
from tests.factories.catalog import ITEMS

pytestmark = pytest.mark.django_db


def entry_post(**overrides) -> dict:
    data = {
        "code": "QZ-GA-0001",
        "name": "人口基本信息",
        "description": "全市户籍人口基本信息",
        "category": "population",
        "data_format": "table",
        "update_frequency": "daily",
        "share_type": "unconditional",
        "share_scope": "all_government",
        "open_type": "not_open",
        "not_open_reason": "涉及个人隐私",
        "grading_level": "3",
        "service_methods": ["interface", "verification"],
        "items-TOTAL_FORMS": "2",
        "items-INITIAL_FORMS": "0",
        "items-0-name": "id_number",
        "items-0-label": "公民身份号码",
        "items-0-item_type": "string",
        "items-0-is_key": "on",
        "items-0-required": "on",
        "items-0-is_personal": "on",
        "items-1-name": "full_name",
        "items-1-label": "姓名",
        "items-1-item_type": "string",
        "items-1-is_personal": "on",
    }
    return {**data, **overrides}


def test_a_producer_creates_an_entry_with_items_from_the_form(client, producer):
    client.force_login(producer)
    assert client.get("/catalog/new/").status_code == 200
    response = client.post("/catalog/new/", entry_post())
    resource = Resource.objects.get(code="QZ-GA-0001")
    assert response.status_code == 302 and response["Location"] == f"/catalog/{resource.pk}/"
    assert [item.name for item in resource.items.all()] == ["id_number", "full_name"]
    assert resource.key_item.name == "id_number"


def test_the_form_shows_a_duplicate_code_as_an_error_on_the_field(client, producer, draft):
    client.force_login(producer)
    response = client.post("/catalog/new/", entry_post(code=draft.code))
    assert response.status_code == 200
    assert "code" in response.context["form"].errors


def test_the_form_shows_duplicate_item_identifiers(client, producer):
    client.force_login(producer)
    response = client.post("/catalog/new/", entry_post(**{"items-1-name": "id_number"}))
    assert response.status_code == 200
    assert response.context["formset"].non_form_errors()


def test_an_applicant_cannot_open_the_new_entry_form(client, reviewer):
    client.force_login(reviewer)
    assert client.get("/catalog/new/").status_code == 403


def test_submitting_from_the_entry_page_shows_the_due_date(client, producer, draft):
    client.force_login(producer)
    page = client.get(f"/catalog/{draft.pk}/").content.decode()
    assert 'data-testid="transition-submitted"' in page
    response = client.post(f"/catalog/{draft.pk}/transition/", {"to": "submitted"}, follow=True)
    draft.refresh_from_db()
    assert draft.status == "submitted"
    assert draft.review_due.strftime("%Y-%m-%d") in response.content.decode()


def test_a_rule_broken_at_submission_is_shown_as_a_message(client, producer, draft):
    draft.share_type = "conditional"
    draft.save()
    client.force_login(producer)
    response = client.post(f"/catalog/{draft.pk}/transition/", {"to": "submitted"}, follow=True)
    assert "alert-danger" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_the_review_queue_lists_submissions_with_due_dates(client, reviewer, submitted):
    client.force_login(reviewer)
    page = client.get("/catalog/review/").content.decode()
    assert submitted.name in page and submitted.review_due.strftime("%Y-%m-%d") in page


def test_the_review_queue_is_for_reviewers(client, producer):
    client.force_login(producer)
    assert client.get("/catalog/review/").status_code == 403


def test_the_reviewer_publishes_from_the_entry_page_and_sees_versions(client, reviewer, submitted):
    client.force_login(reviewer)
    client.post(f"/catalog/{submitted.pk}/transition/", {"to": "published"})
    submitted.refresh_from_db()
    assert submitted.published_version == 1
    assert "v1" in client.get(f"/catalog/{submitted.pk}/").content.decode()


def test_the_diff_page_shows_what_changed(client, producer, reviewer, published):
    from catalog.services import resource_update

    revising = resource_transition(resource=published, to="draft", actor=producer)
    resource_update(
        actor=producer, resource=revising, items=[*ITEMS, {"name": "x", "label": "新字段", "length": 20}]
    )
    resource_transition(resource=revising, to="submitted", actor=producer)
    resource_transition(resource=revising, to="published", actor=reviewer)
    client.force_login(producer)
    page = client.get(f"/catalog/{published.pk}/diff/?before=1&after=2").content.decode()
    assert "新字段" in page


def test_an_outsider_gets_404_for_a_draft(client, outsider, draft):
    client.force_login(outsider)
    assert client.get(f"/catalog/{draft.pk}/").status_code == 404


def test_the_interface_requests_page_lets_the_reviewer_ask_and_the_producer_answer(
    client, reviewer, producer
):
    client.force_login(reviewer)
    client.post(
        "/catalog/interface-requests/new/",
        {"action": "create", "producer": producer.unit.pk, "description": "信用核查接口"},
    )
    client.force_login(producer)
    page = client.get("/catalog/interface-requests/").content.decode()
    assert "信用核查接口" in page
    ask = producer.unit.interface_requests.get()
    client.post(
        f"/catalog/interface-requests/{ask.pk}/", {"action": "extension", "days": "3", "reason": "系统升级"}
    )
    ask.refresh_from_db()
    assert ask.extension_days == 3


def test_the_home_page_lists_the_reviewers_pending_reviews(client, reviewer, submitted):
    client.force_login(reviewer)
    page = client.get("/").content.decode()
    assert f"审核目录：{submitted.name}" in page
