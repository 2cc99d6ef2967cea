"""Answers for failures that no view should have to handle itself."""

import json
import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse

from .api_errors import is_unavailable

logger = logging.getLogger(__name__)

# Plain markup on purpose: base.html's context processors would query the database that just failed.
UNAVAILABLE_PAGE = """<!doctype html><html lang="zh-hans"><head><meta charset="utf-8"><title>503</title></head>
<body><h1>503</h1><p>服务暂时不可用，请稍后再试。The service is unavailable for a moment: please try again later.</p>
</body></html>"""


class DatabaseUnavailableMiddleware:
    """A page whose database work failed, its audit event included, answers a clean 503 and shows nothing
    of what it read: audit fails closed (issue 9). The API answers the same in JSON (api_errors)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_unavailable(exception):
            return None
        logger.exception("Database failure on %s %s", request.method, request.path, exc_info=exception)
        response = HttpResponse(UNAVAILABLE_PAGE, status=503, content_type="text/html; charset=utf-8")
        response["Retry-After"] = "30"
        return response


# Plain markup, as above: the request is refused before any view or context processor runs.
BAD_REQUEST_PAGE = """<!doctype html><html lang="zh-hans"><head><meta charset="utf-8"><title>400</title></head>
<body><h1>400</h1><p>请求中含有不允许的字符。The request holds a character that is not allowed (a NUL byte).</p>
</body></html>"""


def _nul_in_json(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any("\x00" in key or _nul_in_json(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_nul_in_json(item) for item in value)
    return False


class RefuseNulBytesMiddleware:
    """PostgreSQL refuses NUL in text: a NUL byte (``%00``) in a query parameter, a form field or a JSON
    string would reach the database as a 500, and the refusal's own audit event would fail with it. Such
    a request is answered 400 before any view runs: the API with the error envelope (api_errors), a page
    with a plain 400 page. Files are left to the upload checks; a JSON body is read only when it is JSON and
    within DATA_UPLOAD_MAX_MEMORY_SIZE (a bigger body is refused by Django itself when a view reads it)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        field = self.nul_field(request)
        if field is not None:
            return self.refuse(request, field)
        return self.get_response(request)

    @staticmethod
    def nul_field(request: HttpRequest) -> str | None:
        """The name of the first parameter or field whose name or value holds a NUL byte, or None."""
        for name, values in request.GET.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                return name.replace("\x00", "")
        content_type = request.content_type or ""
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return None
        if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            try:
                form = request.POST
            except SuspiciousOperation:
                # More fields or files than allowed: the body is read and cannot be read again by the view
                # (a multipart one made DRF fail with a 500), so Django answers 400 here (handler400).
                raise
            except Exception:  # a malformed body: the view's own parsing answers it
                return None
            for name, values in form.lists():
                if "\x00" in name or any("\x00" in value for value in values):
                    return name.replace("\x00", "")
        elif content_type == "application/json" or content_type.endswith("+json"):
            length = request.META.get("CONTENT_LENGTH") or "0"
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            try:
                if limit is not None and int(length) > limit:
                    return None
                payload = json.loads(request.body)
            except (ValueError, RequestDataTooBig, UnicodeDecodeError):
                return None  # not JSON (the view answers it) or too big (Django refuses it)
            if isinstance(payload, dict):
                for name, value in payload.items():
                    if "\x00" in name or _nul_in_json(value):
                        return name.replace("\x00", "")
            elif _nul_in_json(payload):
                return "body"
        return None

    @staticmethod
    def refuse(request: HttpRequest, field: str) -> HttpResponse:
        logger.info("Refused a NUL byte in %r on %s %s", field, request.method, request.path)
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"detail": "A NUL byte (\\u0000) is not allowed.", "code": "invalid", "field": field},
                status=400,
            )
        return HttpResponseBadRequest(BAD_REQUEST_PAGE, content_type="text/html; charset=utf-8")
