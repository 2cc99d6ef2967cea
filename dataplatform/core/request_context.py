"""Who is asking and which request this is, for the audit, the lockouts and the logs (issue 18, items 5 and 7).

``RequestContextMiddleware`` runs first. Behind ``PROXY_COUNT`` trusted reverse proxies it puts the caller's
own address in ``REMOTE_ADDR``, taken from ``X-Forwarded-For`` exactly that many hops from the right, so that
the audit, django-axes, the API-key lockouts and DRF's throttles all count the caller, not the proxy; a
caller cannot choose his address by sending the header himself, since only the entries the trusted proxies
appended are read. It also gives every request an id (``X-Request-ID`` when a trusted proxy sent a
well-formed one, else a new one), answers it in the ``X-Request-ID`` header, puts it on every log line of
the request (``RequestIdFilter``) and on every audit event the request writes (``current_request_id``).
"""

import ipaddress
import logging
import re
import uuid
from contextvars import ContextVar

from django.conf import settings
from django.http import HttpRequest, HttpResponse

_request_id: ContextVar[str] = ContextVar("request_id", default="")

REQUEST_ID_HEADER = "X-Request-ID"
WELL_FORMED_ID = re.compile(r"[A-Za-z0-9._:-]{8,64}")


def current_request_id() -> str:
    """The id of the request this code runs for; "" outside a request (timers, workers, commands)."""
    return _request_id.get()


def proxied_address(remote_addr: str, forwarded_for: str, proxy_count: int) -> str:
    """The caller's address behind ``proxy_count`` trusted proxies; ``remote_addr`` if there are none, or
    when the header is missing or not an address (a request that did not come through the proxies)."""
    if proxy_count <= 0 or not forwarded_for:
        return remote_addr
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    if not hops:
        return remote_addr
    candidate = hops[-min(proxy_count, len(hops))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote_addr


class RequestContextMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        proxy_count = settings.PROXY_COUNT
        meta = request.META
        meta["REMOTE_ADDR"] = proxied_address(
            meta.get("REMOTE_ADDR", ""), meta.get("HTTP_X_FORWARDED_FOR", ""), proxy_count
        )
        sent = meta.get("HTTP_X_REQUEST_ID", "")
        request_id = sent if proxy_count and WELL_FORMED_ID.fullmatch(sent) else uuid.uuid4().hex
        token = _request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
        response[REQUEST_ID_HEADER] = request_id
        return response


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every log record (empty outside a request), for the JSON and text formats."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        return True
