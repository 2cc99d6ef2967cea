"""The records a grant's calls return are counted (issue 18, item 5): a daily record quota, the page walk
of one filter set, the share of the table taken in a day, and counters that survive a restart of Redis."""

# ruff: noqa: F811  (the data interface's fixtures are imported from its tests and named as arguments)
import datetime as dt

import pytest
import time_machine
from django.core.cache import cache
from django.utils import timezone

from audit.models import AuditEvent
from catalog.aggregation.services import records_upsert
from dataplatform.core.models import Notification
from sharing.models import Grant
from sharing.workflow import application_act
from tests.factories.sharing import apply, company
from tests.sharing.test_data_api import call, client_key, url  # noqa: F401  (fixtures)
from tests.sharing.test_rate_limit_headers import CountingRedis

pytestmark = pytest.mark.django_db

# 18:15:20 in Quanzhou: the day's quotas start again in 5 h 44 min 40 s.
FROZEN = dt.datetime(2026, 12, 3, 10, 15, 20, tzinfo=dt.UTC)
TO_MIDNIGHT = 5 * 3600 + 44 * 60 + 40 + 1


@pytest.fixture
def population(applicant, unconditional, producer):
    """An interface grant of a resource of 300 records."""
    records_upsert(actor=producer, resource=unconditional, records=[company(n) for n in range(300)])
    application_act(application=apply(applicant, unconditional), action="submit", actor=applicant)
    return Grant.objects.get(resource=unconditional)


@pytest.fixture
def rules(settings):
    """The platform's thresholds, small enough to meet in a test; each test changes what it is about."""

    def set_rules(**changes):
        settings.DATA_API = {
            **settings.DATA_API,
            "RATE_PER_MINUTE": 1000,
            "DAILY_ROWS": 10000,
            "PAGE_WALK": 10,
            "WHOLE_TABLE_SHARE": 0.5,
            "WHOLE_TABLE_MIN_ROWS": 100,
            **changes,
        }

    set_rules()
    return set_rules


def page(call, resource, n, size=20, **filters):
    return call(url(resource), page=n, page_size=size, **filters)


def rows_today(api_as, applicant) -> dict:
    return api_as(applicant).get("/api/v1/sharing/grants/").json()["results"][0]["limits"]


def crawler_alerts(reviewer):
    return Notification.objects.filter(recipient=reviewer, title__startswith="疑似爬虫")


def test_the_daily_record_quota_refuses_until_midnight_and_alerts_the_authority_once(
    call, population, unconditional, reviewer, rules
):
    rules(DAILY_ROWS=100)
    with time_machine.travel(FROZEN, tick=False):
        answers = [page(call, unconditional, n) for n in range(1, 8)]
    assert [a.status_code for a in answers] == [200] * 5 + [429, 429]
    assert int(answers[5]["Retry-After"]) == TO_MIDNIGHT
    assert answers[5].json()["code"] == "throttled" and "记录配额" in answers[5].json()["detail"]
    assert crawler_alerts(reviewer).count() == 1
    assert crawler_alerts(reviewer).get().body == "今日已返回 100 条记录，每日 100 条的记录配额已用完"
    event = AuditEvent.objects.get(action="grant.crawler_alert")
    assert event.detail["sign"] == "row_quota" and event.outcome == "denied"


def test_the_grants_own_record_quota_applies(call, population, unconditional, rules):
    Grant.objects.filter(pk=population.pk).update(daily_row_quota=40)
    codes = [page(call, unconditional, n).status_code for n in range(1, 4)]
    assert codes == [200, 200, 429]


def test_a_record_quota_used_up_does_not_suspend_the_grant(call, population, unconditional, rules):
    rules(DAILY_ROWS=20, AUTO_SUSPEND=True)
    assert [page(call, unconditional, n).status_code for n in (1, 2)] == [200, 429]
    population.refresh_from_db()
    assert population.status == "active"  # the quota stops it until midnight; the authority decides


def test_a_list_page_counts_the_records_it_returns_and_a_lookup_one_or_none(
    api_as, applicant, call, population, unconditional, rules
):
    page(call, unconditional, 1, size=50)
    page(call, unconditional, 1, size=50, company_name="企业7")  # one record matches
    call(url(unconditional, company(3)["credit_code"]))
    call(url(unconditional, "no-such-key"))
    limits = rows_today(api_as, applicant)
    assert (limits["rows_today"], limits["rows_remaining_today"]) == (52, 10000 - 52)


def test_a_page_past_the_end_costs_no_records(api_as, applicant, call, population, unconditional, rules):
    assert page(call, unconditional, 99, size=50).status_code == 404
    assert rows_today(api_as, applicant)["rows_today"] == 0


def test_paging_through_one_filter_set_is_refused_beyond_the_walk(
    api_as, applicant, call, population, unconditional, reviewer, rules
):
    rules(PAGE_WALK=3)
    answers = [page(call, unconditional, n, size=5) for n in range(1, 5)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert 0 < int(answers[3]["Retry-After"]) <= 600
    assert crawler_alerts(reviewer).get().body == "10 分钟内按同一组筛选条件翻阅了 4 页"
    # Another filter set is a query of its own; the refused page returned nothing and counts nothing.
    assert page(call, unconditional, 1, size=5, company_name="企业1").status_code == 200
    assert rows_today(api_as, applicant)["rows_today"] == 15 + 1


def test_with_auto_suspend_a_page_walker_loses_its_grant(call, population, unconditional, rules):
    rules(PAGE_WALK=3, AUTO_SUSPEND=True)
    for n in range(1, 5):
        page(call, unconditional, n, size=5)
    population.refresh_from_db()
    assert population.status == "suspended" and "自动暂停" in population.status_reason
    assert page(call, unconditional, 5, size=5).json()["code"] == "grant_suspended"


def test_taking_half_the_table_in_a_day_is_refused(call, population, unconditional, reviewer, rules):
    rules(PAGE_WALK=1000)  # no other sign: only the share of the table taken
    codes = [page(call, unconditional, n, size=50).status_code for n in (1, 2, 3, 4)]
    assert codes == [200, 200, 200, 429]  # 150 of 300 returned: half the table
    assert crawler_alerts(reviewer).get().body == "今日已返回 150 条记录，该资源共 300 条"
    assert AuditEvent.objects.get(action="grant.crawler_alert").detail["sign"] == "whole_table"


def test_a_grant_given_its_own_record_quota_may_take_the_table(call, population, unconditional, rules):
    rules(PAGE_WALK=1000)
    Grant.objects.filter(pk=population.pk).update(daily_row_quota=400)
    assert {page(call, unconditional, n, size=50).status_code for n in range(1, 7)} == {200}


def test_a_normal_user_paging_below_the_thresholds_is_served(
    call, population, unconditional, reviewer, rules
):
    codes = [page(call, unconditional, n, size=10).status_code for n in range(1, 6)]
    codes += [page(call, unconditional, 1, size=10, company_name="企业5").status_code]
    codes += [call(url(unconditional, company(n)["credit_code"])).status_code for n in (5, 50, 150)]
    assert set(codes) == {200}
    assert not crawler_alerts(reviewer).exists()


def test_the_record_quota_starts_again_the_next_day(call, population, unconditional, rules):
    rules(DAILY_ROWS=40)
    with time_machine.travel(FROZEN, tick=False):
        assert [page(call, unconditional, n).status_code for n in (1, 2, 3)] == [200, 200, 429]
    with time_machine.travel(FROZEN + dt.timedelta(seconds=TO_MIDNIGHT), tick=False):
        assert page(call, unconditional, 3).status_code == 200


def test_the_quotas_survive_the_loss_of_the_counters(call, population, unconditional, rules):
    """Redis restarted: the day's counters are rebuilt from the audit events of today's calls."""
    rules(DAILY_ROWS=60)
    Grant.objects.filter(pk=population.pk).update(daily_quota=4)
    with time_machine.travel(FROZEN, tick=False):
        assert [page(call, unconditional, n).status_code for n in (1, 2, 3)] == [200, 200, 200]
        cache.clear()
        assert page(call, unconditional, 4).status_code == 429  # 60 records returned before the loss
        Grant.objects.filter(pk=population.pk).update(daily_row_quota=1000)
        cache.clear()
        # Three calls counted again (the refused one is not audited): this is the fourth of four.
        assert call(url(unconditional, company(1)["credit_code"])).status_code == 200
        assert call(url(unconditional, company(2)["credit_code"])).status_code == 429


# --- on Redis, as in production ---------------------------------------------------------------------


@pytest.fixture
def redis_client(settings, population):
    """The counters on Redis (REDIS_URL: db 4 for this checkout's helper), with this grant's keys removed
    before and after: removing them all is what a restart of Redis does to them."""
    from sharing import counters

    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL (make test sets it)")
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": settings.REDIS_URL}
    }
    counters._redis.cache_clear()
    client = counters._redis()

    def restart():
        for key in client.scan_iter(f"*dp:*:{population.pk}*"):
            client.delete(key)

    restart()
    client.restart = restart
    yield client
    restart()
    counters._redis.cache_clear()


def test_the_record_quota_survives_a_restart_of_redis(call, population, unconditional, rules, redis_client):
    rules(DAILY_ROWS=40)
    assert [page(call, unconditional, n).status_code for n in (1, 2)] == [200, 200]
    redis_client.restart()
    assert redis_client.get(f"dp:rows:{population.pk}:{timezone.localdate()}") is None
    assert page(call, unconditional, 3).status_code == 429


def test_concurrent_first_calls_rebuild_the_counters_once(
    call, population, unconditional, rules, redis_client
):
    from sharing.misuse import count_call

    assert page(call, unconditional, 1).status_code == 200
    redis_client.restart()
    first, second = count_call(population), count_call(population)  # only the first claims the rebuild
    assert (first.used_today, second.used_today) == (2, 3)
    assert (first.rows_today, second.rows_today) == (20, 20)


def test_a_full_page_costs_one_round_trip(call, population, unconditional, rules, redis_client):
    from sharing import counters

    page(call, unconditional, 1)  # the day's first call claims the counters
    counting, cached = CountingRedis(redis_client), counters._redis
    counters._redis = lambda: counting  # type: ignore[assignment]
    try:
        assert page(call, unconditional, 2).status_code == 200
        full = counting.trips
        assert page(call, unconditional, 1, company_name="企业7").status_code == 200
    finally:
        counters._redis = cached
    assert full == 1
    assert counting.trips == 3  # a short page settles what it did not use: a second trip


# --- where the holder, the producer and the authority see it ------------------------------------------


def test_the_grants_page_shows_todays_records_against_the_record_quota(
    client, applicant, call, population, unconditional, rules
):
    from tests.sharing.test_rate_limit_headers import grant_card

    Grant.objects.filter(pk=population.pk).update(daily_row_quota=1000)
    page(call, unconditional, 1, size=30)
    client.force_login(applicant)
    html = client.get("/sharing/grants/").content.decode()
    assert grant_card(html, "grant-rows-today") == "30 / 1,000 条（每日记录配额，剩余 970 条）"
    assert 'aria-valuenow="3"' in html
