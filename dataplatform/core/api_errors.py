from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import ApplicationError


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """Map the service layer's errors once, so views never translate them by hand."""
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, ApplicationError):
        # A rule that says "not you" (extra code "forbidden") is a 403; any other rule is a 400.
        status = 403 if exc.extra.get("code") == "forbidden" else 400
        return Response({"detail": exc.message, **exc.extra}, status=status)
    return drf_exception_handler(exc, context)
