"""The data service interface: grant scoping item by item, each refusal, limits and crawler signs."""

import datetime as dt

import pytest

from audit.models import AuditEvent
from catalog.aggregation.services import records_upsert
from dataplatform.core.apikeys import api_key_issue
from dataplatform.core.models import Notification
from sharing.models import Grant
from sharing.services import grant_change
from sharing.workflow import application_act
from tests.factories.sharing import apply

pytestmark = pytest.mark.django_db

RECORDS = [
    {
        "credit_code": f"91350500MA00000{n:02d}X",
        "company_name": f"企业{n}",
        "registered_on": "2020-01-02",
        "capital": "100",
    }
    for n in range(10)
]


@pytest.fixture
def granted(applicant, unconditional, producer):
    records_upsert(actor=producer, resource=unconditional, records=RECORDS)
    application = application_act(
        application=apply(applicant, unconditional), action="submit", actor=applicant
    )
    return Grant.objects.get(application=application)


@pytest.fixture
def client_key(applicant):
    return api_key_issue(actor=applicant, unit=applicant.unit, name="一网通办系统").key


@pytest.fixture
def call(api, client_key):
    def get(url, key=client_key, **params):
        return api.get(url, params, HTTP_AUTHORIZATION=f"Api-Key {key}")

    return get


def url(resource, key=None):
    base = f"/api/v1/data/resources/{resource.pk}/records/"
    return f"{base}{key}/" if key else base


def test_a_record_carries_only_the_granted_items(call, granted, unconditional):
    response = call(url(unconditional, RECORDS[3]["credit_code"]))
    assert response.status_code == 200
    assert response.json()["data"] == {"credit_code": RECORDS[3]["credit_code"], "company_name": "企业3"}


def test_fields_narrow_the_items_and_an_item_outside_the_grant_is_refused_by_name(
    call, granted, unconditional
):
    one = call(url(unconditional, RECORDS[0]["credit_code"]), fields="company_name").json()
    assert one["data"] == {"company_name": "企业0"}
    refused = call(url(unconditional, RECORDS[0]["credit_code"]), fields="company_name,capital")
    assert refused.status_code == 403
    assert refused.json()["code"] == "item_not_granted" and "capital" in refused.json()["detail"]


def test_filtering_by_a_granted_item_and_refusing_a_filter_outside_the_grant(call, granted, unconditional):
    body = call(url(unconditional), company_name="企业7").json()
    assert [r["key"] for r in body["results"]] == [RECORDS[7]["credit_code"]]
    assert call(url(unconditional), capital="100").status_code == 403


def test_the_list_is_paged_by_key_without_a_count(call, granted, unconditional):
    body = call(url(unconditional), page_size=4).json()
    assert set(body) == {"next", "results"} and len(body["results"]) == 4 and body["next"]
    assert [r["key"] for r in body["results"]] == [r["credit_code"] for r in RECORDS[:4]]


def test_no_grant_is_a_403_that_says_so(call, unconditional, producer):
    response = call(url(unconditional, "x"))
    assert response.status_code == 403 and response.json()["code"] == "no_grant"


@pytest.mark.parametrize(("move", "code"), [("suspend", "grant_suspended"), ("end", "grant_ended")])
def test_a_suspended_or_ended_grant_is_a_403_with_the_reason(
    call, granted, unconditional, reviewer, move, code
):
    grant_change(actor=reviewer, grant=granted, move=move, reason="违规转供第三方")
    response = call(url(unconditional, RECORDS[0]["credit_code"]))
    assert response.status_code == 403
    assert response.json()["code"] == code and "违规转供第三方" in response.json()["detail"]


def test_an_expired_grant_is_a_403_naming_the_end_date(call, granted, unconditional):
    Grant.objects.filter(pk=granted.pk).update(end_date=dt.date(2026, 1, 31))
    response = call(url(unconditional, RECORDS[0]["credit_code"]))
    assert response.json()["code"] == "grant_expired" and "2026-01-31" in response.json()["detail"]


def test_a_person_cannot_use_the_data_interface_and_no_key_is_401(
    api_as, api, applicant, granted, unconditional
):
    assert api.get(url(unconditional, "x")).status_code == 401
    assert api_as(applicant).get(url(unconditional, RECORDS[0]["credit_code"])).status_code == 403


def test_another_units_key_is_refused(call, granted, unconditional, outsider):
    other = api_key_issue(actor=outsider, unit=outsider.unit, name="x").key
    assert call(url(unconditional, RECORDS[0]["credit_code"]), key=other).json()["code"] == "no_grant"


def test_every_call_is_audited_with_key_grant_items_count_and_purpose(
    call, granted, unconditional, client_key
):
    call(url(unconditional, RECORDS[0]["credit_code"]))
    call(url(unconditional, "missing"))
    events = list(AuditEvent.objects.filter(action="data.query").order_by("id"))
    assert [e.record_count for e in events] == [1, 0]
    first = events[0]
    assert first.api_key.prefix == client_key.split(".")[0]
    assert first.data_items == ["credit_code", "company_name"] and first.detail["grant"] == granted.pk
    assert first.purpose == granted.scenario and first.owner_unit == unconditional.producer


def test_refusals_are_audited_too(call, unconditional):
    call(url(unconditional, "x"))
    assert AuditEvent.objects.get(action="data.query").outcome == "denied"


def test_over_the_rate_a_call_gets_429_with_retry_after(call, granted, unconditional, settings):
    settings.DATA_API = {**settings.DATA_API, "RATE_PER_MINUTE": 3}
    codes = [call(url(unconditional, RECORDS[0]["credit_code"])).status_code for _ in range(3)]
    fourth = call(url(unconditional, RECORDS[0]["credit_code"]))
    assert codes == [200, 200, 200] and fourth.status_code == 429
    assert 0 < int(fourth["Retry-After"]) <= 60


def test_the_grants_own_daily_quota_applies(call, granted, unconditional):
    Grant.objects.filter(pk=granted.pk).update(daily_quota=2)
    responses = [call(url(unconditional, RECORDS[0]["credit_code"])) for _ in range(3)]
    assert [r.status_code for r in responses] == [200, 200, 429]
    assert int(responses[2]["Retry-After"]) > 60


def test_walking_keys_in_sequence_alerts_the_authority_once(call, granted, unconditional, reviewer, settings):
    settings.DATA_API = {**settings.DATA_API, "SEQUENTIAL_RUN": 5}
    for record in RECORDS:
        call(url(unconditional, record["credit_code"]))
    alerts = Notification.objects.filter(recipient=reviewer, title__startswith="疑似爬虫")
    assert alerts.count() == 1 and alerts.get().body == "连续按顺序遍历了 5 个键"  # the platform's language
    assert AuditEvent.objects.filter(action="grant.crawler_alert").count() == 1
    granted.refresh_from_db()
    assert granted.status == "active"  # no automatic suspension unless the setting asks


def test_with_auto_suspend_a_crawler_loses_its_grant(call, granted, unconditional, settings):
    settings.DATA_API = {**settings.DATA_API, "SEQUENTIAL_RUN": 5, "AUTO_SUSPEND": True}
    for record in RECORDS[:7]:
        call(url(unconditional, record["credit_code"]))
    granted.refresh_from_db()
    assert granted.status == "suspended" and "自动暂停" in granted.status_reason
    assert call(url(unconditional, RECORDS[8]["credit_code"])).json()["code"] == "grant_suspended"


def test_a_high_share_of_misses_alerts_the_authority(call, granted, unconditional, reviewer, settings):
    settings.DATA_API = {**settings.DATA_API, "MISS_MIN_CALLS": 10, "SEQUENTIAL_RUN": 1000}
    for n in range(12):
        call(url(unconditional, f"guess-{n * 7}"))
    alert = Notification.objects.get(recipient=reviewer, title__startswith="疑似爬虫")
    assert "次未找到数据" in alert.body


@pytest.fixture
def redis_counters(settings, granted):
    """The counters on Redis, as in production, with this test's keys removed before and after."""
    from sharing import counters

    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL (make test sets it)")
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": settings.REDIS_URL}
    }
    counters._redis.cache_clear()
    client = counters._redis()

    def clean():
        for pattern in (f"dp:*:{granted.pk}", f"dp:*:{granted.pk}:*", f"*dp:alerted:{granted.pk}:*"):
            for key in client.scan_iter(pattern):
                client.delete(key)

    clean()
    yield client
    clean()
    counters._redis.cache_clear()


def test_the_limits_and_crawler_signs_work_on_redis(
    call, granted, unconditional, settings, reviewer, redis_counters
):
    settings.DATA_API = {**settings.DATA_API, "RATE_PER_MINUTE": 4, "SEQUENTIAL_RUN": 2}
    codes = [call(url(unconditional, record["credit_code"])).status_code for record in RECORDS[:5]]
    assert codes == [200, 200, 200, 200, 429]
    assert Notification.objects.filter(recipient=reviewer, title__startswith="疑似爬虫").count() == 1
    assert len(redis_counters.lrange(f"dp:keys:{granted.pk}", 0, -1)) == 3  # the run's keys, no more


def test_a_key_lookup_costs_four_queries(call, granted, unconditional, django_assert_num_queries):
    call(url(unconditional, RECORDS[0]["credit_code"]))  # the key's last-used time is written once a minute
    # The API key, the grant with its resource, the record, the audit row.
    with django_assert_num_queries(4):
        assert call(url(unconditional, RECORDS[1]["credit_code"])).status_code == 200


def test_data_calls_are_counted_by_answer_for_the_metrics(call, granted, unconditional, outsider):
    from prometheus_client import REGISTRY

    def count(answer):
        labels = {"action": "data.query", "answer": answer}
        return REGISTRY.get_sample_value("dataplatform_data_calls_total", labels) or 0

    ok, refused = count("ok"), count("no_grant")
    outsider_key = api_key_issue(actor=outsider, unit=outsider.unit, name="别的系统").key
    assert call(url(unconditional, RECORDS[3]["credit_code"])).status_code == 200
    assert call(url(unconditional, RECORDS[3]["credit_code"]), key=outsider_key).status_code == 403
    assert count("ok") == ok + 1
    assert count("no_grant") == refused + 1
