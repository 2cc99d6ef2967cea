"""The platform's identity on the web: its public address (``SITE_URL``) and its icon."""

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

FAVICON = "favicon.ico"


def absolute_url(path: str) -> str:
    """``path`` (as ``reverse()`` gives it) at the platform's public address; an address that is already
    absolute, or none, is returned as it is."""
    if not path or "://" in path:
        return path
    return settings.SITE_URL + ("" if path.startswith("/") else "/") + path


@require_safe
@cache_control(public=True, max_age=7 * 24 * 3600)
def favicon(request: HttpRequest) -> FileResponse:
    """Browsers ask for /favicon.ico before reading any page's <link rel="icon">: answer it, from the
    static files (where the pages' own link points too), so that no first visit logs a 404."""
    found = finders.find(FAVICON)
    if not found:
        raise Http404
    return FileResponse(open(found, "rb"), content_type="image/x-icon")  # noqa: SIM115 (FileResponse closes it)
