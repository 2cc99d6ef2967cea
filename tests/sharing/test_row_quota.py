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


class Pages:
    """One filter set's pages as a client reads them: each ``next()`` asks for the page after the last
    one served, following its ``next`` link (a refused page is asked for again)."""

    def __init__(self, call, resource, size=20, **filters) -> None:
        self.call, self.following, self.params = call, url(resource), {"page_size": size, **filters}

    def next(self):
        response = self.call(self.following, **self.params)
        if response.status_code == 200 and response.json()["next"]:
            # The link carries the size, the filters and the cursor: it is followed as it is.
            self.following, self.params = response.json()["next"], {}
        return response

    def take(self, count: int) -> list:
        return [self.next() for _ in range(count)]


def rows_today(api_as, applicant) -> dict:
    return api_as(applicant).get("/api/v1/sharing/grants/").json()["results"][0]["limits"]


def crawler_alerts(reviewer):
    return Notification.objects.filter(recipient=reviewer, title__startswith="疑似爬虫")


def test_the_daily_record_quota_refuses_until_midnight_and_alerts_the_authority_once(
    call, population, unconditional, reviewer, rules
):
    rules(DAILY_ROWS=100)
    with time_machine.travel(FROZEN, tick=False):
        answers = Pages(call, unconditional).take(7)
    assert [a.status_code for a in answers] == [200] * 5 + [429, 429]
    assert int(answers[5]["Retry-After"]) == TO_MIDNIGHT
    assert answers[5].json()["code"] == "throttled" and "记录配额" in answers[5].json()["detail"]
    assert crawler_alerts(reviewer).count() == 1
    assert crawler_alerts(reviewer).get().body == "今日已返回 100 条记录，每日 100 条的记录配额已用完"
    event = AuditEvent.objects.get(action="grant.crawler_alert")
    assert event.detail["sign"] == "row_quota" and event.outcome == "denied"


def test_the_grants_own_record_quota_applies(call, population, unconditional, rules):
    Grant.objects.filter(pk=population.pk).update(daily_row_quota=40)
    codes = [a.status_code for a in Pages(call, unconditional).take(3)]
    assert codes == [200, 200, 429]


def test_a_record_quota_used_up_does_not_suspend_the_grant(call, population, unconditional, rules):
    rules(DAILY_ROWS=20, AUTO_SUSPEND=True)
    assert [a.status_code for a in Pages(call, unconditional).take(2)] == [200, 429]
    population.refresh_from_db()
    assert population.status == "active"  # the quota stops it until midnight; the authority decides


def test_a_list_page_counts_the_records_it_returns_and_a_lookup_one_or_none(
    api_as, applicant, call, population, unconditional, rules
):
    Pages(call, unconditional, size=50).next()
    Pages(call, unconditional, size=50, company_name="企业7").next()  # one record matches
    call(url(unconditional, company(3)["credit_code"]))
    call(url(unconditional, "no-such-key"))
    limits = rows_today(api_as, applicant)
    assert (limits["rows_today"], limits["rows_remaining_today"]) == (52, 10000 - 52)


def test_a_page_that_matches_nothing_costs_no_records(
    api_as, applicant, call, population, unconditional, rules
):
    empty = Pages(call, unconditional, size=50, company_name="无此企业").next()
    assert empty.status_code == 200 and empty.json() == {"next": None, "results": []}
    assert rows_today(api_as, applicant)["rows_today"] == 0


def test_paging_through_one_filter_set_is_refused_beyond_the_walk(
    api_as, applicant, call, population, unconditional, reviewer, rules
):
    rules(PAGE_WALK=3)
    answers = Pages(call, unconditional, size=5).take(4)
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert 0 < int(answers[3]["Retry-After"]) <= 600
    assert crawler_alerts(reviewer).get().body == "10 分钟内按同一组筛选条件翻阅了 4 页"
    # Another filter set is a query of its own; the refused page returned nothing and counts nothing.
    assert Pages(call, unconditional, size=5, company_name="企业1").next().status_code == 200
    assert rows_today(api_as, applicant)["rows_today"] == 15 + 1


def test_with_auto_suspend_a_page_walker_loses_its_grant(call, population, unconditional, rules):
    rules(PAGE_WALK=3, AUTO_SUSPEND=True)
    walker = Pages(call, unconditional, size=5)
    walker.take(4)
    population.refresh_from_db()
    assert population.status == "suspended" and "自动暂停" in population.status_reason
    assert walker.next().json()["code"] == "grant_suspended"


def test_taking_half_the_table_in_a_day_is_refused(call, population, unconditional, reviewer, rules):
    rules(PAGE_WALK=1000)  # no other sign: only the share of the table taken
    codes = [a.status_code for a in Pages(call, unconditional, size=50).take(4)]
    assert codes == [200, 200, 200, 429]  # 150 of 300 returned: half the table
    assert crawler_alerts(reviewer).get().body == "今日已返回 150 条记录，该资源共 300 条"
    assert AuditEvent.objects.get(action="grant.crawler_alert").detail["sign"] == "whole_table"


def test_a_grant_given_its_own_record_quota_may_take_the_table(call, population, unconditional, rules):
    rules(PAGE_WALK=1000)
    Grant.objects.filter(pk=population.pk).update(daily_row_quota=400)
    assert {a.status_code for a in Pages(call, unconditional, size=50).take(6)} == {200}


def test_a_normal_user_paging_below_the_thresholds_is_served(
    call, population, unconditional, reviewer, rules
):
    codes = [a.status_code for a in Pages(call, unconditional, size=10).take(5)]
    codes += [Pages(call, unconditional, size=10, company_name="企业5").next().status_code]
    codes += [call(url(unconditional, company(n)["credit_code"])).status_code for n in (5, 50, 150)]
    assert set(codes) == {200}
    assert not crawler_alerts(reviewer).exists()


def test_the_record_quota_starts_again_the_next_day(call, population, unconditional, rules):
    rules(DAILY_ROWS=40)
    pages = Pages(call, unconditional)
    with time_machine.travel(FROZEN, tick=False):
        assert [a.status_code for a in pages.take(3)] == [200, 200, 429]
    with time_machine.travel(FROZEN + dt.timedelta(seconds=TO_MIDNIGHT), tick=False):
        assert pages.next().status_code == 200  # the third page, refused yesterday


def test_the_quotas_survive_the_loss_of_the_counters(call, population, unconditional, rules):
    """Redis restarted: the day's counters are rebuilt from the audit events of today's calls."""
    rules(DAILY_ROWS=60)
    Grant.objects.filter(pk=population.pk).update(daily_quota=4)
    pages = Pages(call, unconditional)
    with time_machine.travel(FROZEN, tick=False):
        assert [a.status_code for a in pages.take(3)] == [200, 200, 200]
        cache.clear()
        assert pages.next().status_code == 429  # 60 records returned before the loss
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
    pages = Pages(call, unconditional)
    assert [a.status_code for a in pages.take(2)] == [200, 200]
    redis_client.restart()
    assert redis_client.get(f"dp:rows:{population.pk}:{timezone.localdate()}") is None
    assert pages.next().status_code == 429


def test_concurrent_first_calls_rebuild_the_counters_once(
    call, population, unconditional, rules, redis_client
):
    from sharing.misuse import count_call

    assert Pages(call, unconditional).next().status_code == 200
    redis_client.restart()
    first, second = count_call(population), count_call(population)  # only the first claims the rebuild
    assert (first.used_today, second.used_today) == (2, 3)
    assert (first.rows_today, second.rows_today) == (20, 20)


def test_a_full_page_costs_one_round_trip(call, population, unconditional, rules, redis_client):
    from sharing import counters

    pages = Pages(call, unconditional)
    pages.next()  # the day's first call claims the counters
    counting, cached = CountingRedis(redis_client), counters._redis
    counters._redis = lambda: counting  # type: ignore[assignment]
    try:
        assert pages.next().status_code == 200
        full = counting.trips
        assert Pages(call, unconditional, company_name="企业7").next().status_code == 200
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
    Pages(call, unconditional, size=30).next()
    client.force_login(applicant)
    html = client.get("/sharing/grants/").content.decode()
    assert grant_card(html, "grant-rows-today") == "30 / 1,000 条（每日记录配额，剩余 970 条）"
    assert 'aria-valuenow="3"' in html
