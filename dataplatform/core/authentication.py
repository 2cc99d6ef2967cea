import datetime as dt
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from rest_framework import authentication, exceptions

from .apikeys import KeyRejected, api_key_authenticate
from .audit_actions import AuditAction
from .events import Outcome, event_times, record_event
from .models import ApiKey, Unit

KEYWORD = "Api-Key"


@dataclass(frozen=True)
class ApiClient:
    """The caller of an API request made with a key: a unit's information system, not a person."""

    api_key: ApiKey
    # The lockout check this call's own round trip to Redis makes (sharing.calls), when the view asked
    # the authentication to leave it (KeyLockout); None when the authentication made it.
    lockout: "KeyLockout | None" = field(default=None, compare=False, repr=False)

    is_authenticated = True
    is_anonymous = False
    is_staff = False
    is_superuser = False
    roles: ClassVar[frozenset[str]] = frozenset()

    @property
    def unit(self) -> Unit:
        return self.api_key.unit

    @property
    def pk(self) -> None:
        return None

    def has_role(self, *roles: str) -> bool:
        return False

    def __str__(self) -> str:
        return f"{self.unit} · {self.api_key.name}"


class KeyLockedOut(exceptions.Throttled):
    default_detail = gettext_lazy(
        "Too many rejected API keys from this address or for this key: try again later."
    )
    default_code = "api_key_locked_out"


def _failure_counters(request, key: str) -> list[str]:
    """One counter per calling address (the caller's own, behind the proxies: request_context). Not one per
    key prefix: a prefix is no secret (it names the key in logs), so anyone could lock another unit's
    valid key out by sending wrong secrets with its prefix (issue 18, item 5). Guessing a secret is no
    threat to count per key: it has 256 random bits."""
    return [f"api-key-failures:ip:{request.META.get('REMOTE_ADDR', '')}"]


KNOWN_TTL = 86400  # how long an address's counter is trusted before it is checked against the audit log again


def _known_mark(request) -> str:
    """Set once an address's failure counter holds what the audit log holds: gone with the counters
    when Redis restarts, which is when the counter is rebuilt."""
    return f"api-key-failures:known:ip:{request.META.get('REMOTE_ADDR', '')}"


def _check_lockout(request, counters: list[str]) -> None:
    # One round trip for the counters and the mark: this runs before every call made with a key.
    mark = _known_mark(request)
    found = cache.get_many([*counters, mark])
    if mark not in found:
        _rebuild(request, counters, mark)
        found = cache.get_many(counters)
    if any(count >= settings.API_KEY_FAILURE_LIMIT for key, count in found.items() if key != mark):
        raise KeyLockedOut(wait=settings.API_KEY_LOCKOUT_SECONDS)


@dataclass(frozen=True)
class KeyLockout:
    """The lockout check of a call made with a valid key, left to the view: a data call reads these
    counters in the one round trip that counts it against its grant (sharing.counters.Batch.guard), and
    calls ``check()`` — the full check, counters rebuilt if lost — when that read stopped it or the call
    ends before it (a refusal)."""

    request: Any
    counters: tuple[str, ...]

    @property
    def mark(self) -> str:
        return _known_mark(self.request)

    @property
    def limit(self) -> int:
        return settings.API_KEY_FAILURE_LIMIT

    def check(self) -> None:
        _check_lockout(self.request, list(self.counters))


def _rebuild(request, counters: list[str], mark: str) -> None:
    """The lockout survives a restart of Redis: the address's rejected keys within the window are read
    back from the audit log (each is audited: _count_failure) into its counter, by one caller only (add
    is SET NX), for what is left of the window."""
    address = request.META.get("REMOTE_ADDR", "")
    if address:
        window = dt.timedelta(seconds=settings.API_KEY_LOCKOUT_SECONDS)
        times = event_times(
            action=AuditAction.API_KEY_REJECT, client_ip=address, since=timezone.now() - window
        )
        if times:
            left = int((times[0] + window - timezone.now()).total_seconds())
            for counter in counters:
                cache.add(counter, len(times), timeout=max(1, left))
    cache.add(mark, 1, timeout=KNOWN_TTL)


def _count_failure(request, counters: list[str], rejected: KeyRejected) -> None:
    # Audited first: the record the counter is rebuilt from after a restart (and Q8.4 wants it anyway).
    record_event(
        action=AuditAction.API_KEY_REJECT,
        outcome=Outcome.DENIED,
        request=getattr(request, "_request", request),  # Django's request: DRF's would authenticate again
        detail={"reason": str(rejected)},
    )
    for counter in counters:
        # add() starts the window at the first failure; incr() keeps it (the timeout is not renewed).
        cache.add(counter, 0, timeout=settings.API_KEY_LOCKOUT_SECONDS)
        try:
            cache.incr(counter)
        except ValueError:  # expired between add() and incr()
            cache.add(counter, 1, timeout=settings.API_KEY_LOCKOUT_SECONDS)


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """``Authorization: Api-Key <prefix>.<secret>``; a bad, revoked or expired key gets 401, and after
    API_KEY_FAILURE_LIMIT of them from one address every call with a key from there gets 429 for a while.

    A view with ``key_lockout_in_call`` makes the lockout check itself, for a valid key (``KeyLockout``):
    the data calls, which fold it into the round trip that counts them."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        keyword, _, key = header.partition(" ")
        if keyword != KEYWORD:
            return None
        key = key.strip()
        if not key:
            raise exceptions.AuthenticationFailed(gettext("No API key was given after 'Api-Key'."))
        counters = _failure_counters(request, key)
        view = (getattr(request, "parser_context", None) or {}).get("view")
        deferred = getattr(view, "key_lockout_in_call", False)
        if not deferred:
            _check_lockout(request, counters)
        try:
            api_key = api_key_authenticate(key)
        except KeyRejected as exc:
            if deferred:
                _check_lockout(request, counters)  # a locked-out address gets 429, not 401
            _count_failure(request, counters, exc)
            raise exceptions.AuthenticationFailed(str(exc)) from exc
        lockout = KeyLockout(request, tuple(counters)) if deferred else None
        return ApiClient(api_key=api_key, lockout=lockout), api_key

    def authenticate_header(self, request) -> str:
        return KEYWORD
