"""Public outputs show reviewed content only: while the producer revises an open entry in draft, the
portal, package_show, the DCAT catalog and the downloads show its last published version."""

import json

import pytest

from catalog.services import resource_update
from catalog.workflow import resource_transition
from opening.public import public_dataset, public_datasets
from tests.factories.opening import ITEMS

pytestmark = pytest.mark.django_db

PUBLISHED_NAME = "个体工商户证照信息"
DRAFT_NAME = "未经审核的草稿标题"
DRAFT_DESCRIPTION = "未经审核的草稿描述"


@pytest.fixture
def revised(open_entry, producer):
    """The open entry's catalog entry back in draft, with a new title, description and data item."""
    resource = resource_transition(resource=open_entry.resource, to="draft", actor=producer)
    items = [*ITEMS, {"name": "draft_only", "label": "草稿新增数据项", "item_type": "integer"}]
    resource_update(
        actor=producer, resource=resource, name=DRAFT_NAME, description=DRAFT_DESCRIPTION, items=items
    )
    open_entry.refresh_from_db()
    return open_entry


def test_the_public_view_of_a_revised_entry_is_its_published_version(revised):
    public = public_dataset(revised)
    assert public.is_revision_pending
    assert (public.name, public.description) == (PUBLISHED_NAME, "全市个体工商户的证照信息")
    assert [item.name for item in public.items.all()] == [item["name"] for item in ITEMS]
    assert public.get_category_display() == revised.resource.get_category_display()
    assert public.producer == revised.resource.producer  # units are the live rows


def test_a_published_entry_is_read_as_it_is_with_no_query(open_entry, django_assert_num_queries):
    open_entry.resource.items.all()  # (the items are the entry's own; nothing else is read)
    with django_assert_num_queries(0):
        public = public_datasets([open_entry])[0]
        assert public.name == PUBLISHED_NAME and not public.is_revision_pending


def test_many_revised_entries_cost_one_query(revised, on_application_entry, django_assert_num_queries):
    entries = [revised, on_application_entry]
    for entry in entries:
        entry.__dict__.pop("_public_dataset", None)
        entry.resource.items.all()  # (the entries come with their resources, as public_entries() reads them)
    with django_assert_num_queries(1):
        names = [public.name for public in public_datasets(entries)]
    assert names == [PUBLISHED_NAME, on_application_entry.resource.name]


def test_the_dataset_page_and_the_search_show_the_reviewed_title(client, revised):
    page = client.get(f"/open/datasets/{revised.slug}/").content.decode()
    assert PUBLISHED_NAME in page and DRAFT_NAME not in page and DRAFT_DESCRIPTION not in page
    assert "draft_only" not in page
    home = client.get("/open/", {"q": "个体"}).content.decode()
    assert PUBLISHED_NAME in home and DRAFT_NAME not in home and DRAFT_DESCRIPTION not in home


def test_package_show_shows_the_reviewed_title(client, revised):
    answer = client.get("/api/3/action/package_show", {"id": revised.slug})
    package = answer.json()["result"]
    assert package["title"] == PUBLISHED_NAME and package["notes"] == "全市个体工商户的证照信息"
    assert DRAFT_NAME not in answer.content.decode() and DRAFT_DESCRIPTION not in answer.content.decode()
    search = client.get("/api/3/action/package_search", {"q": "个体"}).content.decode()
    assert DRAFT_NAME not in json.loads(search)["result"].__repr__()


def test_the_dcat_catalog_shows_the_reviewed_title(client, revised):
    turtle = client.get("/open/catalog.ttl").content.decode()
    assert PUBLISHED_NAME in turtle and DRAFT_NAME not in turtle and DRAFT_DESCRIPTION not in turtle


def test_a_downloads_provenance_names_the_reviewed_dataset(client, revised):
    answer = client.get(f"/open/datasets/{revised.slug}/download.csv")
    text = b"".join(answer.streaming_content).decode("utf-8-sig")
    assert PUBLISHED_NAME in text and DRAFT_NAME not in text
    assert "draft_only" not in text  # the columns are the reviewed items
    assert (
        DRAFT_NAME not in answer["Content-Disposition"]
        and "%E6%9C%AA%E7%BB%8F" not in answer["Content-Disposition"]
    )
    body = json.loads(b"".join(client.get(f"/open/datasets/{revised.slug}/download.json").streaming_content))
    assert body["provenance"]["dataset"] == PUBLISHED_NAME
    assert "draft_only" not in [column["name"] for column in body["columns"]]


def test_once_the_revision_is_published_the_public_sees_it(client, revised, producer, reviewer):
    resource = resource_transition(resource=revised.resource, to="submitted", actor=producer)
    resource_transition(resource=resource, to="published", actor=reviewer)
    page = client.get(f"/open/datasets/{revised.slug}/").content.decode()
    assert DRAFT_NAME in page
    assert (
        client.get("/api/3/action/package_show", {"id": revised.slug}).json()["result"]["title"] == DRAFT_NAME
    )
