from dataclasses import dataclass
from typing import ClassVar

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext, gettext_lazy
from rest_framework import authentication, exceptions

from .apikeys import KeyRejected, api_key_authenticate
from .models import ApiKey, Unit

KEYWORD = "Api-Key"


@dataclass(frozen=True)
class ApiClient:
    """The caller of an API request made with a key: a unit's information system, not a person."""

    api_key: ApiKey

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


def _check_lockout(counters: list[str]) -> None:
    # One round trip for both counters: this runs before every call made with a key.
    if any(count >= settings.API_KEY_FAILURE_LIMIT for count in cache.get_many(counters).values()):
        raise KeyLockedOut(wait=settings.API_KEY_LOCKOUT_SECONDS)


def _count_failure(counters: list[str]) -> None:
    for counter in counters:
        # add() starts the window at the first failure; incr() keeps it (the timeout is not renewed).
        cache.add(counter, 0, timeout=settings.API_KEY_LOCKOUT_SECONDS)
        try:
            cache.incr(counter)
        except ValueError:  # expired between add() and incr()
            cache.add(counter, 1, timeout=settings.API_KEY_LOCKOUT_SECONDS)


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """``Authorization: Api-Key <prefix>.<secret>``; a bad, revoked or expired key gets 401, and after
    API_KEY_FAILURE_LIMIT of them from one address every call with a key from there gets 429 for a while."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        keyword, _, key = header.partition(" ")
        if keyword != KEYWORD:
            return None
        key = key.strip()
        if not key:
            raise exceptions.AuthenticationFailed(gettext("No API key was given after 'Api-Key'."))
        counters = _failure_counters(request, key)
        _check_lockout(counters)
        try:
            api_key = api_key_authenticate(key)
        except KeyRejected as exc:
            _count_failure(counters)
            raise exceptions.AuthenticationFailed(str(exc)) from exc
        return ApiClient(api_key=api_key), api_key

    def authenticate_header(self, request) -> str:
        return KEYWORD
