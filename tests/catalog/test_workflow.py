import datetime as dt

import pytest
import time_machine
from django.utils import translation

from audit.models import AuditEvent
from catalog.models import ResourceStatus, ResourceStatusChange
from catalog.services import resource_mark_basis_changed, resource_update, version_diff
from catalog.workflow import allowed_transitions, resource_transition
from dataplatform.core.errors import ApplicationError
from dataplatform.core.models import Notification
from tests.factories.catalog import ITEMS

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_english():
    """The services' messages are asserted in English here; tests/*/test_labels.py has them in Chinese."""
    with translation.override("en"):
        yield


# Thursday 24 September 2026, 10:00 in Beijing.
THURSDAY = dt.datetime(2026, 9, 24, 2, 0, tzinfo=dt.UTC)


def test_submitting_starts_the_five_business_day_review_clock(draft, producer, reviewer):
    with time_machine.travel(THURSDAY, tick=False):
        resource = resource_transition(resource=draft, to="submitted", actor=producer)
    assert resource.review_due == dt.date(2026, 10, 9)  # G11, over Mid-Autumn and National Day
    assert Notification.objects.filter(recipient=reviewer, title__contains=resource.name).exists()


def test_the_county_authority_reviews_a_county_units_entry_and_the_city_does_not(
    county_reviewer, reviewer, jinjiang
):
    from catalog.services import resource_create
    from dataplatform.core.models import Role
    from tests import factories
    from tests.factories.catalog import entry_fields

    county_producer = factories.person(
        factories.unit("晋江市市场监督管理局", region_=jinjiang), Role.DATA_ADMIN
    )
    resource = resource_create(actor=county_producer, producer=county_producer.unit, **entry_fields())
    resource = resource_transition(resource=resource, to="submitted", actor=county_producer)
    with pytest.raises(ApplicationError):
        resource_transition(resource=resource, to="published", actor=reviewer)
    assert resource_transition(resource=resource, to="published", actor=county_reviewer).status == "published"


def test_publishing_creates_version_one_and_clears_the_clock(submitted, reviewer, producer):
    resource = resource_transition(resource=submitted, to="published", actor=reviewer)
    assert resource.published_version == 1 and resource.review_due is None
    assert resource.versions.get().snapshot["name"] == "企业登记信息"
    assert resource.is_available
    assert Notification.objects.filter(recipient=producer, title__contains="已发布").exists()


def test_returning_needs_reasons_which_the_producer_sees(submitted, reviewer, producer):
    with pytest.raises(ApplicationError, match="reason"):
        resource_transition(resource=submitted, to="returned", actor=reviewer)
    resource = resource_transition(resource=submitted, to="returned", actor=reviewer, reason="缺少字段说明")
    assert resource.return_reason == "缺少字段说明"
    assert Notification.objects.get(recipient=producer, title__contains="退回").body == "缺少字段说明"
    resource = resource_update(actor=producer, resource=resource, description="补充了说明")
    assert resource_transition(resource=resource, to="submitted", actor=producer).return_reason == ""


@pytest.mark.parametrize(
    ("persona", "to"),
    [
        ("producer", "published"),
        ("applicant", "published"),
        ("evaluator", "published"),
        ("applicant", "returned"),
    ],
)
def test_only_the_reviewer_of_the_region_publishes_or_returns(request, submitted, persona, to):
    with pytest.raises(ApplicationError):
        resource_transition(resource=submitted, to=to, actor=request.getfixturevalue(persona), reason="x")
    submitted.refresh_from_db()
    assert submitted.status == "submitted"


def test_only_the_producers_data_administrator_submits(draft, applicant, reviewer):
    for actor in (applicant, reviewer):
        with pytest.raises(ApplicationError):
            resource_transition(resource=draft, to="submitted", actor=actor)


def test_a_transition_not_in_the_table_is_refused(draft, producer):
    with pytest.raises(ApplicationError, match="cannot become"):
        resource_transition(resource=draft, to="published", actor=producer)


def test_every_transition_writes_history_and_audit(published, producer):
    changes = list(
        ResourceStatusChange.objects.filter(resource=published).values_list("from_status", "to_status")
    )
    assert changes == [("draft", "submitted"), ("submitted", "published")]
    actions = set(AuditEvent.objects.filter(object_id=str(published.pk)).values_list("action", flat=True))
    assert {"resource.create", "resource.submit", "resource.publish"} <= actions


def test_the_buttons_follow_the_table(draft, producer, reviewer):
    assert [to for to, _ in allowed_transitions(producer, draft)] == ["submitted", "retired"]
    assert allowed_transitions(reviewer, draft) == []


def test_a_published_entry_is_revised_and_republished_as_version_two_with_a_diff(
    published, producer, reviewer
):
    with pytest.raises(ApplicationError, match="revision"):
        resource_update(actor=producer, resource=published, name="企业登记信息（新）")
    revising = resource_transition(resource=published, to="draft", actor=producer)
    assert revising.is_available  # still shared under version 1 while revised
    new_items = [
        *ITEMS[:3],
        {"name": "legal_rep", "label": "法定代表人", "item_type": "string", "length": 50},
    ]
    new_items[1] = {**new_items[1], "label": "企业名称（全称）"}
    resource_update(actor=producer, resource=revising, name="企业登记信息（新）", items=new_items)
    resource_transition(resource=revising, to="submitted", actor=producer)
    republished = resource_transition(resource=revising, to="published", actor=reviewer)
    assert republished.published_version == 2
    diff = version_diff(republished, 1, 2)
    assert diff["fields"] == [{"field": "name", "before": "企业登记信息", "after": "企业登记信息（新）"}]
    assert [item["name"] for item in diff["items_added"]] == ["legal_rep"]
    assert [item["name"] for item in diff["items_removed"]] == ["capital"]
    assert diff["items_changed"] == [
        {"name": "company_name", "changes": {"label": {"before": "企业名称", "after": "企业名称（全称）"}}}
    ]


def test_retiring_needs_a_reason_and_ends_availability(published, producer):
    with pytest.raises(ApplicationError):
        resource_transition(resource=published, to="retired", actor=producer)
    resource = resource_transition(resource=published, to="retired", actor=producer, reason="数据源停用")
    assert resource.status == ResourceStatus.RETIRED and not resource.is_available


def test_a_changed_legal_basis_gives_the_producer_15_business_days(published, reviewer, producer):
    with time_machine.travel(THURSDAY, tick=False):
        resource = resource_mark_basis_changed(actor=reviewer, resource=published, note="《条例》修订")
    # 15 business days after Thursday 24 September 2026: 9 Oct is the 5th, 10 Oct the 6th, 22 Oct the 15th.
    assert resource.update_due == dt.date(2026, 10, 22)
    assert Notification.objects.filter(recipient=producer, title__contains="依据变更").exists()
    revising = resource_transition(resource=resource, to="draft", actor=producer)
    resource_transition(resource=revising, to="submitted", actor=producer)
    republished = resource_transition(resource=revising, to="published", actor=reviewer)
    assert republished.update_due is None and republished.basis_changed_note == ""


@pytest.mark.parametrize(
    ("start", "to", "wrong"),
    [
        ("published", "draft", "reviewer"),
        ("published", "draft", "applicant"),
        ("published", "retired", "applicant"),
        ("published", "retired", "evaluator"),
        ("returned", "submitted", "reviewer"),
        ("returned", "submitted", "applicant"),
    ],
)
def test_revising_retiring_and_resubmitting_are_refused_to_others(
    request, submitted, reviewer, start, to, wrong
):
    if start == "published":
        resource = resource_transition(resource=submitted, to="published", actor=reviewer)
    else:
        resource = resource_transition(resource=submitted, to="returned", actor=reviewer, reason="x")
    with pytest.raises(ApplicationError):
        resource_transition(resource=resource, to=to, actor=request.getfixturevalue(wrong), reason="x")


@pytest.mark.parametrize("wrong", ["reviewer", "applicant", "evaluator"])
def test_only_the_producer_discards_a_draft(request, draft, producer, wrong):
    with pytest.raises(ApplicationError):
        resource_transition(resource=draft, to="retired", actor=request.getfixturevalue(wrong), reason="x")
    assert (
        resource_transition(resource=draft, to="retired", actor=producer, reason="不再需要").status
        == "retired"
    )


def test_search_finds_the_published_words_until_a_revision_is_published(published, producer, reviewer):
    revising = resource_transition(resource=published, to="draft", actor=producer)
    revising = resource_update(actor=producer, resource=revising, name="市场主体名录")
    revising.refresh_from_db()
    assert "企业" in revising.search_text and "名录" not in revising.search_text
    resource_transition(resource=revising, to="submitted", actor=producer)
    republished = resource_transition(resource=revising, to="published", actor=reviewer)
    republished.refresh_from_db()
    assert "名录" in republished.search_text
