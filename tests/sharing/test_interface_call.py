"""A producer's published service interface, called through the platform with the same checks."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from audit.models import AuditEvent
from catalog.interfaces.services import interface_register, interface_review
from dataplatform.core.apikeys import api_key_issue
from sharing.models import Grant
from sharing.services import grant_change
from sharing.workflow import application_act
from tests.factories.sharing import apply

pytestmark = pytest.mark.django_db


class Upstream(BaseHTTPRequestHandler):
    calls: list[str] = []

    def do_GET(self):  # noqa: N802 (the http.server API)
        Upstream.calls.append(self.path)
        body = json.dumps(
            {
                "credit_code": "91350500MA0000001X",
                "company_name": "泉州某公司",
                "capital": "100",
                "secret": "x",
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def upstream():
    server = HTTPServer(("127.0.0.1", 0), Upstream)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Upstream.calls = []
    yield f"http://127.0.0.1:{server.server_port}/query"
    server.shutdown()


@pytest.fixture
def interface(upstream, unconditional, producer, evaluator):
    registered = interface_register(
        actor=producer,
        resource=unconditional,
        name="企业查询接口",
        specification="GET /query?credit_code=",
        call_instructions="按统一社会信用代码查询",
        upstream_url=upstream,
    )
    return interface_review(actor=evaluator, interface=registered, publish=True)


@pytest.fixture
def key(applicant):
    return api_key_issue(actor=applicant, unit=applicant.unit, name="x").key


def call(api, key, interface, **params):
    return api.get(
        f"/api/v1/data/interfaces/{interface.pk}/call/", params, HTTP_AUTHORIZATION=f"Api-Key {key}"
    )


def test_the_answer_carries_only_the_granted_items_and_the_query_is_passed_on(
    api, key, interface, applicant, unconditional
):
    application_act(application=apply(applicant, unconditional), action="submit", actor=applicant)
    response = call(api, key, interface, credit_code="91350500MA0000001X")
    assert response.status_code == 200
    assert response.json() == {"credit_code": "91350500MA0000001X", "company_name": "泉州某公司"}
    assert Upstream.calls == ["/query?credit_code=91350500MA0000001X"]
    event = AuditEvent.objects.get(action="data.query")
    assert event.detail["interface"] == interface.pk and event.data_items == ["credit_code", "company_name"]


def test_without_a_grant_the_upstream_is_never_called(api, key, interface):
    response = call(api, key, interface)
    assert response.status_code == 403 and response.json()["code"] == "no_grant"
    assert Upstream.calls == []


def test_a_suspended_grant_stops_the_calls(api, key, interface, applicant, unconditional, reviewer):
    application_act(application=apply(applicant, unconditional), action="submit", actor=applicant)
    grant_change(actor=reviewer, grant=Grant.objects.get(), move="suspend", reason="核查中")
    assert call(api, key, interface).json()["code"] == "grant_suspended"
    assert Upstream.calls == []


def test_an_unpublished_interface_is_not_there(api, key, unconditional, producer, upstream):
    registered = interface_register(
        actor=producer,
        resource=unconditional,
        name="x",
        specification="x",
        call_instructions="x",
        upstream_url=upstream,
    )
    assert call(api, key, registered).status_code == 404


def test_an_upstream_that_does_not_answer_is_a_502(api, key, interface, applicant, unconditional):
    application_act(application=apply(applicant, unconditional), action="submit", actor=applicant)
    type(interface).objects.filter(pk=interface.pk).update(upstream_url="http://127.0.0.1:9/closed")
    assert call(api, key, interface).status_code == 502


# --- one data call: interface calls get every check the record interface gets --------------------


def test_a_refused_interface_call_is_audited(api, key, interface, unconditional):
    assert call(api, key, interface).status_code == 403
    event = AuditEvent.objects.get(action="data.query")
    assert event.outcome == "denied" and event.detail["code"] == "no_grant"
    assert event.detail["interface"] == interface.pk and event.owner_unit == unconditional.producer


def test_an_interface_call_on_an_unavailable_resource_is_refused(
    api, key, interface, applicant, unconditional
):
    application_act(application=apply(applicant, unconditional), action="submit", actor=applicant)
    type(unconditional).objects.filter(pk=unconditional.pk).update(status="retired")
    assert call(api, key, interface).status_code == 404
    assert Upstream.calls == []


def test_interface_calls_are_watched_for_crawlers(api, key, interface, applicant, unconditional, monkeypatch):
    watched = []
    monkeypatch.setattr("sharing.calls.observe", lambda grant, **seen: watched.append((grant.pk, seen)))
    application_act(application=apply(applicant, unconditional), action="submit", actor=applicant)
    for _ in range(2):
        assert call(api, key, interface, credit_code="91350500MA0000001X").status_code == 200
    grant = Grant.objects.get()
    assert [(pk, seen["limits"].used_today) for pk, seen in watched] == [(grant.pk, 1), (grant.pk, 2)]
