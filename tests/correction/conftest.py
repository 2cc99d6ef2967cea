"""Correction fixtures: a published entry with records, an applying unit holding a grant on it, and
tickets walked to each step through the services and the workflow, as people walk them."""

import pytest

from catalog.aggregation.services import records_upsert
from dataplatform.core.models import Role
from dataplatform.core.models.units import UnitKind
from sharing.workflow import application_act
from tests import factories
from tests.factories.correction import RECORDS, act, report
from tests.factories.sharing import apply, publish


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def companies(producer, reviewer):
    resource = publish(producer, reviewer, code="QZ-SJ-FR-T1")
    records_upsert(actor=producer, resource=resource, records=[dict(row) for row in RECORDS])
    return resource


@pytest.fixture
def granted(applicant, companies):
    """The applicant's grant on the company name and capital: unconditional data by interface (Q5.4)."""
    application = apply(applicant, companies, items=("credit_code", "company_name", "capital"))
    return application_act(application=application, action="submit", actor=applicant).grants.get()


@pytest.fixture
def citizen():
    return factories.person(None, username="citizen")


@pytest.fixture
def enterprise_person(city):
    return factories.person(factories.unit("泉州某科技有限公司", UnitKind.ENTERPRISE, city), Role.DATA_ADMIN)


@pytest.fixture
def colleague(applicant_unit):
    """Another data administrator of the applying unit."""
    return factories.person(applicant_unit, Role.DATA_ADMIN, username="colleague")


@pytest.fixture
def producer_leader(producer_unit):
    return factories.person(producer_unit, Role.LEADER, username="producer_leader")


@pytest.fixture
def reported(applicant, companies, granted):
    return report(applicant, companies)


@pytest.fixture
def dispatched(reported, evaluator):
    return act(reported, "dispatch", evaluator, "名称与市场主体登记不一致，属数据问题")


@pytest.fixture
def correcting(dispatched, producer):
    return act(dispatched, "correct", producer, "核实属实，从源头更正")
