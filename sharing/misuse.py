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
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

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


def _minute_key(grant_id: int, now: dt.datetime) -> str:
    return f"dp:rate:{grant_id}:{int(now.timestamp() // 60)}"


def _day_key(grant_id: int, day: dt.date) -> str:
    return f"dp:calls:{grant_id}:{day}"


def count_call(grant: Grant, now: dt.datetime | None = None) -> Limits:
    """Count one call against the grant's limits (one Redis round trip) and say where it stands."""
    now = now or timezone.now()
    in_minute, in_day = _bump(
        [(_minute_key(grant.pk, now), 1, 120), (_day_key(grant.pk, timezone.localdate(now)), 1, DAY_TTL)]
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
        raise Throttled(_("Too many calls this minute for this grant."), retry_after=60 - now.second)
    if limits.used_today > limits.quota:
        today = timezone.localdate(now)
        midnight = timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=1), dt.time()))
        raise Throttled(
            _("The daily quota of this grant is used up."),
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
    return {pk: usage.today for pk, usage in grant_usage(grants).items()}


def grant_limits(grant: Grant) -> tuple[int, int]:
    """The grant's rate per minute and daily quota: its own, or the platform's defaults."""
    return _limit(grant, "rate_per_minute", "RATE_PER_MINUTE"), _limit(grant, "daily_quota", "DAILY_QUOTA")


@dataclass(frozen=True)
class Usage:
    """Where a grant stands now against its limits, as the grants page shows it."""

    rate: int
    this_minute: int
    quota: int
    today: int

    @property
    def left_today(self) -> int:
        return max(0, self.quota - self.today)

    @property
    def percent_today(self) -> int:
        return min(100, round(100 * self.today / self.quota)) if self.quota else 100


def grant_usage(grants: list[Grant], now: dt.datetime | None = None) -> dict[int, Usage]:
    """Each grant's calls this minute and today against its rate and quota, read from the counters the
    data calls move (count_call): one cache read for them all, nothing added to a call."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    keys = [key for g in grants for key in (_minute_key(g.pk, now), _day_key(g.pk, today))]
    if not keys:
        return {}
    client = _redis()
    if client is None:
        found = cache.get_many(keys)
        values = [int(found.get(key) or 0) for key in keys]
    else:
        values = [int(value or 0) for value in client.mget(keys)]
    usage = {}
    for n, grant in enumerate(grants):
        rate, quota = grant_limits(grant)
        usage[grant.pk] = Usage(rate=rate, this_minute=values[2 * n], quota=quota, today=values[2 * n + 1])
    return usage


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
            _alert(
                grant,
                client,
                "sequential",
                gettext_noop("%(run)s keys walked in sequence"),
                {"run": run},
                today,
            )
        if calls >= rules["MISS_MIN_CALLS"] and misses / calls > rules["MISS_SHARE"]:
            what = gettext_noop("%(misses)s of %(calls)s lookups today found nothing")
            _alert(grant, client, "misses", what, {"misses": misses, "calls": calls}, today)
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
                gettext_noop("%(calls)s calls today against a daily average of %(average)s"),
                {"calls": calls, "average": round(average)},
                today,
            )


def _alert(grant: Grant, client, sign: str, what: str, params: dict, today: dt.date) -> None:
    """``what`` is an English message with its ``params``: the audit event keeps it in English; the
    suspension's reason, read by people, is written in the platform's language."""
    if not cache.add(f"dp:alerted:{grant.pk}:{sign}:{today}", 1, 2 * 86400):
        return  # once a day per sign
    with translation.override(settings.LANGUAGE_CODE):
        said = _(what) % params
        reason = _("Suspended automatically: %(what)s") % {"what": said}
    what = what % params

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
            title=gettext_noop("Suspected crawler-like calls: %(unit)s · %(resource)s"),
            params={"unit": grant.unit, "resource": grant.resource.name},
            body=said,
            url="/sharing/grants/",
        )
    if settings.DATA_API["AUTO_SUSPEND"]:
        grant_change(actor=None, grant=grant, move="suspend", reason=reason)
