import logging

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, DataError, IntegrityError, ProgrammingError
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from .errors import ApplicationError, Throttled

logger = logging.getLogger(__name__)


def is_unavailable(exc: Exception) -> bool:
    """The database could not do its part (lost, locked, full, a trigger refused): a 503. Bad data or a bad
    query is a bug in the code, and stays a 500 so that it is seen."""
    return isinstance(exc, DatabaseError) and not isinstance(
        exc, DataError | IntegrityError | ProgrammingError
    )


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """Map the service layer's errors once, so views never translate them by hand."""
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, Throttled):
        # Over a limit: 429 with Retry-After, worded as DRF words its own throttling.
        exc = exceptions.Throttled(wait=exc.retry_after, detail=exc.message)
    elif isinstance(exc, ApplicationError):
        # A rule that says "not you" (Forbidden, whatever its code) is a 403; any other rule is a 400.
        status = 403 if exc.forbids else exc.status
        return Response({"detail": exc.message, **exc.extra}, status=status)
    elif is_unavailable(exc):
        # The read or its audit event could not be written: nothing is answered (audit fails closed).
        logger.exception("Database failure in %s", type(context.get("view")).__name__, exc_info=exc)
        set_rollback()
        return Response(
            {"detail": "The service is unavailable for a moment: try again later.", "code": "unavailable"},
            status=503,
            headers={"Retry-After": "30"},
        )
    return drf_exception_handler(exc, context)
