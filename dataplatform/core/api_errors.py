import logging

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, DataError, IntegrityError, ProgrammingError
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.defaults import bad_request as bad_request_page
from django.views.defaults import page_not_found, server_error
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
        if hasattr(exc, "error_dict"):
            exc = exceptions.ValidationError(exc.message_dict)
        else:
            return Response({"detail": " ".join(exc.messages), "code": "invalid"}, status=400)
    elif isinstance(exc, Throttled):
        # Over a limit: 429 with Retry-After, worded as DRF words its own throttling.
        exc = exceptions.Throttled(wait=exc.retry_after, detail=exc.message)
    elif isinstance(exc, ApplicationError):
        # A rule that says "not you" (Forbidden, whatever its code) is a 403; any other rule is a 400.
        status = 403 if exc.forbids else exc.status
        return Response({"detail": exc.message, "code": "invalid", **exc.extra}, status=status)
    elif is_unavailable(exc):
        # The read or its audit event could not be written: nothing is answered (audit fails closed).
        logger.exception("Database failure in %s", type(context.get("view")).__name__, exc_info=exc)
        set_rollback()
        return Response(
            {"detail": _("The service is unavailable for a moment: try again later."), "code": "unavailable"},
            status=503,
            headers={"Retry-After": "30"},
        )
    response = drf_exception_handler(exc, context)
    return with_code(response, exc)


def with_code(response: Response | None, exc: Exception) -> Response | None:
    """Every error answer is the envelope ``{"detail": ..., "code": ...}`` (the OpenAPI schema's Error,
    dataplatform.core.schema): DRF's own answers get the code of their exception (``not_found``,
    ``permission_denied``, ``throttled``, ...). Field errors of a 400 are answered as DRF words them."""
    if response is not None and isinstance(response.data, dict) and set(response.data) == {"detail"}:
        detail = getattr(exc, "detail", None)
        # Django's own PermissionDenied and Http404, raised in a view, carry no DRF code: their status says it.
        fallback = {403: "permission_denied", 404: "not_found"}.get(response.status_code, "error")
        response.data["code"] = getattr(detail, "code", None) or fallback
    return response


def not_found(request, exception: Exception | None = None):
    """handler404: an address under /api/ that matches no endpoint (a negative id, a word for a number)
    answers the envelope in JSON, as the endpoints' own 404s do; any other address gets the 404 page."""
    if request.path.startswith(CKAN_PATHS):
        return _ckan_error(404, "Not Found Error", _("No API endpoint at this address."))
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": _("No API endpoint at this address."), "code": "not_found"}, status=404
        )
    return page_not_found(request, exception)


CKAN_PATHS = ("/api/3/", "/api/action/")


def bad_request(request, exception: Exception):
    """handler400: a request Django refuses to read (more fields than DATA_UPLOAD_MAX_NUMBER_FIELDS, a body
    over the limit) answers an API caller the envelope in JSON, as the endpoints' own 400s do; a person
    gets the 400 page."""
    message = _("The request could not be read: it has too many fields or is too large.")
    if request.path.startswith(CKAN_PATHS):
        return _ckan_error(400, "Validation Error", message)
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message, "code": "parse_error"}, status=400)
    return bad_request_page(request, exception)


def _ckan_error(status: int, kind: str, message: str) -> JsonResponse:
    """CKAN's own failure envelope, which its clients (ckanapi) read."""
    return JsonResponse({"success": False, "error": {"__type": kind, "message": message}}, status=status)


def server_failure(request):
    """handler500: an API caller gets JSON it can parse (the envelope, or CKAN's), a person the error page.
    Nothing of the failure is told: it is in the log, under the request's id."""
    message = _("The server failed to answer this request; it has been logged.")
    if request.path.startswith(CKAN_PATHS):
        return _ckan_error(500, "Internal Server Error", message)
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message, "code": "server_error"}, status=500)
    return server_error(request)
