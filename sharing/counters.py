"""The misuse counters' store: Redis in production, the Django cache otherwise (the embedded demo, the
tests). A ``Batch`` of counter operations costs one round trip on Redis (a pipeline), whatever it holds:
the data call adds its counters to the batch it already sends rather than sending another.
"""

import functools
from typing import Any

from django.conf import settings
from django.core.cache import cache


@functools.cache
def _redis():
    """A Redis client when the cache is Redis; None otherwise."""
    config = settings.CACHES["default"]
    if config["BACKEND"] != "django.core.cache.backends.redis.RedisCache":
        return None
    import redis

    return redis.Redis.from_url(config["LOCATION"])


class Batch:
    """Counter operations sent together; ``run()`` answers each one's result in the order given."""

    def __init__(self) -> None:
        self._ops: list[tuple[str, tuple]] = []

    def add(self, key: str, amount: int, ttl: int) -> "Batch":
        """Add ``amount`` (0 reads it) to a counter that lives ``ttl`` seconds from its first use: its new value."""
        self._ops.append(("add", (key, amount, ttl)))
        return self

    def claim(self, key: str, ttl: int) -> "Batch":
        """Set ``key`` unless it is set (SET NX): True for the one caller that set it."""
        self._ops.append(("claim", (key, ttl)))
        return self

    def push(self, key: str, value: str, keep: int, ttl: int) -> "Batch":
        """Put ``value`` first in a list that keeps the ``keep`` latest: the list, latest first."""
        self._ops.append(("push", (key, value, keep, ttl)))
        return self

    def run(self) -> list[Any]:
        if not self._ops:
            return []
        client = _redis()
        return self._on_cache() if client is None else self._on_redis(client)

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
            else:
                key, value, keep, ttl = args
                picks[-1] += 2  # the answer is the LRANGE's
                pipe.lpush(key, value).ltrim(key, 0, keep - 1).lrange(key, 0, keep - 1).expire(key, ttl)
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
        results: list[Any] = []
        for kind, args in self._ops:
            if kind == "add":
                key, amount, ttl = args
                cache.add(key, 0, ttl)
                results.append(cache.incr(key, amount) if amount else int(cache.get(key, 0)))
            elif kind == "claim":
                key, ttl = args
                results.append(cache.add(key, 1, ttl))
            else:
                key, value, keep, ttl = args
                latest = [value, *cache.get(key, [])][:keep]
                cache.set(key, latest, ttl)
                results.append(latest)
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
