"""Misuse control for the data service interface (Q5.3: no crawlers, no automatic query tools): the
limits a call is counted against before it reads.

Per-grant counters live in the cache (Redis in production, sharing.counters), all moved in one round trip
before the read: a rate per minute and a quota of calls per day, and — since a grant is no licence to
export the table — a quota of records per day, the share of the resource's records returned today and
the pages of one filter set walked within a window. Over any of them the call gets 429 with Retry-After;
the last three also alert the authority once a day per sign (``alert``), as the signs of a crawler
watched after the read do (sharing.crawler_signs).

The day's counters survive a Redis restart: when they are gone, the first call rebuilds them from the
durable record, the audit events of the grant's calls today (one caller only: a SET NX claim).
"""

import datetime as dt
import hashlib
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

from .counters import Batch, GuardStopped, read_counters
from .models import Grant
from .selectors import grant_use_audited_today

DAY_TTL = 9 * 86400  # daily counters are kept for the week of history the volume check reads


def _limit(grant: Grant, field: str, setting: str) -> int:
    return getattr(grant, field) or settings.DATA_API[setting]


def _minute_key(grant_id: int, now: dt.datetime) -> str:
    return f"dp:rate:{grant_id}:{int(now.timestamp() // 60)}"


def day_key(grant_id: int, day: dt.date) -> str:
    return f"dp:calls:{grant_id}:{day}"


def rows_key(grant_id: int, day: dt.date) -> str:
    return f"dp:rows:{grant_id}:{day}"


def _seeded_key(grant_id: int, day: dt.date) -> str:
    """Set with the day's counters: missing, they are new today or were lost with Redis."""
    return f"dp:seeded:{grant_id}:{day}"


def _walk_key(grant_id: int, walk: str) -> str:
    return f"dp:pages:{grant_id}:{hashlib.sha256(walk.encode()).hexdigest()[:16]}"


def _to_midnight(now: dt.datetime) -> int:
    """Seconds to the next midnight of the platform's day (China Standard Time), when the quotas restart."""
    tomorrow = timezone.localdate(now) + dt.timedelta(days=1)
    return int((timezone.make_aware(dt.datetime.combine(tomorrow, dt.time())) - now).total_seconds()) + 1


@dataclass(frozen=True)
class Limits:
    """Where a grant stands after a counted call: its rate per minute, its daily quotas of calls and of
    records, and how much of each is used. ``headers()`` are the RateLimit fields of
    draft-ietf-httpapi-ratelimit-headers-06, which describe the per-minute rate (the window a client must
    pace itself by); RateLimit-Policy names both windows of calls."""

    rate: int
    used_this_minute: int
    reset: int  # seconds until the minute's counter starts again
    quota: int
    used_today: int
    row_quota: int = 0
    rows_today: int = 0  # records returned by the day's earlier calls
    reserved: int = 0  # records this call may return, counted before it reads (settled after: settle)
    pages: int = 0  # pages of this call's filter set within the page-walk window
    grant_id: int = 0
    day: dt.date | None = None
    # A key lookup's key, put with the grant's latest keys in the same round trip (the crawler watch:
    # sharing.crawler_signs), and the lookups that found nothing today before this one.
    key: str | None = None
    latest_keys: tuple[str, ...] = ()
    misses: int = 0

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


def keys_key(grant_id: int) -> str:
    return f"dp:keys:{grant_id}"


def misses_key(grant_id: int, day: dt.date) -> str:
    return f"dp:miss:{grant_id}:{day}"


def count_call(
    grant: Grant,
    now: dt.datetime | None = None,
    *,
    expect: int = 0,
    walk: str | None = None,
    key: str | None = None,
    lockout=None,
) -> Limits:
    """Count one call against the grant's limits in one round trip and say where it stands. ``expect``
    records are reserved (a list page's size, 1 for a key lookup) and settled after the read, so that a
    full page costs no second trip; ``walk`` is a list call's filter set, for the page-walk watch; ``key``
    a key lookup's key, put with the latest keys for the crawler watch. ``lockout`` is the API-key
    lockout check (dataplatform.core.authentication.KeyLockout), made in the same trip: a locked-out
    call counts nothing."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    batch = (
        Batch()
        .claim(_seeded_key(grant.pk, today), DAY_TTL)
        .add(_minute_key(grant.pk, now), 1, 120)
        .add(day_key(grant.pk, today), 1, DAY_TTL)
        .add(rows_key(grant.pk, today), expect, DAY_TTL)
    )
    if walk is not None:
        batch.add(_walk_key(grant.pk, walk), 1, settings.DATA_API["PAGE_WALK_WINDOW"])
    if key is not None:
        batch.push(keys_key(grant.pk), key, settings.DATA_API["SEQUENTIAL_RUN"] + 1, DAY_TTL)
        batch.add(misses_key(grant.pk, today), 0, DAY_TTL)
    fresh, in_minute, in_day, rows, *watched = _run_guarded(batch, lockout)
    pages = watched[:1] if walk is not None else []
    latest, misses = watched[-2:] if key is not None else ((), 0)
    if fresh:
        in_day, rows = _rebuild(grant, now, today, in_day, rows)
    return Limits(
        rate=_limit(grant, "rate_per_minute", "RATE_PER_MINUTE"),
        used_this_minute=in_minute,
        reset=60 - now.second,
        quota=_limit(grant, "daily_quota", "DAILY_QUOTA"),
        used_today=in_day,
        row_quota=_limit(grant, "daily_row_quota", "DAILY_ROWS"),
        rows_today=rows - expect,
        reserved=expect,
        pages=pages[0] if pages else 0,
        grant_id=grant.pk,
        day=today,
        key=key,
        latest_keys=tuple(latest),
        misses=misses,
    )


def _run_guarded(batch: Batch, lockout) -> list:
    """Run the batch guarded by the lockout's counters, if any. Stopped, the full check is made (429 when
    locked out; the counters rebuilt when they were lost) and, if it passes, the batch runs unguarded."""
    if lockout is None:
        return batch.run()
    try:
        return batch.guard(list(lockout.counters), lockout.mark, lockout.limit).run()
    except GuardStopped:
        lockout.check()
        return batch.guard(None).run()


def _rebuild(grant: Grant, now: dt.datetime, today: dt.date, in_day: int, rows: int) -> tuple[int, int]:
    """The day's counters were missing (the day's first call, or Redis restarted and lost them): add the
    calls and records the audit log holds for today. Only the caller that claimed the seeded mark does,
    so concurrent first calls never add them twice; then counting goes on in Redis."""
    calls, audited_rows = grant_use_audited_today(grant=grant, until=now)
    if not calls and not audited_rows:
        return in_day, rows  # the day's first call: nothing to add, no second trip
    in_day, rows = (
        Batch()
        .add(day_key(grant.pk, today), calls, DAY_TTL)
        .add(rows_key(grant.pk, today), audited_rows, DAY_TTL)
        .run()
    )
    return in_day, rows


def release(counted: list[Limits]) -> None:
    """Give back the records reserved by calls that returned none after all (refused, or failed), and
    take their keys out of the latest: only answered lookups are watched for a walk."""
    batch = Batch()
    for limits in counted:
        if limits.reserved and limits.day is not None:
            batch.add(rows_key(limits.grant_id, limits.day), -limits.reserved, DAY_TTL)
        if limits.key is not None:
            batch.drop(keys_key(limits.grant_id), limits.key, DAY_TTL)
    batch.run()


def enforce(limits: Limits, now: dt.datetime | None = None) -> None:
    """Throttled (429 with Retry-After) when the counted call went over the rate or the quota of calls."""
    now = now or timezone.now()
    if limits.used_this_minute > limits.rate:
        raise Throttled(_("Too many calls this minute for this grant."), retry_after=60 - now.second)
    if limits.used_today > limits.quota:
        raise Throttled(_("The daily quota of this grant is used up."), retry_after=_to_midnight(now))


def enforce_rows(grant: Grant, limits: Limits, *, client, now: dt.datetime | None = None) -> None:
    """Throttled, and the authority alerted, when the grant's calls return the table rather than answers:
    its daily records used up, most of the resource's records returned today, or one filter set paged
    through. A call is refused once the records already returned reach a limit: the call before it may
    cross it by at most one page."""
    rules = settings.DATA_API
    now = now or timezone.now()
    today = timezone.localdate(now)
    rows = limits.rows_today
    if rows >= limits.row_quota:
        what = gettext_noop(
            "%(rows)s records returned today: the daily quota of %(quota)s records is used up"
        )
        alert(
            grant, client, "row_quota", what, {"rows": rows, "quota": limits.row_quota}, today, suspend=False
        )
        raise Throttled(_("The daily record quota of this grant is used up."), retry_after=_to_midnight(now))
    records = grant.resource.record_count
    # A grant given its own record quota has been told how much it may take: the share is not watched.
    if (
        grant.daily_row_quota is None
        and records
        and rows >= max(rules["WHOLE_TABLE_SHARE"] * records, rules["WHOLE_TABLE_MIN_ROWS"])
    ):
        what = gettext_noop("%(rows)s records returned today of the resource's %(records)s")
        alert(grant, client, "whole_table", what, {"rows": rows, "records": records}, today)
        raise Throttled(
            _("This grant has returned most of the resource's records today: no more until tomorrow."),
            retry_after=_to_midnight(now),
        )
    if limits.pages > rules["PAGE_WALK"]:
        minutes = rules["PAGE_WALK_WINDOW"] // 60
        what = gettext_noop("%(pages)s pages of one filter set within %(minutes)s minutes")
        alert(grant, client, "page_walk", what, {"pages": limits.pages, "minutes": minutes}, today)
        raise Throttled(
            _("Too many pages of the same query in a short time: page through it more slowly."),
            retry_after=rules["PAGE_WALK_WINDOW"],
        )


def grant_limits(grant: Grant) -> tuple[int, int]:
    """The grant's rate per minute and daily quota: its own, or the platform's defaults."""
    return _limit(grant, "rate_per_minute", "RATE_PER_MINUTE"), _limit(grant, "daily_quota", "DAILY_QUOTA")


@dataclass(frozen=True)
class Usage:
    """Where a grant stands now against its limits, as the grants page and the grants API show it."""

    rate: int
    this_minute: int
    quota: int
    today: int
    row_quota: int = 0
    rows_today: int = 0

    @property
    def left_today(self) -> int:
        return max(0, self.quota - self.today)

    @property
    def percent_today(self) -> int:
        return min(100, round(100 * self.today / self.quota)) if self.quota else 100

    @property
    def rows_left_today(self) -> int:
        return max(0, self.row_quota - self.rows_today)

    @property
    def rows_percent_today(self) -> int:
        return min(100, round(100 * self.rows_today / self.row_quota)) if self.row_quota else 100


def grant_usage(grants: list[Grant], now: dt.datetime | None = None) -> dict[int, Usage]:
    """Each grant's calls this minute and today, and records today, against its limits, read from the
    counters the data calls move (count_call): one cache read for them all, nothing added to a call."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    keys = [
        key for g in grants for key in (_minute_key(g.pk, now), day_key(g.pk, today), rows_key(g.pk, today))
    ]
    values = read_counters(keys)
    usage = {}
    for n, grant in enumerate(grants):
        rate, quota = grant_limits(grant)
        minute, calls, rows = values[3 * n : 3 * n + 3]
        usage[grant.pk] = Usage(
            rate=rate,
            this_minute=minute,
            quota=quota,
            today=calls,
            row_quota=_limit(grant, "daily_row_quota", "DAILY_ROWS"),
            rows_today=max(0, rows),
        )
    return usage


def alert(
    grant: Grant, client, sign: str, what: str, params: dict, today: dt.date, *, suspend: bool = True
) -> None:
    """Tell the authority's reviewers of a sign of misuse, once a day per sign, and suspend the grant if
    settings.DATA_API["AUTO_SUSPEND"] and the sign ``suspend``s. ``what`` is an English message with its
    ``params``: the audit event keeps it in English; the suspension's reason, read by people, is written
    in the platform's language."""
    if not cache.add(f"dp:alerted:{grant.pk}:{sign}:{today}", 1, 2 * 86400):
        return
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
    if suspend and settings.DATA_API["AUTO_SUSPEND"]:
        grant_change(actor=None, grant=grant, move="suspend", reason=reason)
