from django.core.exceptions import PermissionDenied
from django.utils.functional import Promise


class ApplicationError(Exception):
    """A business rule said no. The API answers 400 with ``message`` (and ``extra``); pages show it."""

    status = 400

    def __init__(self, message: str | Promise, *, extra: dict | None = None) -> None:
        message = str(message)  # a lazy message, in the language of the request that meets the rule
        super().__init__(message)
        self.message = message
        self.extra = extra or {}

    @property
    def forbids(self) -> bool:
        """The rule says "not you": 403, where other rules say 400."""
        return self.extra.get("code") == "forbidden"

    def raise_if_forbidden(self) -> None:
        """For pages: a person who may see the thing but not change it gets 403, as on the API; other
        refusals are shown on the page."""
        if self.forbids:
            raise PermissionDenied(self.message) from self


class Forbidden(ApplicationError):
    """The rule says "not you": the API and the pages both answer 403. Its ``code`` is ``forbidden``."""

    status = 403

    def __init__(self, message: str | Promise, *, extra: dict | None = None) -> None:
        super().__init__(message, extra={"code": "forbidden", **(extra or {})})


class Throttled(ApplicationError):
    """Over a limit (a rate, a quota): the API answers 429 with Retry-After ``retry_after`` seconds."""

    status = 429

    def __init__(self, message: str | Promise, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
