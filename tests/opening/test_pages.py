"""One browser-free test per page: status codes, element ids, model state."""

import pytest

from opening.applications import AGREEMENT_VERSION, open_application_submit
from opening.models import OpenApplication, OpenEntry, OpenEntryStatus
from opening.services import catalog_review_open
from tests.factories.opening import RULES, application_fields

pytestmark = pytest.mark.django_db


def test_portal_home(open_entry, client):
    page = client.get("/open/")
    assert page.status_code == 200
    assert b'id="portal-search"' in page.content
    assert b'data-category="e_licence"' in page.content


def test_dataset_page(open_entry, client):
    page = client.get(f"/open/datasets/{open_entry.slug}/")
    assert page.status_code == 200
    for element in (
        b'id="preview"',
        b'id="download-csv"',
        b'id="provenance"',
        b'id="api-url"',
        b'data-rule="mask_name"',
    ):
        assert element in page.content
    assert client.get("/open/datasets/nothing/").status_code == 404


def test_agreement_page(client):
    page = client.get("/open/agreement/")
    assert page.status_code == 200
    assert AGREEMENT_VERSION.encode() in page.content


def test_manage_page_for_producer_and_reviewer(open_entry, producer, reviewer, outsider, client):
    for person in (producer, reviewer):
        client.force_login(person)
        page = client.get("/open/manage/")
        assert page.status_code == 200
        assert f'data-entry="{open_entry.pk}"'.encode() in page.content
    client.force_login(outsider)
    assert f'data-entry="{open_entry.pk}"'.encode() not in client.get("/open/manage/").content
    assert client.get(f"/open/manage/{open_entry.pk}/").status_code == 404


def test_manage_page_needs_login(client):
    assert client.get("/open/manage/").status_code == 302


def test_proposal_page_creates_an_entry_with_rules(resource, producer, client):
    client.force_login(producer)
    assert client.get(f"/open/manage/propose/{resource.pk}/").status_code == 200
    form = {"open_type": "universal", "tags": "证照，个体户", **{f"rule_{k}": v for k, v in RULES.items()}}
    response = client.post(f"/open/manage/propose/{resource.pk}/", form)
    entry = OpenEntry.objects.get(resource=resource)
    assert response.status_code == 302 and response.url == f"/open/manage/{entry.pk}/"
    assert entry.tags == ["证照", "个体户"]
    assert dict(entry.rules.values_list("item_name", "rule")) == RULES


def test_proposal_page_is_404_for_outsiders(resource, outsider, client):
    client.force_login(outsider)
    assert client.get(f"/open/manage/propose/{resource.pk}/").status_code == 404


def test_entry_page_decides_and_withdraws(proposed, reviewer, producer, client):
    client.force_login(reviewer)
    page = client.get(f"/open/manage/{proposed.pk}/")
    assert page.status_code == 200
    assert b'data-action="open"' in page.content
    client.post(f"/open/manage/{proposed.pk}/action/", {"action": "open", "open_type": "universal"})
    proposed.refresh_from_db()
    assert proposed.status == OpenEntryStatus.OPEN
    client.post(f"/open/manage/{proposed.pk}/action/", {"action": "withdraw", "reason": ""})
    proposed.refresh_from_db()
    assert proposed.status == OpenEntryStatus.OPEN  # no reason, no withdrawal
    client.post(f"/open/manage/{proposed.pk}/action/", {"action": "withdraw", "reason": "风险"})
    proposed.refresh_from_db()
    assert proposed.status == OpenEntryStatus.WITHDRAWN
    client.force_login(producer)
    assert client.post(f"/open/manage/{proposed.pk}/action/", {"action": "open"}).status_code == 302
    proposed.refresh_from_db()
    assert proposed.status == OpenEntryStatus.WITHDRAWN


def test_review_page(open_entry, reviewer, client):
    review = catalog_review_open(year=2026)
    client.force_login(reviewer)
    page = client.get("/open/manage/reviews/2026/")
    assert page.status_code == 200
    item = review.items.get()
    assert f'data-item="{item.pk}"'.encode() in page.content
    client.post("/open/manage/reviews/2026/", {"item": item.pk, "decision": "keep", "note": "保持"})
    item.refresh_from_db()
    assert item.decision == "keep"


def test_application_pages(on_application_entry, university, evaluator, reviewer, client):
    client.force_login(university)
    assert client.get(f"/open/datasets/{on_application_entry.slug}/apply/").status_code == 200
    fields = application_fields()
    response = client.post(f"/open/datasets/{on_application_entry.slug}/apply/", fields)
    application = OpenApplication.objects.get()
    assert response.status_code == 302 and response.url == f"/open/applications/{application.pk}/"
    assert f'data-application="{application.pk}"'.encode() in client.get("/open/applications/").content
    client.force_login(evaluator)
    assert b'data-action="evaluate"' in client.get(f"/open/applications/{application.pk}/").content
    client.post(f"/open/applications/{application.pk}/action/", {"action": "evaluate", "note": "合理"})
    client.force_login(reviewer)
    client.post(f"/open/applications/{application.pk}/action/", {"action": "confirm"})
    client.force_login(university)
    client.post(
        f"/open/applications/{application.pk}/action/",
        {"action": "accept_agreement", "agreement_version": AGREEMENT_VERSION},
    )
    page = client.get(f"/open/applications/{application.pk}/")
    assert b'data-research-only="true"' in page.content
    application.refresh_from_db()
    assert application.status == "granted"


def test_an_application_is_404_to_other_organizations(on_application_entry, university, enterprise, client):
    application = open_application_submit(
        actor=university, entry=on_application_entry, **application_fields()
    )
    client.force_login(enterprise)
    assert client.get(f"/open/applications/{application.pk}/").status_code == 404


def test_a_university_asking_for_commercial_use_is_shown_the_error(on_application_entry, university, client):
    client.force_login(university)
    page = client.post(
        f"/open/datasets/{on_application_entry.slug}/apply/", application_fields(use_kind="commercial")
    )
    assert page.status_code == 200
    assert b'data-testid="form-error"' in page.content
    assert not OpenApplication.objects.exists()


def test_pending_work_on_the_home_page(
    proposed, reviewer, producer, on_application_entry, university, evaluator
):
    from opening.pending import opening_pending_work

    assert [i.url for i in opening_pending_work(reviewer)] == [f"/open/manage/{proposed.pk}/"]
    assert opening_pending_work(producer) == []
    application = open_application_submit(
        actor=university, entry=on_application_entry, **application_fields()
    )
    assert [i.url for i in opening_pending_work(evaluator)] == [f"/open/applications/{application.pk}/"]
    catalog_review_open(year=2026)
    assert "/open/manage/reviews/2026/" in [i.url for i in opening_pending_work(reviewer)]
