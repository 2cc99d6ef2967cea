"""The open catalog: the producer proposes, the authority decides; withdrawal and re-typing need reasons."""

import pytest

from audit.models import AuditEvent
from catalog.models import OpenType
from dataplatform.core.errors import ApplicationError
from opening.models import CatalogReviewItem, OpenEntryChange, OpenEntryStatus
from opening.services import catalog_review_decide, catalog_review_open, open_entry_propose
from opening.tasks import open_yearly_review
from opening.workflow import allowed_actions, open_entry_transition
from tests.factories.opening import RULES, make_resource

pytestmark = pytest.mark.django_db


def test_a_producer_proposes_and_the_authority_opens_universally(open_entry, reviewer):
    assert open_entry.status == OpenEntryStatus.OPEN
    assert open_entry.open_type == OpenType.UNIVERSAL
    assert open_entry.is_downloadable
    assert open_entry.decided_by == reviewer
    event = AuditEvent.objects.get(action="open_entry.open")
    assert event.owner_unit == open_entry.resource.producer
    assert [c.to_status for c in OpenEntryChange.objects.filter(entry=open_entry)] == ["proposed", "open"]


def test_the_authority_opens_on_application(on_application_entry):
    assert on_application_entry.is_public
    assert not on_application_entry.is_downloadable


def test_not_open_needs_the_reason(resource, producer, proposed, reviewer):
    with pytest.raises(ApplicationError):
        open_entry_transition(entry=proposed, action="refuse", actor=reviewer)
    entry = open_entry_transition(
        entry=proposed, action="refuse", actor=reviewer, reason="涉及个人隐私，暂不开放"
    )
    assert entry.status == OpenEntryStatus.NOT_OPEN
    assert entry.open_type == OpenType.NOT_OPEN
    assert entry.not_open_reason == "涉及个人隐私，暂不开放"


def test_a_producer_proposing_not_open_gives_the_reason(resource, producer):
    with pytest.raises(ApplicationError):
        open_entry_propose(actor=producer, resource=resource, open_type=OpenType.NOT_OPEN)
    entry = open_entry_propose(
        actor=producer, resource=resource, open_type=OpenType.NOT_OPEN, not_open_reason="法律禁止"
    )
    assert entry.not_open_reason == "法律禁止"


def test_personal_items_cannot_open_without_a_rule(resource, producer, reviewer):
    rules = {k: v for k, v in RULES.items() if k != "phone"}
    entry = open_entry_propose(actor=producer, resource=resource, open_type=OpenType.UNIVERSAL, rules=rules)
    with pytest.raises(ApplicationError, match="phone"):
        open_entry_transition(entry=entry, action="open", actor=reviewer, open_type=OpenType.UNIVERSAL)
    entry.refresh_from_db()
    assert entry.status == OpenEntryStatus.PROPOSED


def test_only_the_authority_decides(proposed, producer, outsider):
    for person in (producer, outsider):
        with pytest.raises(ApplicationError) as refused:
            open_entry_transition(entry=proposed, action="open", actor=person, open_type=OpenType.UNIVERSAL)
        assert refused.value.extra["code"] == "forbidden"


def test_an_outsider_cannot_propose(resource, outsider):
    with pytest.raises(ApplicationError):
        open_entry_propose(actor=outsider, resource=resource, open_type=OpenType.UNIVERSAL, rules=RULES)


def test_withdrawal_needs_a_reason_is_audited_and_shown(open_entry, reviewer, client):
    with pytest.raises(ApplicationError):
        open_entry_transition(entry=open_entry, action="withdraw", actor=reviewer, reason="  ")
    entry = open_entry_transition(
        entry=open_entry, action="withdraw", actor=reviewer, reason="发现可识别个人的风险"
    )
    assert entry.status == OpenEntryStatus.WITHDRAWN
    event = AuditEvent.objects.get(action="open_entry.withdraw")
    assert event.detail["reason"] == "发现可识别个人的风险"
    page = client.get(f"/open/datasets/{entry.slug}/")
    assert page.status_code == 200
    assert "发现可识别个人的风险" in page.content.decode()
    assert b'id="withdrawal"' in page.content
    assert client.get(f"/open/datasets/{entry.slug}/download.csv").status_code == 404


def test_a_producer_cannot_withdraw_at_will(open_entry, producer):
    assert [name for name, _ in allowed_actions(producer, open_entry)] == []
    with pytest.raises(ApplicationError):
        open_entry_transition(entry=open_entry, action="withdraw", actor=producer, reason="不想开放了")


def test_retyping_needs_a_reason(open_entry, reviewer):
    with pytest.raises(ApplicationError):
        open_entry_transition(
            entry=open_entry, action="retype", actor=reviewer, open_type=OpenType.ON_APPLICATION
        )
    entry = open_entry_transition(
        entry=open_entry,
        action="retype",
        actor=reviewer,
        open_type=OpenType.ON_APPLICATION,
        reason="数据量大，改为依申请",
    )
    assert entry.open_type == OpenType.ON_APPLICATION
    assert entry.status == OpenEntryStatus.OPEN


def test_a_withdrawn_entry_can_be_proposed_again(open_entry, reviewer, producer):
    entry = open_entry_transition(entry=open_entry, action="withdraw", actor=reviewer, reason="风险")
    entry = open_entry_transition(entry=entry, action="propose", actor=producer)
    assert entry.status == OpenEntryStatus.PROPOSED


def test_the_yearly_review_lists_every_entry(open_entry, on_application_entry, producer, reviewer):
    refused = make_resource(producer, reviewer, code="QZ-KF-0003", name="不开放数据")
    open_entry_propose(actor=producer, resource=refused, open_type="not_open", not_open_reason="涉密")
    review_pk = open_yearly_review.delay().get()
    items = CatalogReviewItem.objects.filter(review_id=review_pk)
    assert items.count() == 3
    assert catalog_review_open().pk == review_pk  # idempotent
    assert CatalogReviewItem.objects.filter(review_id=review_pk).count() == 3


def test_a_yearly_review_decision_can_withdraw(open_entry, reviewer):
    review = catalog_review_open(year=2026)
    item = review.items.get(entry=open_entry)
    catalog_review_decide(item=item, actor=reviewer, decision="withdraw", note="年度调整：数据已过时")
    open_entry.refresh_from_db()
    assert open_entry.status == OpenEntryStatus.WITHDRAWN
    assert open_entry.withdrawal_reason == "年度调整：数据已过时"
    assert open_entry.last_reviewed_year == 2026
    with pytest.raises(ApplicationError):
        catalog_review_decide(item=item, actor=reviewer, decision="keep")


def test_only_the_authority_decides_in_the_review(open_entry, producer):
    item = catalog_review_open(year=2026).items.get(entry=open_entry)
    with pytest.raises(ApplicationError):
        catalog_review_decide(item=item, actor=producer, decision="keep")
