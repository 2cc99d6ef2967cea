import pytest
from django.core.exceptions import ValidationError

from catalog.models import Category, ShareType
from catalog.services import resource_create
from catalog.workflow import resource_transition
from tests.factories.catalog import ITEMS, entry_fields

pytestmark = pytest.mark.django_db


def submit_new(producer, **overrides):
    resource = resource_create(actor=producer, producer=producer.unit, **entry_fields(**overrides))
    return resource_transition(resource=resource, to="submitted", actor=producer)


def errors_of(caught) -> dict:
    return caught.value.message_dict


def test_a_conditional_entry_must_state_its_conditions_and_their_basis(producer):
    with pytest.raises(ValidationError) as caught:
        submit_new(producer, share_type=ShareType.CONDITIONAL, category=Category.THEMATIC)
    assert set(errors_of(caught)) == {"share_conditions", "share_basis"}


def test_a_conditional_entry_with_conditions_and_basis_goes_to_review(producer):
    resource = submit_new(
        producer,
        share_type=ShareType.CONDITIONAL,
        category=Category.THEMATIC,
        share_conditions="仅用于市场监管执法",
        share_basis="《市场主体登记管理条例》第三十五条",
    )
    assert resource.status == "submitted"


def test_a_not_shared_entry_must_cite_its_law_or_policy(producer):
    with pytest.raises(ValidationError) as caught:
        submit_new(
            producer,
            share_type=ShareType.NOT_SHARED,
            category=Category.DEPARTMENTAL,
            service_methods=["verification"],
        )
    assert "share_basis" in errors_of(caught)


def test_a_basic_category_entry_cannot_be_not_shared(producer):
    with pytest.raises(ValidationError) as caught:
        submit_new(
            producer,
            share_type=ShareType.NOT_SHARED,
            category=Category.POPULATION,
            share_basis="某法",
            service_methods=["verification"],
        )
    assert "share_type" in errors_of(caught)


def test_not_shared_data_is_offered_only_through_verification(producer):
    with pytest.raises(ValidationError) as caught:
        submit_new(
            producer, share_type=ShareType.NOT_SHARED, category=Category.DEPARTMENTAL, share_basis="某法"
        )
    assert "service_methods" in errors_of(caught)


def test_a_not_shared_entry_is_filed_with_the_authority_when_published(producer, reviewer):
    resource = submit_new(
        producer,
        share_type=ShareType.NOT_SHARED,
        category=Category.DEPARTMENTAL,
        share_basis="《中华人民共和国保守国家秘密法》",
        service_methods=["verification"],
    )
    resource = resource_transition(resource=resource, to="published", actor=reviewer)
    assert resource.filed_with_authority_at is not None


@pytest.mark.parametrize(
    "items",
    [
        [{**item, "is_key": False} for item in ITEMS],
        [{**item, "is_key": True} for item in ITEMS],
        [],
    ],
)
def test_exactly_one_data_item_is_the_record_key(producer, items):
    with pytest.raises(ValidationError) as caught:
        submit_new(producer, items=items)
    assert "items" in errors_of(caught)


def test_not_open_needs_a_reason(producer):
    with pytest.raises(ValidationError) as caught:
        submit_new(producer, open_type="not_open")
    assert "not_open_reason" in errors_of(caught)


def test_codes_are_unique(producer, draft):
    with pytest.raises(ValidationError) as caught:
        resource_create(actor=producer, producer=producer.unit, **entry_fields(name="另一个"))
    assert "code" in errors_of(caught)


def test_item_identifiers_are_unique_within_an_entry(producer):
    with pytest.raises(ValidationError) as caught:
        resource_create(actor=producer, producer=producer.unit, **entry_fields(items=[ITEMS[0], ITEMS[0]]))
    assert "items" in errors_of(caught)


def test_a_failed_submission_leaves_the_entry_a_draft(producer, draft):
    draft.share_type = ShareType.CONDITIONAL
    draft.save()
    with pytest.raises(ValidationError):
        resource_transition(resource=draft, to="submitted", actor=producer)
    draft.refresh_from_db()
    assert draft.status == "draft" and draft.review_due is None
