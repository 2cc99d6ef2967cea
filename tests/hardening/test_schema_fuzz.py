"""Bad input (issues 9 and 18): schemathesis sends generated requests to every operation of the OpenAPI
schema, once as a unit's data administrator with a session and once as a unit's information system with
an API key: none may answer a 500, and every documented answer must match the schema.

The examples per operation come from ``FUZZ_EXAMPLES`` (5 by default, to keep the suite fast); the
deeper run of issue 18 is

    FUZZ_EXAMPLES=50 .venv/bin/pytest tests/hardening/test_schema_fuzz.py
"""

import json
import os
from collections import Counter

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.core.serializers.json import DjangoJSONEncoder
from django.db import close_old_connections
from django.middleware.csrf import _get_new_csrf_string
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from catalog.aggregation.services import records_upsert
from dataplatform.core.apikeys import api_key_issue
from sharing.workflow import application_act
from tests.factories.sharing import apply

pytestmark = [pytest.mark.django_db, pytest.mark.filterwarnings("ignore")]

CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
ANSWERS: Counter = Counter()  # (caller, status class) -> requests sent, for the summary line
MAX_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "5"))


def served_schema() -> dict:
    """The schema /api/v1/schema/ serves, built by the same generator without a request (no database)."""
    generator = SchemaGenerator()
    return json.loads(json.dumps(generator.get_schema(request=None, public=True), cls=DjangoJSONEncoder))


@pytest.fixture(autouse=True)
def some_data(producer, applicant, unconditional):
    records_upsert(
        actor=producer,
        resource=unconditional,
        records=[{"credit_code": f"91350500MA{n:07d}X", "company_name": f"企业{n}"} for n in range(3)],
    )
    apply(applicant, unconditional)  # a draft
    application_act(application=apply(applicant, unconditional), action="submit", actor=applicant)  # a grant
    return api_key_issue(actor=applicant, unit=applicant.unit, name="系统").key


@pytest.fixture(scope="module", autouse=True)
def requests_counted(request):
    """After the module, one line per caller: the requests sent and their answers by status class."""
    yield
    plugins = request.config.pluginmanager
    reporter, capture = plugins.get_plugin("terminalreporter"), plugins.get_plugin("capturemanager")
    if reporter is None or capture is None:
        return
    with capture.global_and_fixture_disabled():  # a teardown's output is captured, this line is not
        reporter.write_line("")
        for caller in ("session", "api key"):
            counts = {status: n for (who, status), n in sorted(ANSWERS.items()) if who == caller}
            total = sum(counts.values())
            reporter.write_line(
                f"\nschema fuzz as {caller}: {total} requests {counts}, {MAX_EXAMPLES} examples"
            )


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """The WSGI handler closes the database connection after each request, as Django's test client
    prevents for itself; the test's transaction has to survive it."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def session(client, producer) -> dict:
    """A data administrator's session, with the CSRF token that DRF's session authentication wants, as
    keyword arguments of ``case.call``: the WSGI client sends cookies only from its own jar."""
    client.force_login(producer)
    token = _get_new_csrf_string()
    return {
        "headers": {"X-CSRFToken": token},
        "cookies": {django_settings.SESSION_COOKIE_NAME: client.session.session_key, "csrftoken": token},
    }


schema = schemathesis.openapi.from_dict(served_schema())
schema.app = WSGIHandler()
# Generated examples only (MAX_EXAMPLES each, valid and invalid), not schemathesis' deterministic coverage
# phase, which sends every boundary value of every field (thousands of requests for the entry form).
schema.config.phases.coverage.enabled = False


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_operation_answers_a_500_or_off_schema(case, session):
    answer = case.call_and_validate(checks=CHECKS, **session)
    ANSWERS["session", f"{answer.status_code // 100}xx"] += 1


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_operation_answers_a_500_or_off_schema_to_an_api_key_holding_a_grant(case, some_data):
    """People-only endpoints refuse a key with 403 (IsPerson); the data endpoints serve it."""
    answer = case.call_and_validate(headers={"Authorization": f"Api-Key {some_data}"}, checks=CHECKS)
    ANSWERS["api key", f"{answer.status_code // 100}xx"] += 1


def test_the_fuzzing_session_is_a_data_administrators_and_passes_csrf(session, producer):
    me = schema["/api/v1/me/"]["GET"].Case().call(**session)
    assert me.status_code == 200 and me.json()["username"] == producer.username
    mark_read = schema["/api/v1/notifications/mark-read/"]["POST"]
    assert mark_read.Case().call(**session).status_code in (200, 204)
    assert mark_read.Case().call().status_code in (401, 403)


def test_a_400_naming_a_field_called_code_matches_the_documented_answer(session):
    """A project's code of 41 characters: the 400 lists the messages of the field ``code``, which the
    documented answer once took for the rule's code, a string (found by FUZZ_EXAMPLES=50)."""
    case = schema["/api/v1/governance/projects/"]["POST"].Case(
        body={"code": "X" * 41, "name": "项目"}, media_type="application/json"
    )
    response = case.call(**session)
    assert response.status_code == 400 and isinstance(response.json()["code"], list)
    case.validate_response(response, checks=[response_schema_conformance])
