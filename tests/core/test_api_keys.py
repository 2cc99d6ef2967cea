import datetime as dt
import hashlib

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from dataplatform.core.apikeys import api_key_issue, api_key_revoke
from dataplatform.core.models import ApiKey

pytestmark = pytest.mark.django_db


def call_me(api, key: str):
    return api.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Api-Key {key}")


def test_a_key_is_stored_only_as_a_hash_with_a_visible_prefix(producer):
    issued = api_key_issue(actor=producer, unit=producer.unit, name="企业登记系统")
    stored = ApiKey.objects.get(pk=issued.api_key.pk)
    assert issued.key.startswith(stored.prefix + ".")
    assert stored.hashed_key == hashlib.sha256(issued.key.encode()).hexdigest()
    assert issued.key not in str(ApiKey.objects.filter(pk=stored.pk).values().get())
    assert AuditEvent.objects.filter(action="api_key.issue", object_id=str(stored.pk)).exists()


def test_a_client_with_its_key_acts_for_its_unit(api, producer):
    issued = api_key_issue(actor=producer, unit=producer.unit, name="企业登记系统")
    response = call_me(api, issued.key)
    assert response.status_code == 200
    body = response.json()
    assert body["unit"]["name"] == producer.unit.name
    assert body["api_key"] == issued.api_key.prefix
    assert body["username"] is None
    issued.api_key.refresh_from_db()
    assert issued.api_key.last_used_at is not None


def test_a_revoked_key_gets_401(api, producer):
    issued = api_key_issue(actor=producer, unit=producer.unit, name="x")
    api_key_revoke(actor=producer, api_key=issued.api_key)
    response = call_me(api, issued.key)
    assert response.status_code == 401
    assert response.json()["detail"] == "该 API 密钥已被吊销。"


def test_an_expired_key_gets_401(api, producer):
    issued = api_key_issue(
        actor=producer, unit=producer.unit, name="x", expires_at=timezone.now() + dt.timedelta(days=1)
    )
    ApiKey.objects.filter(pk=issued.api_key.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = call_me(api, issued.key)
    assert response.status_code == 401
    assert response.json()["detail"] == "该 API 密钥已过期。"


@pytest.mark.parametrize("header", ["Api-Key nonsense", "Api-Key ", "Api-Key abcd1234.wrongsecret"])
def test_a_wrong_key_gets_401_with_a_challenge(api, producer, header):
    api_key_issue(actor=producer, unit=producer.unit, name="x")
    response = api.get("/api/v1/me/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Api-Key"


def test_no_credentials_get_401(api):
    assert api.get("/api/v1/me/").status_code == 401


def test_a_key_with_the_right_prefix_and_a_wrong_secret_is_refused(api, producer):
    issued = api_key_issue(actor=producer, unit=producer.unit, name="x")
    assert call_me(api, issued.api_key.prefix + ".not-the-secret").status_code == 401


def test_expiry_in_the_past_is_refused_when_issuing(api_as, producer):
    response = api_as(producer).post("/api/v1/api-keys/", {"name": "x", "expires_at": "2020-01-01T00:00:00Z"})
    assert response.status_code == 400
    assert response.json()["detail"] == "到期时间必须晚于现在。"


def test_the_data_administrator_issues_and_revokes_keys_over_the_api(api_as, producer):
    client = api_as(producer)
    created = client.post("/api/v1/api-keys/", {"name": "市场主体系统"})
    assert created.status_code == 201
    key = created.json()["key"]
    listed = client.get("/api/v1/api-keys/").json()["results"]
    assert [k["prefix"] for k in listed] == [created.json()["prefix"]]
    assert "key" not in listed[0]
    revoked = client.post(f"/api/v1/api-keys/{created.json()['id']}/revoke/")
    assert revoked.status_code == 200 and revoked.json()["usable"] is False
    client.force_authenticate(None)
    assert call_me(client, key).status_code == 401


def test_another_units_keys_are_invisible_and_cannot_be_revoked(api_as, producer, applicant):
    issued = api_key_issue(actor=producer, unit=producer.unit, name="x")
    client = api_as(applicant)
    assert client.get("/api/v1/api-keys/").json()["results"] == []
    assert client.post(f"/api/v1/api-keys/{issued.api_key.pk}/revoke/").status_code == 404
    issued.api_key.refresh_from_db()
    assert issued.api_key.revoked_at is None


def test_the_leader_sees_the_keys_but_cannot_issue_or_revoke(api_as, producer):
    from dataplatform.core.models import Role
    from tests import factories

    leader = factories.person(producer.unit, Role.LEADER)
    issued = api_key_issue(actor=producer, unit=producer.unit, name="x")
    client = api_as(leader)
    assert len(client.get("/api/v1/api-keys/").json()["results"]) == 1
    assert client.post("/api/v1/api-keys/", {"name": "y"}).status_code == 403
    assert client.post(f"/api/v1/api-keys/{issued.api_key.pk}/revoke/").status_code == 403


def test_the_key_page_shows_a_new_key_once(client, producer):
    client.force_login(producer)
    response = client.post("/api-keys/", {"name": "企业登记系统"})
    assert response.status_code == 200
    key = response.context["issued"].key
    assert key in response.content.decode()
    assert key not in client.get("/api-keys/").content.decode()
