"""The opening REST API (/api/v1/opening/): the same services, access and workflow as the pages, so the
audit rows, the rules and the notifications are the pages' own; and who may not."""

import pytest

from audit.models import AuditEvent
from catalog.models import OpenType
from dataplatform.core.apikeys import api_key_issue
from dataplatform.core.models import Notification
from opening.applications import AGREEMENT_VERSION
from opening.models import OpenApplication, OpenEntry, OpenGrant
from tests.factories.opening import RULES, application_fields

pytestmark = pytest.mark.django_db

ENTRIES = "/api/v1/opening/entries/"
APPLICATIONS = "/api/v1/opening/applications/"


def act(api_as, user, url, **body):
    return api_as(user).post(f"{url}act/", body, format="json")


def proposal(resource, **more) -> dict:
    return {"resource": resource.pk, "open_type": "universal", "rules": RULES, "tags": ["证照"], **more}


def application_body(entry, **more) -> dict:
    fields = {k: str(v) for k, v in application_fields().items()}
    return {"dataset": entry.slug, **fields, **more}


# --- the open catalog -------------------------------------------------------------------------------


def test_a_producer_proposes_and_the_authority_is_told(api_as, producer, reviewer, resource):
    answer = api_as(producer).post(ENTRIES, proposal(resource), format="json")
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["status"] == "proposed" and body["resource"]["code"] == resource.code
    assert {r["item_name"]: r["rule"] for r in body["rules"]} == RULES
    assert body["actions"] == []  # the producer waits for the authority
    assert AuditEvent.objects.filter(action="open_entry.propose").count() == 1
    assert Notification.objects.filter(recipient=reviewer, title__startswith="开放目录待决定").exists()


def test_a_proposal_without_a_rule_for_a_personal_item_cannot_open(api_as, producer, reviewer, resource):
    entry = api_as(producer).post(ENTRIES, proposal(resource, rules={}), format="json").json()
    refused = act(api_as, reviewer, f"{ENTRIES}{entry['id']}/", action="open")
    assert refused.status_code == 400 and "脱敏规则" in refused.json()["detail"]


def test_an_outsider_cannot_propose_nor_see_the_entry(api_as, outsider, resource, proposed):
    assert api_as(outsider).post(ENTRIES, proposal(resource), format="json").status_code == 404
    assert api_as(outsider).get(f"{ENTRIES}{proposed.pk}/").status_code == 404
    assert api_as(outsider).get(ENTRIES).json()["results"] == []


def test_the_producer_and_the_authority_list_the_entries_they_manage(api_as, producer, reviewer, proposed):
    for user in (producer, reviewer):
        listed = api_as(user).get(ENTRIES, {"status": "proposed"}).json()["results"]
        assert [e["slug"] for e in listed] == [proposed.slug]
    assert api_as(reviewer).get(ENTRIES, {"status": "open"}).json()["results"] == []
    assert api_as(reviewer).get(f"{ENTRIES}{proposed.pk}/").json()["actions"] == ["open", "refuse"]


def test_the_authority_opens_and_the_producer_is_told(api_as, reviewer, producer, proposed):
    answer = act(api_as, reviewer, f"{ENTRIES}{proposed.pk}/", action="open", open_type="universal")
    assert answer.status_code == 200, answer.json()
    assert answer.json()["status"] == "open" and answer.json()["actions"] == ["retype", "withdraw"]
    assert [c["action"] for c in answer.json()["changes"]] == ["propose", "open"]
    assert AuditEvent.objects.filter(action="open_entry.open", object_id=str(proposed.pk)).exists()
    assert Notification.objects.filter(recipient=producer, title__startswith="开放目录决定").exists()


def test_the_producer_may_not_decide_its_own_entry(api_as, producer, proposed):
    answer = act(api_as, producer, f"{ENTRIES}{proposed.pk}/", action="open")
    assert answer.status_code == 403 and answer.json()["code"] == "forbidden"
    proposed.refresh_from_db()
    assert proposed.status == "proposed"


def test_refusing_needs_the_reason(api_as, reviewer, proposed):
    url = f"{ENTRIES}{proposed.pk}/"
    assert act(api_as, reviewer, url, action="refuse").status_code == 400
    refused = act(api_as, reviewer, url, action="refuse", reason="涉及个人隐私")
    assert refused.json()["status"] == "not_open" and refused.json()["not_open_reason"] == "涉及个人隐私"


def test_retype_and_withdraw_need_a_reason_and_a_withdrawn_entry_is_proposed_again(
    api_as, reviewer, producer, open_entry
):
    url = f"{ENTRIES}{open_entry.pk}/"
    assert act(api_as, reviewer, url, action="retype", open_type="on_application").status_code == 400
    retyped = act(api_as, reviewer, url, action="retype", open_type="on_application", reason="含经营数据")
    assert retyped.json()["open_type"] == OpenType.ON_APPLICATION
    assert act(api_as, producer, url, action="withdraw", reason="风险").status_code == 403
    withdrawn = act(api_as, reviewer, url, action="withdraw", reason="数据安全风险")
    assert (
        withdrawn.json()["status"] == "withdrawn" and withdrawn.json()["withdrawal_reason"] == "数据安全风险"
    )
    again = act(api_as, producer, url, action="propose")
    assert again.status_code == 200 and again.json()["status"] == "proposed"


def test_an_unknown_action_is_a_400(api_as, reviewer, proposed):
    answer = act(api_as, reviewer, f"{ENTRIES}{proposed.pk}/", action="publish")
    assert answer.status_code == 400 and "action" in answer.json()


# --- on-application opening ------------------------------------------------------------------------


def test_the_whole_application_over_the_api_ends_in_a_grant(
    api_as, university, evaluator, reviewer, on_application_entry
):
    submitted = api_as(university).post(APPLICATIONS, application_body(on_application_entry), format="json")
    assert submitted.status_code == 201, submitted.json()
    url = f"{APPLICATIONS}{submitted.json()['id']}/"
    assert submitted.json()["status"] == "submitted" and submitted.json()["actions"] == []
    assert Notification.objects.filter(recipient=evaluator, title__startswith="开放数据申请待评估").exists()
    assert act(api_as, evaluator, url, action="evaluate", note="合理").json()["status"] == "evaluated"
    assert act(api_as, reviewer, url, action="confirm").json()["status"] == "confirmed"
    assert act(api_as, university, url, action="accept_agreement", agreement_version="0.9").status_code == 400
    granted = act(api_as, university, url, action="accept_agreement", agreement_version=AGREEMENT_VERSION)
    assert granted.status_code == 200
    body = granted.json()
    assert body["status"] == "granted" and body["grant"]["research_and_education_only"] is True
    assert OpenGrant.objects.filter(application_id=body["id"]).exists()
    assert [c["action"] for c in body["changes"]] == ["submit", "evaluate", "confirm", "accept_agreement"]
    assert list(
        AuditEvent.objects.filter(action__startswith="open_application.")
        .order_by("id")
        .values_list("action", flat=True)
    ) == [
        "open_application.submit",
        "open_application.evaluate",
        "open_application.confirm",
        "open_application.accept_agreement",
    ]


def test_the_rules_of_the_service_hold(
    api_as, university, enterprise, producer, on_application_entry, open_entry
):
    commercial = application_body(on_application_entry, use_kind="commercial")
    assert api_as(university).post(APPLICATIONS, commercial, format="json").status_code == 400
    assert (
        api_as(enterprise).post(APPLICATIONS, commercial, format="json").status_code == 400
    )  # no declaration
    universal = application_body(open_entry)
    assert api_as(university).post(APPLICATIONS, universal, format="json").status_code == 400
    # A government unit is not a public organization: Forbidden, a 403.
    refused = api_as(producer).post(APPLICATIONS, application_body(on_application_entry), format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    assert not OpenApplication.objects.exists()


def test_a_dataset_that_is_not_public_is_a_404(api_as, university, proposed):
    answer = api_as(university).post(APPLICATIONS, application_body(proposed), format="json")
    assert answer.status_code == 404


def test_mine_lists_my_organizations_applications_only(
    api_as, university, enterprise, evaluator, granted, on_application_entry
):
    api_as(enterprise).post(
        APPLICATIONS,
        application_body(on_application_entry, use_kind="commercial", declares_domestic_controlled=True),
        format="json",
    )
    mine = api_as(university).get(APPLICATIONS, {"mine": 1}).json()["results"]
    assert [a["id"] for a in mine] == [granted.pk]
    assert len(api_as(evaluator).get(APPLICATIONS).json()["results"]) == 2
    assert [
        a["status"] for a in api_as(evaluator).get(APPLICATIONS, {"status": "submitted"}).json()["results"]
    ] == ["submitted"]


def test_each_step_is_taken_by_its_own_person_only(
    api_as, university, evaluator, reviewer, on_application_entry
):
    url = f"{APPLICATIONS}{api_as(university).post(APPLICATIONS, application_body(on_application_entry), format='json').json()['id']}/"
    assert act(api_as, university, url, action="evaluate").status_code == 403
    assert act(api_as, reviewer, url, action="evaluate").status_code == 403
    assert act(api_as, evaluator, url, action="reject_evaluation").status_code == 400  # needs the reason
    assert act(api_as, evaluator, url, action="evaluate").json()["status"] == "evaluated"
    assert act(api_as, evaluator, url, action="confirm").status_code == 403
    assert act(api_as, university, url, action="accept_agreement").status_code == 400  # not confirmed yet
    rejected = act(api_as, reviewer, url, action="reject", note="用途不明确")
    assert rejected.json()["status"] == "rejected" and rejected.json()["decision_note"] == "用途不明确"


def test_an_outsider_never_sees_an_application(api_as, outsider, enterprise, granted):
    for user in (outsider, enterprise):
        assert api_as(user).get(f"{APPLICATIONS}{granted.pk}/").status_code == 404
        assert act(api_as, user, f"{APPLICATIONS}{granted.pk}/", action="confirm").status_code == 404
        assert api_as(user).get(APPLICATIONS).json()["results"] == []


def test_an_api_key_is_refused_with_403_and_no_session_with_401(api, university, granted, proposed):
    key = api_key_issue(actor=university, unit=university.unit, name="科研系统").key
    for url in (ENTRIES, f"{ENTRIES}{proposed.pk}/", APPLICATIONS, f"{APPLICATIONS}{granted.pk}/"):
        assert api.get(url, HTTP_AUTHORIZATION=f"Api-Key {key}").status_code == 403
        assert api.get(url).status_code in (401, 403)
    posted = api.post(
        f"{APPLICATIONS}{granted.pk}/act/",
        {"action": "confirm"},
        format="json",
        HTTP_AUTHORIZATION=f"Api-Key {key}",
    )
    assert posted.status_code == 403
    assert OpenEntry.objects.get(pk=proposed.pk).status == "proposed"
