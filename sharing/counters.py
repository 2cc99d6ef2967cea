"""The misuse counters' store: Redis in production, the Django cache otherwise (the embedded demo, the
tests). A ``Batch`` of counter operations costs one round trip on Redis (a pipeline), whatever it holds:
the data call adds its counters to the batch it already sends rather than sending another.

A batch may be ``guard``ed by counters of the Django cache (the API-key lockout's): then it runs as one
Lua script that reads them first and does nothing if one is at its limit or they are not known, so that
a call checks the lockout and counts itself against its grant in one round trip, and a locked-out call
counts nothing.
"""

import functools
from typing import Any

from django.conf import settings
from django.core.cache import cache

# KEYS: the guard's counters, its mark, then each operation's key. ARGV: the guard's limit, how many keys
# the guard has, then each operation's kind and arguments. Answers {0, answer...}, or {1} when the guard
# stopped it (a counter at its limit, or the mark missing: the counters may have been lost).
GUARDED_BATCH = """
local limit, guarded = tonumber(ARGV[1]), tonumber(ARGV[2])
for i = 1, guarded do
  local value = redis.call('GET', KEYS[i])
  if (i == guarded and not value) or (i < guarded and tonumber(value or '0') >= limit) then
    return {1}
  end
end
local out, a = {0}, 3
for k = guarded + 1, #KEYS do
  local key, kind = KEYS[k], ARGV[a]
  if kind == 'add' then
    out[#out + 1] = redis.call('INCRBY', key, ARGV[a + 1])
    redis.call('EXPIRE', key, ARGV[a + 2], 'NX')
    a = a + 3
  elseif kind == 'claim' then
    out[#out + 1] = redis.call('SET', key, 1, 'EX', ARGV[a + 1], 'NX') and 1 or 0
    a = a + 2
  elseif kind == 'push' then
    redis.call('LPUSH', key, ARGV[a + 1])
    redis.call('LTRIM', key, 0, ARGV[a + 2])
    out[#out + 1] = redis.call('LRANGE', key, 0, ARGV[a + 2] - 1)
    redis.call('EXPIRE', key, ARGV[a + 3])
    a = a + 4
  else
    out[#out + 1] = redis.call('LREM', key, 1, ARGV[a + 1])
    a = a + 3
  end
end
return out
"""


class GuardStopped(Exception):
    """A guarded batch did nothing: a guard counter is at its limit, or the counters are not known."""


@functools.cache
def _redis():
    """A Redis client when the cache is Redis; None otherwise."""
    config = settings.CACHES["default"]
    if config["BACKEND"] != "django.core.cache.backends.redis.RedisCache":
        return None
    import redis

    return redis.Redis.from_url(config["LOCATION"])


@functools.cache
def _guarded_batch(client):
    return client.register_script(GUARDED_BATCH)


class Batch:
    """Counter operations sent together; ``run()`` answers each one's result in the order given."""

    def __init__(self) -> None:
        self._ops: list[tuple[str, tuple]] = []
        self._guard: tuple[list[str], str, int] | None = None

    def guard(self, counters: list[str] | None, mark: str = "", limit: int = 0) -> "Batch":
        """Do nothing, and raise GuardStopped, if one of ``counters`` (keys of the Django cache) is at
        ``limit`` or ``mark`` is not set. ``guard(None)`` takes the guard away."""
        self._guard = None if counters is None else (counters, mark, limit)
        return self

    def add(self, key: str, amount: int, ttl: int) -> "Batch":
        """Add ``amount`` (0 reads it) to a counter that lives ``ttl`` seconds from its first use: its new value."""
        self._ops.append(("add", (key, amount, ttl)))
        return self

    def claim(self, key: str, ttl: int) -> "Batch":
        """Set ``key`` unless it is set (SET NX): True for the one caller that set it."""
        self._ops.append(("claim", (key, ttl)))
        return self

    def push(self, key: str, value: str, keep: int, ttl: int) -> "Batch":
        """Put ``value`` first in a list: its ``keep`` latest, latest first. One more is kept, so that a
        value taken back (``drop``) leaves ``keep`` all the same."""
        self._ops.append(("push", (key, value, keep, ttl)))
        return self

    def drop(self, key: str, value: str, ttl: int) -> "Batch":
        """Take the latest ``value`` out of a ``push``ed list (``ttl``: the list's, for the Django cache)."""
        self._ops.append(("drop", (key, value, ttl)))
        return self

    def run(self) -> list[Any]:
        if not self._ops:
            return []
        client = _redis()
        if client is None:
            return self._on_cache()
        return self._on_redis(client) if self._guard is None else self._guarded_on_redis(client)

    def _guarded_on_redis(self, client) -> list[Any]:
        counters, mark, limit = self._guard  # type: ignore[misc]
        keys = [cache.make_key(key) for key in (*counters, mark)]
        args: list[Any] = [limit, len(keys)]
        for kind, (key, *rest) in self._ops:
            keys.append(key)
            args += [kind, *rest]
        stopped, *answers = _guarded_batch(client)(keys=keys, args=args)
        if stopped:
            raise GuardStopped
        return [
            bool(answer) if kind == "claim" else [v.decode() for v in answer] if kind == "push" else answer
            for (kind, _args), answer in zip(self._ops, answers, strict=True)
        ]

    def _on_redis(self, client) -> list[Any]:
        pipe = client.pipeline(transaction=False)
        picks = []  # where each operation's answer is among the pipeline's
        for kind, args in self._ops:
            picks.append(len(pipe))
            if kind == "add":
                key, amount, ttl = args
                pipe.incrby(key, amount).expire(key, ttl, nx=True)
            elif kind == "claim":
                key, ttl = args
                pipe.set(key, 1, ex=ttl, nx=True)
            elif kind == "push":
                key, value, keep, ttl = args
                picks[-1] += 2  # the answer is the LRANGE's
                pipe.lpush(key, value).ltrim(key, 0, keep).lrange(key, 0, keep - 1).expire(key, ttl)
            else:
                key, value, _ttl = args
                pipe.lrem(key, 1, value)
        answers = pipe.execute()
        results = []
        for (kind, _args), pick in zip(self._ops, picks, strict=True):
            answer = answers[pick]
            if kind == "claim":
                answer = bool(answer)
            elif kind == "push":
                answer = [item.decode() for item in answer]
            results.append(answer)
        return results

    def _on_cache(self) -> list[Any]:
        if self._guard is not None:
            counters, mark, limit = self._guard
            found = cache.get_many([*counters, mark])
            if mark not in found or any(found.get(key, 0) >= limit for key in counters):
                raise GuardStopped
        results: list[Any] = []
        for kind, args in self._ops:
            if kind == "add":
                key, amount, ttl = args
                cache.add(key, 0, ttl)
                results.append(cache.incr(key, amount) if amount else int(cache.get(key, 0)))
            elif kind == "claim":
                key, ttl = args
                results.append(cache.add(key, 1, ttl))
            elif kind == "push":
                key, value, keep, ttl = args
                latest = [value, *cache.get(key, [])][: keep + 1]
                cache.set(key, latest, ttl)
                results.append(latest[:keep])
            else:
                key, value, ttl = args
                latest = cache.get(key, [])
                if value in latest:
                    latest.remove(value)
                    cache.set(key, latest, ttl)
                results.append(1)
        return results


def read_counters(keys: list[str]) -> list[int]:
    """Several counters' values in one read (MGET); a missing one is 0."""
    if not keys:
        return []
    client = _redis()
    if client is None:
        found = cache.get_many(keys)
        return [int(found.get(key) or 0) for key in keys]
    return [int(value or 0) for value in client.mget(keys)]
