"""The caller's address behind the reverse proxies, and a request id shared by the logs and the audit
(issue 18, items 5 and 7)."""

import io
import json
import logging

import pytest
from django.http import HttpResponse
from django.test import RequestFactory, override_settings
from django.urls import reverse
from pythonjsonlogger.json import JsonFormatter

from audit.models import AuditEvent
from dataplatform.core.audit_actions import AuditAction
from dataplatform.core.request_context import (
    RequestContextMiddleware,
    RequestIdFilter,
    current_request_id,
    proxied_address,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("forwarded_for", "proxy_count", "caller"),
    [
        ("198.51.100.7", 0, "10.0.0.1"),  # no proxy of ours: the header is the caller's own word
        ("198.51.100.7", 1, "198.51.100.7"),
        ("6.6.6.6, 198.51.100.7", 1, "198.51.100.7"),  # what the caller wrote himself is left of ours
        ("6.6.6.6, 198.51.100.7, 172.16.0.2", 2, "198.51.100.7"),
        ("198.51.100.7", 2, "198.51.100.7"),  # fewer hops than proxies: the leftmost there is
        ("not-an-address", 1, "10.0.0.1"),
        ("", 1, "10.0.0.1"),
    ],
)
def test_the_caller_is_taken_exactly_as_many_hops_as_there_are_proxies(forwarded_for, proxy_count, caller):
    assert proxied_address("10.0.0.1", forwarded_for, proxy_count) == caller


def failed_login(client, **headers):
    return client.post(reverse("login"), {"username": "nobody", "password": "wrong"}, **headers)


@override_settings(PROXY_COUNT=1)
def test_behind_a_proxy_the_audit_records_the_caller_and_the_request_id(client):
    response = failed_login(client, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7")
    event = AuditEvent.objects.get(action=AuditAction.LOGIN)
    assert event.client_ip == "198.51.100.7"
    assert event.request_id == response["X-Request-ID"]
    assert len(event.request_id) == 32


def test_without_a_proxy_the_forwarded_header_is_ignored_and_a_sent_id_is_not_taken(client):
    response = failed_login(
        client,
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.7",
        HTTP_X_REQUEST_ID="chosen-by-caller",
    )
    event = AuditEvent.objects.get(action=AuditAction.LOGIN)
    assert event.client_ip == "10.0.0.1"
    assert response["X-Request-ID"] != "chosen-by-caller"
    assert event.request_id == response["X-Request-ID"]


@override_settings(PROXY_COUNT=1)
def test_a_proxy_s_request_id_is_kept_when_well_formed():
    sent = RequestFactory().get("/", HTTP_X_REQUEST_ID="lb-4f1c2a9e")
    assert RequestContextMiddleware(lambda request: HttpResponse())(sent)["X-Request-ID"] == "lb-4f1c2a9e"
    odd = RequestFactory().get("/", HTTP_X_REQUEST_ID="x\nInjected: 1")
    assert RequestContextMiddleware(lambda request: HttpResponse())(odd)["X-Request-ID"] != "x\nInjected: 1"


def test_every_log_line_of_a_request_carries_its_id_in_json():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s"))
    logger = logging.getLogger("tests.request_context")
    logger.addHandler(handler)
    logger.propagate = False

    def view(request):
        logger.warning("inside the request")
        return HttpResponse()

    try:
        response = RequestContextMiddleware(view)(RequestFactory().get("/"))
        logger.warning("after it")
    finally:
        logger.removeHandler(handler)
    inside, after = (json.loads(line) for line in stream.getvalue().splitlines())
    assert inside["message"] == "inside the request"
    assert inside["request_id"] == response["X-Request-ID"]
    assert after["request_id"] == ""
    assert current_request_id() == ""


def test_the_json_format_is_what_the_settings_configure(settings):
    formatter = settings.LOGGING["formatters"]["json"]
    assert formatter["()"] == "pythonjsonlogger.json.JsonFormatter"
    assert "request_id" in formatter["fmt"]
    assert settings.LOGGING["handlers"]["console"]["filters"] == ["request_id"]
