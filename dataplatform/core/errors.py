class ApplicationError(Exception):
    """A business rule said no. The API answers 400 with ``message`` (and ``extra``); pages show it."""

    def __init__(self, message: str, *, extra: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}

    @property
    def forbids(self) -> bool:
        """The rule says "not you" (extra code "forbidden"): 403, where other rules say 400."""
        return self.extra.get("code") == "forbidden"

    def raise_if_forbidden(self) -> None:
        """For pages: a person who may see the thing but not change it gets 403, as on the API; other
        refusals are shown on the page."""
        from django.core.exceptions import PermissionDenied

        if self.forbids:
            raise PermissionDenied(self.message) from self
