"""The demo open catalog: each open type, a granted and a waiting application, made once."""

import pytest

from catalog.demo import seed_catalog
from dataplatform.core.demo.core import seed_core
from opening.demo import seed_opening
from opening.models import CatalogReview, OpenApplication, OpenEntry, OpenGrant
from operations.management.commands.seed_demo import load_records

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog():
    seed_core()
    seed_catalog(load_records=load_records)


def test_the_demo_opens_each_way_and_is_idempotent(catalog, client):
    entries = seed_opening()
    assert {(e.resource.code, e.status, e.open_type) for e in entries} == {
        ("QZ-SJ-FR-0001", "open", "universal"),
        ("JJ-SJ-GT-0001", "open", "universal"),
        ("QZ-ZY-TD-0001", "open", "on_application"),
        ("QZ-RS-SB-0001", "not_open", "not_open"),
    }
    grant = OpenGrant.objects.get()
    assert grant.organization.name == "华侨大学" and grant.research_and_education_only
    assert OpenApplication.objects.filter(status="submitted", organization__kind="enterprise").exists()
    assert CatalogReview.objects.get().items.count() == 4
    assert seed_opening() == [] and OpenEntry.objects.count() == 4
    page = client.get("/open/", {"q": "企业登记"})
    assert "qz-sj-fr-0001" in [e.slug for e in page.context["results"]]
