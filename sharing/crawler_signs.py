"""The signs of a crawler watched after a data call has read (Q5.3): keys walked in sequence, an unusual
share of lookups that found nothing, a day's volume far above the grant's history. Each alerts the
authority once a day (sharing.misuse.alert).

A key lookup's key was put with the grant's latest keys, and the day's misses read, in the round trip
that counted the call (sharing.misuse.count_call): a lookup that found its record needs no trip here.
One that found nothing settles the record it reserved and counts the miss in one; so does a list page
that was not full.
"""

import datetime as dt
import re

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_noop

from .counters import Batch
from .misuse import DAY_TTL, Limits, alert, day_key, misses_key, rows_key
from .models import Grant


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


def _run(latest: list[str]) -> int:
    """How many steps in sequence the latest keys (latest first) end with."""
    run = 0
    for newer, older in zip(latest, latest[1:], strict=False):
        if not _sequential(older, newer):
            break
        run += 1
    return run


def observe(
    grant: Grant,
    *,
    client,
    limits: Limits,
    rows: int,
    found: bool = True,
    now: dt.datetime | None = None,
) -> None:
    """Settle the ``rows`` one answered call returned and watch it for the signs of a crawler: a key
    lookup (``limits.key``) that ``found`` its record or not."""
    rules = settings.DATA_API
    key = limits.key
    now = now or timezone.now()
    today = limits.day or timezone.localdate(now)
    batch = Batch()
    if key is not None and not found:
        batch.add(misses_key(grant.pk, today), 1, DAY_TTL)
    if rows != limits.reserved:
        batch.add(rows_key(grant.pk, today), rows - limits.reserved, DAY_TTL)
    answers = batch.run()
    calls = limits.used_today
    if key is not None:
        misses = answers[0] if not found else limits.misses
        run = _run(list(limits.latest_keys))
        if run >= rules["SEQUENTIAL_RUN"]:
            what = gettext_noop("%(run)s keys walked in sequence")
            alert(grant, client, "sequential", what, {"run": run}, today)
        if calls >= rules["MISS_MIN_CALLS"] and misses / calls > rules["MISS_SHARE"]:
            what = gettext_noop("%(misses)s of %(calls)s lookups today found nothing")
            alert(grant, client, "misses", what, {"misses": misses, "calls": calls}, today)
    if calls >= rules["VOLUME_MIN"] and calls % 100 == 0:
        past = Batch()
        for n in range(1, 8):
            past.add(day_key(grant.pk, today - dt.timedelta(days=n)), 0, DAY_TTL)
        average = sum(past.run()) / 7
        if calls > rules["VOLUME_FACTOR"] * max(average, 1):
            what = gettext_noop("%(calls)s calls today against a daily average of %(average)s")
            alert(grant, client, "volume", what, {"calls": calls, "average": round(average)}, today)
