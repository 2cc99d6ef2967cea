"""Answers for failures that no view should have to handle itself."""

import logging

from django.http import HttpRequest, HttpResponse

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
