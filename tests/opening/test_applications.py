"""On-application opening: apply, evaluate, confirm, accept the agreement, grant, API key, call."""

import datetime as dt

import pytest

from audit.models import AuditEvent
from dataplatform.core.apikeys import api_key_issue
from dataplatform.core.errors import ApplicationError
from opening.applications import AGREEMENT_VERSION, open_application_submit, open_application_transition
from opening.models import OpenApplicationStatus, OpenGrant
from tests.factories.opening import application_fields

pytestmark = pytest.mark.django_db


def test_the_whole_flow_ends_in_a_research_only_grant(granted, university):
    assert granted.status == OpenApplicationStatus.GRANTED
    assert granted.agreement_version == AGREEMENT_VERSION
    assert granted.agreement_accepted_by == university
    grant = OpenGrant.objects.get(application=granted)
    assert grant.research_and_education_only is True
    assert grant.commercial_use_allowed is False
    assert grant.agreement_version == AGREEMENT_VERSION
    actions = list(
        AuditEvent.objects.filter(action__startswith="open_application.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "open_application.submit",
        "open_application.evaluate",
        "open_application.confirm",
        "open_application.accept_agreement",
    ]


def test_a_university_cannot_apply_for_commercial_use(on_application_entry, university):
    with pytest.raises(ApplicationError):
        open_application_submit(
            actor=university, entry=on_application_entry, **application_fields(use_kind="commercial")
        )


def test_an_enterprise_must_declare_it_is_domestic_controlled(on_application_entry, enterprise):
    with pytest.raises(ApplicationError):
        open_application_submit(
            actor=enterprise, entry=on_application_entry, **application_fields(use_kind="commercial")
        )
    application = open_application_submit(
        actor=enterprise,
        entry=on_application_entry,
        declares_domestic_controlled=True,
        **application_fields(use_kind="commercial"),
    )
    enterprise.unit.refresh_from_db()
    assert enterprise.unit.declares_domestic_controlled
    assert application.declares_domestic_controlled


def test_an_enterprise_grant_may_be_commercial(on_application_entry, enterprise, evaluator, reviewer):
    application = open_application_submit(
        actor=enterprise,
        entry=on_application_entry,
        declares_domestic_controlled=True,
        **application_fields(use_kind="commercial"),
    )
    application = open_application_transition(application=application, action="evaluate", actor=evaluator)
    application = open_application_transition(application=application, action="confirm", actor=reviewer)
    application = open_application_transition(
        application=application,
        action="accept_agreement",
        actor=enterprise,
        agreement_version=AGREEMENT_VERSION,
    )
    assert application.grant.commercial_use_allowed is True
    assert application.grant.research_and_education_only is False


def test_government_units_and_citizens_do_not_apply(on_application_entry, applicant):
    with pytest.raises(ApplicationError):
        open_application_submit(actor=applicant, entry=on_application_entry, **application_fields())


def test_universal_data_is_not_applied_for(open_entry, university):
    with pytest.raises(ApplicationError):
        open_application_submit(actor=university, entry=open_entry, **application_fields())


def test_each_step_belongs_to_its_actor(on_application_entry, university, evaluator, reviewer):
    application = open_application_submit(
        actor=university, entry=on_application_entry, **application_fields()
    )
    for wrong in (university, reviewer):
        with pytest.raises(ApplicationError):
            open_application_transition(application=application, action="evaluate", actor=wrong)
    application = open_application_transition(application=application, action="evaluate", actor=evaluator)
    with pytest.raises(ApplicationError):
        open_application_transition(application=application, action="confirm", actor=evaluator)
    application = open_application_transition(application=application, action="confirm", actor=reviewer)
    with pytest.raises(ApplicationError):
        open_application_transition(
            application=application, action="accept_agreement", actor=university, agreement_version="old"
        )
    assert not OpenGrant.objects.exists()


def test_rejection_needs_a_reason(on_application_entry, university, evaluator):
    application = open_application_submit(
        actor=university, entry=on_application_entry, **application_fields()
    )
    with pytest.raises(ApplicationError):
        open_application_transition(application=application, action="reject_evaluation", actor=evaluator)
    application = open_application_transition(
        application=application, action="reject_evaluation", actor=evaluator, note="用途与数据无关"
    )
    assert application.status == OpenApplicationStatus.REJECTED


def _key(person):
    return api_key_issue(actor=person, unit=person.unit, name="研究系统").key


def test_the_organization_calls_the_authorised_interface_with_its_key(granted, university, api):
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {_key(university)}")
    answer = api.get(f"/api/v1/open/datasets/{granted.entry.slug}/records/")
    assert answer.status_code == 200
    body = answer.json()
    assert body["use"]["research_and_education_only"] is True
    assert body["results"][0]["id_number"].count("*") == 8
    event = AuditEvent.objects.filter(action="open.api").latest("id")
    assert event.owner_unit == granted.entry.resource.producer
    assert event.record_count == len(body["results"])


def test_without_a_grant_the_interface_refuses(on_application_entry, enterprise, api):
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {_key(enterprise)}")
    answer = api.get(f"/api/v1/open/datasets/{on_application_entry.slug}/records/")
    assert answer.status_code == 403
    assert answer.json()["code"] == "no_grant"
    assert AuditEvent.objects.filter(action="open.api", outcome="denied").exists()


def test_an_expired_grant_is_refused(granted, university, api):
    OpenGrant.objects.filter(application=granted).update(end_date=dt.date.today() - dt.timedelta(days=1))
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {_key(university)}")
    assert api.get(f"/api/v1/open/datasets/{granted.entry.slug}/records/").status_code == 403


def test_people_sessions_cannot_call_it(granted, university, api_as):
    assert api_as(university).get(f"/api/v1/open/datasets/{granted.entry.slug}/records/").status_code == 403


def test_statistics_return_only_large_groups(granted, university, api, settings):
    settings.DATA_API = {**settings.DATA_API, "MIN_GROUP_SIZE": 5}
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {_key(university)}")
    answer = api.get(f"/api/v1/open/datasets/{granted.entry.slug}/statistics/", {"group_by": "district"})
    assert answer.status_code == 200
    body = answer.json()
    # 3 + 12 records: 鲤城区 3 (suppressed), 丰泽区 6, 洛江区 6
    assert body["groups"] == [{"value": "丰泽区", "count": 6}, {"value": "洛江区", "count": 6}]
    assert body["suppressed_groups"] == 1
    assert AuditEvent.objects.filter(action="open.api", detail__statistics="district").exists()


def test_statistics_never_group_by_a_personal_item(granted, university, api):
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {_key(university)}")
    for item in ("id_number", "full_name", "note", "nothing"):
        answer = api.get(f"/api/v1/open/datasets/{granted.entry.slug}/statistics/", {"group_by": item})
        assert answer.status_code == 400
