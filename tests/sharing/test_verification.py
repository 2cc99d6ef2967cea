"""Cross-verification and statistics answer without revealing a record (可用不可见)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from catalog.aggregation.services import records_upsert
from dataplatform.core.apikeys import api_key_issue
from sharing.models import Grant
from sharing.services import attachment_add
from sharing.workflow import application_act, grant_act
from tests import factories
from tests.factories.sharing import apply, publish

pytestmark = pytest.mark.django_db

ITEMS = [
    {"name": "id_number", "label": "公民身份号码", "is_key": True, "required": True, "is_personal": True},
    {"name": "full_name", "label": "姓名", "is_personal": True},
    {"name": "district", "label": "区县"},
    {"name": "licence_valid_until", "label": "许可证有效期至", "item_type": "date"},
]
PEOPLE = [
    {
        "id_number": f"35050319900101{n:04d}",
        "full_name": f"居民{n}",
        "district": "鲤城区" if n < 6 else "丰泽区",
        "licence_valid_until": "2030-01-01" if n % 2 else "2020-01-01",
    }
    for n in range(8)
]


@pytest.fixture
def register(producer, reviewer):
    resource = publish(
        producer,
        reviewer,
        code="RK-1",
        name="人口登记",
        category="departmental",
        share_type="not_shared",
        share_basis="《居民身份证法》",
        service_methods=["verification"],
        items=ITEMS,
    )
    records_upsert(actor=producer, resource=resource, records=PEOPLE)
    return resource


@pytest.fixture
def verification_grant(register, applicant, evaluator, producer, reviewer):
    application = apply(
        applicant,
        register,
        method="verification",
        items=("id_number", "full_name", "district", "licence_valid_until"),
    )
    attachment_add(
        actor=applicant, application=application, title="方案", file=SimpleUploadedFile("p.pdf", b"%PDF")
    )
    for action, actor in (
        ("submit", applicant),
        ("reasonable", evaluator),
        ("agree", producer),
        ("approve", reviewer),
    ):
        application = application_act(application=application, action=action, actor=actor)
    return Grant.objects.get(application=application)


@pytest.fixture
def rule(evaluator, register):
    from rest_framework.test import APIClient

    people = APIClient()  # not the REST client's: that one calls with its key
    people.force_authenticate(evaluator)
    body = {
        "name": "身份与许可核验",
        "inputs": [{"name": "id_number", "label": "身份证号"}, {"name": "name", "label": "姓名"}],
        "checks": [
            {
                "name": "registered",
                "resource": register.pk,
                "match": {"id_number": "id_number", "full_name": "name"},
            },
            {
                "name": "licence_valid",
                "resource": register.pk,
                "match": {"id_number": "id_number"},
                "conditions": [{"item": "licence_valid_until", "op": "not_before_today"}],
            },
        ],
    }
    response = people.post("/api/v1/data/verification-rules/", body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


@pytest.fixture
def key(applicant):
    return api_key_issue(actor=applicant, unit=applicant.unit, name="审批系统").key


def verify(api, key, rule, **inputs):
    return api.post(
        f"/api/v1/data/verification-rules/{rule['id']}/verify/",
        {"inputs": inputs},
        format="json",
        HTTP_AUTHORIZATION=f"Api-Key {key}",
    )


def test_a_verification_answers_true_or_false_and_reveals_nothing(api, key, rule, verification_grant):
    person = PEOPLE[1]
    response = verify(api, key, rule, id_number=person["id_number"], name=person["full_name"])
    assert response.status_code == 200
    assert response.json() == {
        "rule": rule["id"],
        "results": {"registered": True, "licence_valid": True},
        "all": True,
    }
    text = response.content.decode()
    assert person["district"] not in text and "2030" not in text


def test_a_wrong_name_or_an_expired_licence_answers_false(api, key, rule, verification_grant):
    wrong = verify(api, key, rule, id_number=PEOPLE[1]["id_number"], name="别人").json()
    assert wrong["results"] == {"registered": False, "licence_valid": True} and wrong["all"] is False
    expired = verify(api, key, rule, id_number=PEOPLE[2]["id_number"], name=PEOPLE[2]["full_name"]).json()
    assert expired["results"]["licence_valid"] is False


def test_without_a_verification_grant_the_rule_is_not_found_as_a_missing_one_is(api, key, rule, register):
    # "Missing" and "not yours" answer the same (issue 18): a unit with no grant learns no rule exists.
    response = verify(api, key, rule, id_number=PEOPLE[1]["id_number"], name="x")
    missing = verify(api, key, {"id": rule["id"] + 1000}, id_number=PEOPLE[1]["id_number"], name="x")
    assert (response.status_code, missing.status_code) == (404, 404)
    assert response.json() == missing.json()


def test_with_a_suspended_grant_the_rule_is_refused_saying_why(api, key, rule, verification_grant, reviewer):
    grant_act(grant=verification_grant, action="suspend", actor=reviewer, reason="核查使用情况")
    response = verify(api, key, rule, id_number=PEOPLE[1]["id_number"], name="x")
    assert response.status_code == 403 and response.json()["code"] == "grant_suspended"


# --- who learns that a rule exists (issue 18) ---------------------------------------------------------


def listed_rules(user=None, key: str = "") -> list[int]:
    from rest_framework.test import APIClient

    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    headers = {"HTTP_AUTHORIZATION": f"Api-Key {key}"} if key else {}
    response = client.get("/api/v1/data/verification-rules/", **headers)
    assert response.status_code == 200
    return [row["id"] for row in response.json()]


def test_the_rules_are_listed_to_the_units_that_may_call_them(rule, verification_grant, applicant, key):
    assert listed_rules(applicant) == [rule["id"]]
    assert listed_rules(key=key) == [rule["id"]]


def test_a_unit_without_a_verification_grant_lists_no_rule(rule, applicant, key, register):
    assert listed_rules(applicant) == [] and listed_rules(key=key) == []


@pytest.mark.parametrize("persona", ["producer", "reviewer", "evaluator", "platform_admin"])
def test_the_owner_of_the_data_the_authority_and_the_rule_makers_list_the_rule(rule, persona, request):
    assert listed_rules(request.getfixturevalue(persona)) == [rule["id"]]


@pytest.mark.parametrize("persona", ["outsider", "county_reviewer", "citizen"])
def test_a_unit_party_to_nothing_lists_no_rule(rule, verification_grant, persona, request):
    user = (
        factories.person(None, username="citizen")
        if persona == "citizen"
        else request.getfixturevalue(persona)
    )
    assert listed_rules(user) == []


def test_a_grant_for_another_method_does_not_show_the_rule(rule, verification_grant, applicant):
    """A grant of the resource by another service method is no licence to verify against it."""
    Grant.objects.filter(pk=verification_grant.pk).update(service_method="interface")
    assert listed_rules(applicant) == []


def test_missing_inputs_are_a_400(api, key, rule, verification_grant):
    assert verify(api, key, rule, id_number=PEOPLE[1]["id_number"]).status_code == 400


def test_only_the_technical_service_unit_makes_rules_and_bad_ones_are_refused(
    api_as, applicant, evaluator, register
):
    body = {
        "name": "x",
        "inputs": [{"name": "a"}],
        "checks": [{"name": "c", "resource": register.pk, "match": {"salary": "a"}}],
    }
    assert api_as(applicant).post("/api/v1/data/verification-rules/", body, format="json").status_code == 403
    response = api_as(evaluator).post("/api/v1/data/verification-rules/", body, format="json")
    assert response.status_code == 400 and "salary" in str(response.json())


def test_statistics_show_large_groups_and_suppress_small_ones(
    api, key, register, verification_grant, settings
):
    response = api.get(
        f"/api/v1/data/resources/{register.pk}/statistics/",
        {"group_by": "district"},
        HTTP_AUTHORIZATION=f"Api-Key {key}",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["groups"] == [{"value": "鲤城区", "count": 6}]  # 丰泽区 has 2: too few to show
    assert body["suppressed_groups"] == 1 and body["min_group_size"] == 5


def test_statistics_over_an_item_outside_the_grant_are_refused(api, key, register, verification_grant):
    Grant.objects.filter(pk=verification_grant.pk).update(items=["id_number"])
    response = api.get(
        f"/api/v1/data/resources/{register.pk}/statistics/",
        {"group_by": "district"},
        HTTP_AUTHORIZATION=f"Api-Key {key}",
    )
    assert response.status_code == 403 and response.json()["code"] == "item_not_granted"


def test_not_shared_records_cannot_be_read_through_the_record_interface(
    api, key, register, verification_grant
):
    response = api.get(
        f"/api/v1/data/resources/{register.pk}/records/{PEOPLE[0]['id_number']}/",
        HTTP_AUTHORIZATION=f"Api-Key {key}",
    )
    assert response.status_code == 403 and response.json()["code"] == "no_grant"
