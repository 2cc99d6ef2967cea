class ApplicationError(Exception):
    """A business rule said no. The API answers 400 with ``message`` (and ``extra``); pages show it."""

    def __init__(self, message: str, *, extra: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}
