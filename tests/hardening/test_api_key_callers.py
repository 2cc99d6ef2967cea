"""Issue 18's 500s for API-key callers: endpoints written for people, and catalog transitions that read the
caller's ``unit_id``, answered ``'ApiClient' object has no attribute 'unit_id'``. A key now gets an answer:
refused where only people may act, the same rules as its unit's people elsewhere."""

import pytest

from dataplatform.core.apikeys import api_key_issue

pytestmark = pytest.mark.django_db


@pytest.fixture
def key(producer):
    return api_key_issue(actor=producer, unit=producer.unit, name="编目系统").key


def as_key(api, key: str, method: str, url: str, data=None):
    return getattr(api, method)(url, data or {}, format="json", HTTP_AUTHORIZATION=f"Api-Key {key}")


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/v1/units/{unit}/administrators/"),
        ("get", "/api/v1/personnel-changes/"),
        ("post", "/api/v1/personnel-changes/"),
        ("post", "/api/v1/personnel-changes/1/decision/"),
    ],
)
def test_a_key_is_refused_where_only_people_act_never_a_500(api, key, producer, method, url):
    response = as_key(api, key, method, url.format(unit=producer.unit_id))
    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/json") and response.json()["code"]


@pytest.mark.parametrize(
    ("to", "status", "code"),
    [("retired", 403, "forbidden"), ("draft", 403, "forbidden"), ("submitted", 400, "invalid")],
)
def test_a_catalog_transition_by_a_key_is_answered_not_a_500(api, key, unconditional, to, status, code):
    """Retiring and revising a published entry are a person's decisions (the workflow names who); a move
    the workflow does not have is invalid for anyone."""
    url = f"/api/v1/catalog/resources/{unconditional.pk}/transition/"
    response = as_key(api, key, "post", url, {"to": to, "reason": "系统调用"})
    assert (response.status_code, response.json()["code"]) == (status, code)
