"""The region code item (FB12, docs/federation.md §14): one text item of an entry holds each record's
administrative division code; records flowing back to a lower node are chosen by it, and a deleted
record's tombstone keeps it, so that a lower node is sent its own region's deletions only."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from catalog.aggregation.deletion import records_delete, records_purge
from catalog.aggregation.services import records_upsert
from catalog.models import RecordDeletion, Resource
from catalog.services import resource_create
from catalog.snapshots import resource_snapshot, snapshot_diff
from catalog.workflow import resource_transition
from tests.catalog.test_pages import entry_post
from tests.factories.catalog import ITEMS, entry_fields
from tests.factories.sharing import publish

pytestmark = pytest.mark.django_db

REGION = {"name": "region", "label": "行政区划代码", "item_type": "string", "length": 6, "is_region": True}


def submit_new(producer, items):
    resource = resource_create(actor=producer, producer=producer.unit, **entry_fields(items=items))
    return resource_transition(resource=resource, to="submitted", actor=producer)


def test_an_entry_with_one_text_region_item_goes_to_review(producer):
    assert submit_new(producer, [*ITEMS, REGION]).status == "submitted"


def test_an_entry_has_at_most_one_region_item(producer):
    second = {**REGION, "name": "home_region", "label": "户籍地区划"}
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        submit_new(producer, [*ITEMS, REGION, second])
    assert any("At most one data item" in message for message in caught.value.message_dict["items"])


def test_the_region_item_must_be_a_text_item(producer):
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        submit_new(producer, [*ITEMS, {**REGION, "item_type": "integer", "length": None}])
    assert caught.value.message_dict["items"] == ["The region code item must be a text item: region."]


def test_the_form_marks_the_region_item(client, producer):
    client.force_login(producer)
    assert 'name="items-0-is_region"' in client.get("/catalog/new/").content.decode()
    client.post(
        "/catalog/new/",
        entry_post(**{"items-1-name": "region", "items-1-label": "区划", "items-1-is_region": "on"}),
    )
    items = Resource.objects.get(code="QZ-GA-0001").items.all()
    assert [(item.name, item.is_region) for item in items] == [("id_number", False), ("region", True)]


def test_a_version_published_before_the_flag_existed_differs_in_nothing_from_one_without_region(
    producer,
):
    resource = resource_create(actor=producer, producer=producer.unit, **entry_fields())
    after = resource_snapshot(resource)
    before = {
        **after,
        "items": [{k: v for k, v in item.items() if k != "is_region"} for item in after["items"]],
    }
    assert snapshot_diff(before, after)["items_changed"] == []
    marked = {**after, "items": [{**after["items"][1], "is_region": True}, *after["items"][:1]]}
    changed = snapshot_diff(before, marked)["items_changed"]
    assert changed == [{"name": "company_name", "changes": {"is_region": {"before": False, "after": True}}}]


def company(n: int, region: str) -> dict:
    return {"credit_code": f"91350500MA{n:07d}X", "company_name": f"企业{n}", "region": region}


def test_a_tombstone_keeps_the_deleted_records_region(producer, reviewer):
    entry = publish(producer, reviewer, items=[*ITEMS, REGION])
    records_upsert(
        actor=producer, resource=entry, records=[company(1, "350502"), company(2, "350203"), company(3, "")]
    )
    records_delete(actor=producer, resource=entry, keys=[company(1, "")["credit_code"]])
    records_purge(actor=producer, resource=entry)

    tombstones = RecordDeletion.objects.filter(resource=entry).order_by("key")
    assert [(t.key[-3:], t.region) for t in tombstones] == [("01X", "350502"), ("02X", "350203"), ("03X", "")]


def test_a_tombstone_of_an_entry_without_a_region_item_has_none(producer, reviewer):
    entry = publish(producer, reviewer)
    records_upsert(actor=producer, resource=entry, records=[{"credit_code": "A1", "company_name": "甲"}])
    records_delete(actor=producer, resource=entry, keys=["A1"])
    assert RecordDeletion.objects.get(resource=entry).region == ""
