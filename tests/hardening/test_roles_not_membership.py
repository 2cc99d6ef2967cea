"""Roles, not membership (issue 18, item 2): a unit's work is seen by the people with a role at the unit.

The attack found a unit member with no role (or one whose administrator role awaited approval) reading the
unit's applications, grants, audit events and correction tickets, and citizens reading the government
catalog with its drafts' neighbours; and a city reviewer reading other units' drafts.
"""

import pytest

from audit.services import audit_record
from catalog.access import resources_visible_to
from catalog.services import resource_create
from correction.access import tickets_visible_to
from correction.models import CorrectionTicket, TicketKind
from dataplatform.core.models import Role
from sharing.access import applications_visible_to, grants_visible_to
from sharing.models import Grant
from sharing.workflow import application_act
from tests import factories
from tests.factories.catalog import entry_fields
from tests.factories.sharing import apply

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(applicant_unit):
    """Works at the applying unit, filed as its data administrator, not yet approved: no role."""
    return factories.person(applicant_unit, username="member")


@pytest.fixture
def granted(applicant, unconditional):
    application = application_act(
        application=apply(applicant, unconditional), action="submit", actor=applicant
    )
    return Grant.objects.get(application=application)


def test_a_member_without_a_role_sees_none_of_the_unit_s_applications_or_grants(member, applicant, granted):
    assert applications_visible_to(applicant).exists() and grants_visible_to(applicant).exists()
    assert not applications_visible_to(member).exists()
    assert not grants_visible_to(member).exists()


def test_a_member_without_a_role_sees_none_of_the_unit_s_audit_events(api_as, member, applicant):
    audit_record(action="application.create", actor=applicant)
    seen_by_admin = api_as(applicant).get("/api/v1/audit/events/", {"action": "application.create"})
    assert seen_by_admin.json()["count"] == 1
    seen_by_member = api_as(member).get("/api/v1/audit/events/", {"action": "application.create"})
    assert seen_by_member.status_code == 200 and seen_by_member.json()["count"] == 0


def test_a_member_without_a_role_sees_only_the_tickets_he_reported_himself(member, applicant, unconditional):
    ticket = CorrectionTicket.objects.create(
        resource=unconditional,
        producer=unconditional.producer,
        reporter=applicant,
        reporter_unit=applicant.unit,
        description="企业名称有误",
        kind=TicketKind.REPORT,
        keys=[],
        items=[],
    )
    assert tickets_visible_to(applicant).filter(pk=ticket.pk).exists()
    assert not tickets_visible_to(member).filter(pk=ticket.pk).exists()


def test_citizens_and_members_without_a_role_see_no_government_catalog(member, unconditional, city):
    citizen = factories.person(None, username="citizen")
    assert resources_visible_to(citizen).count() == 0
    assert resources_visible_to(member).count() == 0
    assert resources_visible_to(factories.person(unconditional.producer, Role.LEADER)).count() == 1


def test_the_catalog_api_answers_a_citizen_with_nothing(api_as, unconditional):
    citizen = factories.person(None, username="citizen")
    assert api_as(citizen).get(f"/api/v1/catalog/resources/{unconditional.pk}/").status_code == 404


def test_a_reviewer_sees_another_unit_s_entry_once_submitted_not_as_a_draft(producer, reviewer):
    draft = resource_create(actor=producer, producer=producer.unit, **entry_fields(code="QZ-DRAFT-1"))
    assert resources_visible_to(producer).filter(pk=draft.pk).exists()
    assert not resources_visible_to(reviewer).filter(pk=draft.pk).exists()


# --- drafts are their unit's alone until submitted (issue 18, item 6) ------------------------------------

OUTSIDE_THE_UNIT = ["applicant", "outsider", "evaluator", "reviewer", "county_reviewer", "platform_admin"]


@pytest.mark.parametrize("persona", OUTSIDE_THE_UNIT)
def test_a_draft_entry_is_seen_by_no_one_outside_its_unit_until_submitted(api_as, producer, persona, request):
    from catalog.workflow import resource_transition

    someone = request.getfixturevalue(persona)
    draft = resource_create(actor=producer, producer=producer.unit, **entry_fields(code="QZ-DRAFT-2"))
    assert not resources_visible_to(someone).filter(pk=draft.pk).exists()
    assert api_as(someone).get(f"/api/v1/catalog/resources/{draft.pk}/").status_code == 404
    assert api_as(producer).get(f"/api/v1/catalog/resources/{draft.pk}/").status_code == 200
    resource_transition(resource=draft, to="submitted", actor=producer)
    # Once submitted: before the authority, and the technical service unit and the platform read it.
    if persona in ("reviewer", "evaluator", "platform_admin"):
        assert resources_visible_to(someone).filter(pk=draft.pk).exists()


@pytest.mark.parametrize("persona", ["producer", *OUTSIDE_THE_UNIT[1:]])
def test_a_draft_application_is_seen_by_no_one_outside_its_unit_until_submitted(
    api_as, applicant, unconditional, persona, request
):
    someone = request.getfixturevalue(persona)
    draft = apply(applicant, unconditional)
    assert not applications_visible_to(someone).filter(pk=draft.pk).exists()
    assert api_as(someone).get(f"/api/v1/sharing/applications/{draft.pk}/").status_code == 404
    listed = api_as(someone).get("/api/v1/sharing/applications/").json()
    assert draft.pk not in [row["id"] for row in listed.get("results", listed)]
    application_act(application=draft, action="submit", actor=applicant)
    if persona in ("producer", "reviewer", "evaluator", "platform_admin"):
        assert applications_visible_to(someone).filter(pk=draft.pk).exists()
