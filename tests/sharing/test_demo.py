"""The demo's sharing applications: every state of the workflow, made once however often it runs."""

import pytest

from catalog.demo import seed_catalog
from dataplatform.core.demo.core import seed_core
from operations.management.commands.seed_demo import load_records
from sharing.demo import seed_sharing
from sharing.models import Application, ApplicationStep, Attachment, Grant, GrantEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    seed_core()
    seed_catalog(load_records=load_records)
    seed_sharing()


def status_of(matter: str) -> str:
    return Application.objects.get(business_matter=matter).status


def test_the_demo_has_an_application_in_each_state(seeded):
    statuses = set(Application.objects.values_list("status", flat=True))
    assert {
        "draft",
        "evaluating",
        "consulting",
        "county_review",
        "reviewing",
        "refused",
        "returned",
    } <= statuses
    assert status_of("企业开办一件事：法定代表人身份核验") == "granted"
    assert status_of("晋江市个体工商户社保补贴审核") == "county_review"


def test_the_application_at_the_authority_is_overdue(seeded):
    late = Application.objects.get(status="reviewing")
    assert late.is_overdue and late.deadline_misses.exists()
    assert late.service_method == "verification" and late.attachments.count() == 2


def test_the_refusal_states_its_basis_and_reason(seeded):
    refused = Application.objects.get(status="refused")
    assert "最少够用" in refused.decision_basis and refused.decision_reason


def test_a_granted_grant_is_suspended_by_the_city_reviewer_with_a_reason(seeded):
    grant = Grant.objects.get(application__business_matter="用人单位参保登记：企业信息核验")
    assert grant.status == "suspended" and grant.status_reason
    assert grant.events.get().actor.username == "reviewer"


def test_running_it_again_duplicates_nothing(seeded):
    counts = [m.objects.count() for m in (Application, ApplicationStep, Attachment, Grant, GrantEvent)]
    assert seed_sharing() == []
    assert [
        m.objects.count() for m in (Application, ApplicationStep, Attachment, Grant, GrantEvent)
    ] == counts
