"""Bad input (issue 9, item 3): schemathesis sends generated requests to every operation of the OpenAPI
schema, as a unit's data administrator with a session, a few examples each: none may answer a 500, and
every documented answer must match the schema."""

import json

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
MAX_EXAMPLES = 5


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
    case.call_and_validate(checks=CHECKS, **session)


data_schema = schema.include(path_regex="^/api/v1/data/")


@data_schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_data_operation_answers_a_500_or_off_schema_to_an_api_key_holding_a_grant(case, some_data):
    case.call_and_validate(headers={"Authorization": f"Api-Key {some_data}"}, checks=CHECKS)


def test_the_fuzzing_session_is_a_data_administrators_and_passes_csrf(session, producer):
    me = schema["/api/v1/me/"]["GET"].Case().call(**session)
    assert me.status_code == 200 and me.json()["username"] == producer.username
    mark_read = schema["/api/v1/notifications/mark-read/"]["POST"]
    assert mark_read.Case().call(**session).status_code in (200, 204)
    assert mark_read.Case().call().status_code in (401, 403)
