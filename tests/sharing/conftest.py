import datetime as dt

import pytest

from catalog.services import resource_create
from catalog.workflow import resource_transition
from dataplatform.core.models import Role
from dataplatform.core.models.units import UnitKind
from sharing.services import application_create
from tests import factories
from tests.catalog.conftest import entry_fields
from tests.sharing.exchange_targets import mysql_target_db, pg_target_db  # noqa: F401  (fixtures)

END = dt.date(2027, 12, 31)


def publish(producer, reviewer, **overrides):
    resource = resource_create(actor=producer, producer=producer.unit, **entry_fields(**overrides))
    resource_transition(resource=resource, to="submitted", actor=producer)
    return resource_transition(resource=resource, to="published", actor=reviewer)


@pytest.fixture
def unconditional(producer, reviewer):
    return publish(producer, reviewer, code="U-1")


@pytest.fixture
def conditional(producer, reviewer):
    return publish(
        producer,
        reviewer,
        code="C-1",
        name="社会保险缴费记录",
        category="departmental",
        share_type="conditional",
        share_conditions="仅限社保业务",
        share_basis="《社会保险法》第八十一条",
    )


@pytest.fixture
def not_shared(producer, reviewer):
    return publish(
        producer,
        reviewer,
        code="N-1",
        category="departmental",
        share_type="not_shared",
        share_basis="某法",
        service_methods=["verification"],
    )


def apply(applicant, resource, *, method="interface", items=("credit_code", "company_name"), **fields):
    return application_create(
        actor=applicant,
        lines=[{"resource": resource, "items": list(items)}],
        business_matter=fields.pop("business_matter", "企业开办一件事"),
        scenario=fields.pop("scenario", "核验申请人提交的企业名称"),
        information_system=fields.pop("information_system", "一网通办系统"),
        service_method=method,
        end_date=fields.pop("end_date", END),
        **fields,
    )


@pytest.fixture
def county_applicant(jinjiang, county_authority):
    return factories.person(factories.unit("晋江市人社局", UnitKind.GOVERNMENT, jinjiang), Role.DATA_ADMIN)


@pytest.fixture
def police(city):
    unit = factories.unit("泉州市公安局", UnitKind.GOVERNMENT, city, is_special_department=True)
    return factories.person(unit, Role.DATA_ADMIN)


# --- Bulk exchange --------------------------------------------------------------------------------

GRANTED = ("credit_code", "company_name", "capital")


def company(n: int, **changes) -> dict:
    return {
        "credit_code": f"91350500MA{n:07d}X",
        "company_name": f"企业{n}",
        "registered_on": "2020-01-02",
        "capital": f"{100 + n}",
        **changes,
    }


@pytest.fixture
def exchange_settings(settings):
    """Pushes see changes made a moment ago, and batches are small enough to have several."""
    settings.EXCHANGE = {**settings.EXCHANGE, "CLOCK_MARGIN_MS": 0, "BATCH_ROWS": 7}


@pytest.fixture
def bulk_grant(applicant, evaluator, unconditional, producer):
    """A bulk exchange grant of three items of an entry holding 20 records."""
    from catalog.aggregation import records_upsert
    from sharing.models import Grant
    from sharing.workflow import application_act

    records_upsert(actor=producer, resource=unconditional, records=[company(n) for n in range(20)])
    application = application_act(
        application=apply(applicant, unconditional, method="bulk_exchange", items=GRANTED),
        action="submit",
        actor=applicant,
    )
    application_act(application=application, action="configure", actor=evaluator)
    return Grant.objects.get(application=application)
