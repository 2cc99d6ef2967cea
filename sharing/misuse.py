"""Misuse control for the data service interface (Q5.3: no crawlers, no automatic query tools).

Per-grant counters live in the cache (Redis in production): a rate per minute and a quota per day,
answered with 429 and Retry-After; and three signs of crawler-like use — keys walked in sequence, an
unusual share of misses, a day's volume far above the grant's history — which alert the authority
once a day per sign and, if settings.DATA_API["AUTO_SUSPEND"], suspend the grant.
"""

import datetime as dt
import functools
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from audit.models import Outcome
from audit.services import audit_record
from dataplatform.core.audit_actions import AuditAction
from dataplatform.core.errors import Throttled
from dataplatform.core.notifications import notify
from dataplatform.core.people import reviewers_of

from .models import Grant

DAY_TTL = 9 * 86400  # daily counters are kept for the week of history the volume check reads


def _limit(grant: Grant, field: str, setting: str) -> int:
    return getattr(grant, field) or settings.DATA_API[setting]


@functools.cache
def _redis():
    """A Redis client when the cache is Redis: the counters then cost one round trip per step
    (a pipeline) instead of one per counter. None otherwise (the embedded demo, the tests)."""
    config = settings.CACHES["default"]
    if config["BACKEND"] != "django.core.cache.backends.redis.RedisCache":
        return None
    import redis

    return redis.Redis.from_url(config["LOCATION"])


def _bump(counters: list[tuple[str, int, int]]) -> list[int]:
    """Add to counters given as (key, amount, ttl) and return their new values; amount 0 reads one."""
    client = _redis()
    if client is None:
        values = []
        for key, amount, ttl in counters:
            cache.add(key, 0, ttl)
            values.append(cache.incr(key, amount) if amount else cache.get(key, 0))
        return values
    pipe = client.pipeline(transaction=False)
    for key, amount, ttl in counters:
        pipe.incrby(key, amount)
        pipe.expire(key, ttl, nx=True)
    return pipe.execute()[0::2]


def _swap(key: str, value: str, ttl: int) -> str | None:
    """Store ``value`` and return what was there."""
    client = _redis()
    if client is None:
        previous = cache.get(key)
        cache.set(key, value, ttl)
        return previous
    previous = client.set(key, value, ex=ttl, get=True)
    return previous.decode() if previous is not None else None


def _reset(key: str, ttl: int) -> None:
    client = _redis()
    if client is None:
        cache.set(key, 0, ttl)
    else:
        client.set(key, 0, ex=ttl)


@dataclass(frozen=True)
class Limits:
    """Where a grant stands after a counted call: its rate per minute and its daily quota, and how much
    of each is used. ``headers()`` are the RateLimit fields of draft-ietf-httpapi-ratelimit-headers-06,
    which describe the per-minute rate (the window a client must pace itself by); RateLimit-Policy
    names both windows."""

    rate: int
    used_this_minute: int
    reset: int  # seconds until the minute's counter starts again
    quota: int
    used_today: int

    @property
    def remaining(self) -> int:
        return max(0, self.rate - self.used_this_minute)

    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.rate),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset),
            # The day is the calendar day in China Standard Time; 86400 seconds is its length.
            "RateLimit-Policy": f"{self.rate};w=60, {self.quota};w=86400",
        }


def count_call(grant: Grant, now: dt.datetime | None = None) -> Limits:
    """Count one call against the grant's limits (one Redis round trip) and say where it stands."""
    now = now or timezone.now()
    minute = int(now.timestamp() // 60)
    in_minute, in_day = _bump(
        [
            (f"dp:rate:{grant.pk}:{minute}", 1, 120),
            (f"dp:calls:{grant.pk}:{timezone.localdate(now)}", 1, DAY_TTL),
        ]
    )
    return Limits(
        rate=_limit(grant, "rate_per_minute", "RATE_PER_MINUTE"),
        used_this_minute=in_minute,
        reset=60 - now.second,
        quota=_limit(grant, "daily_quota", "DAILY_QUOTA"),
        used_today=in_day,
    )


def enforce(limits: Limits, now: dt.datetime | None = None) -> None:
    """Throttled (429 with Retry-After) when the counted call went over the rate or the quota."""
    now = now or timezone.now()
    if limits.used_this_minute > limits.rate:
        raise Throttled("Too many calls this minute for this grant.", retry_after=60 - now.second)
    if limits.used_today > limits.quota:
        today = timezone.localdate(now)
        midnight = timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=1), dt.time()))
        raise Throttled(
            "The daily quota of this grant is used up.",
            retry_after=int((midnight - now).total_seconds()) + 1,
        )


def throttle(grant: Grant, now: dt.datetime | None = None) -> int:
    """Count one call against the grant's limits; Throttled when over either. Returns the day's calls."""
    now = now or timezone.now()
    limits = count_call(grant, now)
    enforce(limits, now)
    return limits.used_today


def grant_usage_today(grants: list[Grant]) -> dict[int, int]:
    """Each grant's calls today (one cache read for them all): what the grants API shows an applicant."""
    today = timezone.localdate()
    keys = {grant.pk: f"dp:calls:{grant.pk}:{today}" for grant in grants}
    if not keys:
        return {}
    client = _redis()
    if client is None:
        found = cache.get_many(list(keys.values()))
        return {pk: int(found.get(key) or 0) for pk, key in keys.items()}
    values = client.mget(list(keys.values()))
    return {pk: int(value or 0) for pk, value in zip(keys, values, strict=True)}


def grant_limits(grant: Grant) -> tuple[int, int]:
    """The grant's rate per minute and daily quota: its own, or the platform's defaults."""
    return _limit(grant, "rate_per_minute", "RATE_PER_MINUTE"), _limit(grant, "daily_quota", "DAILY_QUOTA")


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
    grant: Grant,
    *,
    client,
    calls: int,
    key: str | None = None,
    found: bool = True,
    now: dt.datetime | None = None,
) -> None:
    """Watch one answered call (the day's ``calls`` so far, from throttle) for the signs of a crawler."""
    rules = settings.DATA_API
    now = now or timezone.now()
    today = timezone.localdate(now)
    if key is not None:
        previous = _swap(f"dp:last:{grant.pk}", key, DAY_TTL)
        run_key, miss_key = f"dp:run:{grant.pk}", f"dp:miss:{grant.pk}:{today}"
        if _sequential(previous, key):
            run, misses = _bump([(run_key, 1, DAY_TTL), (miss_key, 0 if found else 1, DAY_TTL)])
        else:
            _reset(run_key, DAY_TTL)
            run, (misses,) = 0, _bump([(miss_key, 0 if found else 1, DAY_TTL)])
        if run >= rules["SEQUENTIAL_RUN"]:
            _alert(grant, client, "sequential", f"{run} keys walked in sequence", today)
        if calls >= rules["MISS_MIN_CALLS"] and misses / calls > rules["MISS_SHARE"]:
            _alert(grant, client, "misses", f"{misses} of {calls} lookups today found nothing", today)
    if calls >= rules["VOLUME_MIN"] and calls % 100 == 0:
        past = _bump(
            [(f"dp:calls:{grant.pk}:{today - dt.timedelta(days=n)}", 0, DAY_TTL) for n in range(1, 8)]
        )
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
    from .workflow import city_region

    with transaction.atomic():
        audit_record(
            action=AuditAction.GRANT_CRAWLER_ALERT,
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
