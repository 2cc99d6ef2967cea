"""API errors follow the request's language throughout: Chinese by default, English for
``Accept-Language: en``, never the two mixed in one answer (issue 15: "Too many calls this minute… 预计 22 秒后可用。")."""

import re

import pytest

from catalog.aggregation.services import records_upsert
from dataplatform.core.apikeys import api_key_issue
from sharing.models import Grant
from sharing.workflow import application_act
from tests.factories.sharing import apply

pytestmark = pytest.mark.django_db

HAN = re.compile(r"[\u4e00-\u9fff]")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
RECORD = {"credit_code": "91350500MA0000001X", "company_name": "泉州某公司", "capital": "100"}


@pytest.fixture
def granted(applicant, unconditional, producer):
    records_upsert(actor=producer, resource=unconditional, records=[RECORD])
    application = application_act(
        application=apply(applicant, unconditional), action="submit", actor=applicant
    )
    return Grant.objects.get(application=application)


@pytest.fixture
def call(api, applicant):
    key = api_key_issue(actor=applicant, unit=applicant.unit, name="一网通办系统").key

    def get(path, **headers):
        return api.get(path, HTTP_AUTHORIZATION=f"Api-Key {key}", **headers)

    return get


def record_url(resource) -> str:
    return f"/api/v1/data/resources/{resource.pk}/records/{RECORD['credit_code']}/"


def only_chinese(text: str) -> bool:
    return bool(HAN.search(text)) and not LATIN_WORD.search(text)


def only_english(text: str) -> bool:
    return bool(LATIN_WORD.search(text)) and not HAN.search(text)


def test_over_the_rate_the_429_is_all_chinese_by_default(call, granted, unconditional):
    Grant.objects.filter(pk=granted.pk).update(rate_per_minute=1)
    call(record_url(unconditional))

    throttled = call(record_url(unconditional))

    assert throttled.status_code == 429
    detail = throttled.json()["detail"]
    assert "本分钟" in detail and "秒" in detail and only_chinese(detail), detail


def test_over_the_rate_the_429_is_all_english_when_asked(call, granted, unconditional):
    Grant.objects.filter(pk=granted.pk).update(rate_per_minute=1)
    call(record_url(unconditional), HTTP_ACCEPT_LANGUAGE="en")

    throttled = call(record_url(unconditional), HTTP_ACCEPT_LANGUAGE="en")

    assert throttled.status_code == 429
    detail = throttled.json()["detail"]
    assert detail.startswith("Too many calls this minute") and "Expected available in" in detail
    assert only_english(detail), detail


def test_a_refusal_speaks_the_language_of_the_request(call, unconditional):
    chinese = call(record_url(unconditional)).json()
    english = call(record_url(unconditional), HTTP_ACCEPT_LANGUAGE="en").json()

    assert chinese["code"] == english["code"] == "no_grant"
    assert chinese["detail"] == "贵单位没有以该共享方式使用该资源的授权。"
    assert english["detail"] == "Your unit has no grant for this resource by this service method."


def test_an_address_with_no_endpoint_answers_in_the_language_of_the_request(api):
    assert api.get("/api/v1/no-such-thing/").json()["detail"] == "此地址没有 API 接口。"
    english = api.get("/api/v1/no-such-thing/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["detail"] == "No API endpoint at this address."


def test_a_rule_of_a_service_speaks_the_language_of_the_request(api_as, producer):
    body = {"name": "x", "expires_at": "2020-01-01T00:00:00Z"}

    chinese = api_as(producer).post("/api/v1/api-keys/", body, format="json")
    english = api_as(producer).post("/api/v1/api-keys/", body, format="json", HTTP_ACCEPT_LANGUAGE="en")

    assert (chinese.status_code, chinese.json()["detail"]) == (400, "到期时间必须晚于现在。")
    assert (english.status_code, english.json()["detail"]) == (400, "The expiry must be in the future.")
