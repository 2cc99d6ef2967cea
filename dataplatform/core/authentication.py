from dataclasses import dataclass

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
    roles = frozenset()

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


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """``Authorization: Api-Key <prefix>.<secret>``; a bad, revoked or expired key gets 401."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        keyword, _, key = header.partition(" ")
        if keyword != KEYWORD:
            return None
        if not key.strip():
            raise exceptions.AuthenticationFailed("No API key was given after 'Api-Key'.")
        try:
            api_key = api_key_authenticate(key.strip())
        except KeyRejected as exc:
            raise exceptions.AuthenticationFailed(str(exc)) from exc
        return ApiClient(api_key=api_key), api_key

    def authenticate_header(self, request) -> str:
        return KEYWORD
