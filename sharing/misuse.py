"""Misuse control for the data service interface (Q5.3: no crawlers, no automatic query tools).

Per-grant counters live in the cache (Redis in production): a rate per minute and a quota per day,
answered with 429 and Retry-After; and three signs of crawler-like use — keys walked in sequence, an
unusual share of misses, a day's volume far above the grant's history — which alert the authority
once a day per sign and, if settings.DATA_API["AUTO_SUSPEND"], suspend the grant.
"""

import datetime as dt
import re

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from audit.models import Outcome
from audit.services import audit_record
from dataplatform.core.notifications import notify

from .models import Grant

DAY_TTL = 9 * 86400  # daily counters are kept for the week of history the volume check reads


class Throttled(Exception):
    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


def _limit(grant: Grant, field: str, setting: str) -> int:
    return getattr(grant, field) or settings.DATA_API[setting]


def _count(key: str, ttl: int) -> int:
    cache.add(key, 0, ttl)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, ttl)
        return 1


def throttle(grant: Grant, now: dt.datetime | None = None) -> None:
    """Count one call against the grant's limits; Throttled when over either."""
    now = now or timezone.now()
    minute = int(now.timestamp() // 60)
    if _count(f"dp:rate:{grant.pk}:{minute}", 120) > _limit(grant, "rate_per_minute", "RATE_PER_MINUTE"):
        raise Throttled("Too many calls this minute for this grant.", 60 - now.second)
    today = timezone.localdate(now)
    if _count(f"dp:calls:{grant.pk}:{today}", DAY_TTL) > _limit(grant, "daily_quota", "DAILY_QUOTA"):
        midnight = timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=1), dt.time()))
        raise Throttled(
            "The daily quota of this grant is used up.", int((midnight - now).total_seconds()) + 1
        )


def _digits(key: str) -> int | None:
    digits = re.sub(r"\D", "", key)
    return int(digits) if digits else None


def _sequential(previous: str | None, key: str) -> bool:
    """Walking keys: the next number, or the next one before a check character (ID numbers)."""
    if previous is None or len(previous) != len(key):
        return False
    for a, b in ((previous, key), (previous[:-1], key[:-1])):
        x, y = _digits(a), _digits(b)
        if x is not None and y is not None and abs(y - x) == 1:
            return True
    return False


def observe(
    grant: Grant, *, client, key: str | None = None, found: bool = True, now: dt.datetime | None = None
) -> None:
    """Watch one answered call for the signs of a crawler."""
    rules = settings.DATA_API
    now = now or timezone.now()
    today = timezone.localdate(now)
    calls = cache.get(f"dp:calls:{grant.pk}:{today}", 0)
    if key is not None:
        previous = cache.get(f"dp:last:{grant.pk}")
        cache.set(f"dp:last:{grant.pk}", key, DAY_TTL)
        run_key = f"dp:run:{grant.pk}"
        if _sequential(previous, key):
            run = _count(run_key, DAY_TTL)
        else:
            run = 0
            cache.set(run_key, 0, DAY_TTL)
        if run >= rules["SEQUENTIAL_RUN"]:
            _alert(grant, client, "sequential", f"{run} keys walked in sequence", today)
        miss_key = f"dp:miss:{grant.pk}:{today}"
        misses = cache.get(miss_key, 0) if found else _count(miss_key, DAY_TTL)
        if calls >= rules["MISS_MIN_CALLS"] and misses / calls > rules["MISS_SHARE"]:
            _alert(grant, client, "misses", f"{misses} of {calls} lookups today found nothing", today)
    if calls >= rules["VOLUME_MIN"] and calls % 100 == 0:
        past = [cache.get(f"dp:calls:{grant.pk}:{today - dt.timedelta(days=n)}", 0) for n in range(1, 8)]
        average = sum(past) / 7
        if calls > rules["VOLUME_FACTOR"] * max(average, 1):
            _alert(
                grant,
                client,
                "volume",
                f"{calls} calls today against a daily average of {average:.0f}",
                today,
            )


def _alert(grant: Grant, client, sign: str, what: str, today: dt.date) -> None:
    if not cache.add(f"dp:alerted:{grant.pk}:{sign}:{today}", 1, 2 * 86400):
        return  # once a day per sign
    from .services import grant_change
    from .workflow import city_region, reviewers_of

    with transaction.atomic():
        audit_record(
            action="grant.crawler_alert",
            actor=client,
            target=grant,
            outcome=Outcome.DENIED,
            owner_unit=grant.resource.producer,
            detail={"sign": sign, "what": what},
        )
        notify(
            recipients=reviewers_of(city_region(grant.unit.region)),
            title=f"疑似爬虫式调用：{grant.unit} · {grant.resource.name}",
            body=what,
            url="/sharing/grants/",
        )
    if settings.DATA_API["AUTO_SUSPEND"]:
        grant_change(actor=None, grant=grant, move="suspend", reason=f"自动暂停：{what}")
