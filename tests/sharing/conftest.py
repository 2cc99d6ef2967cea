from typing import cast

import pytest

from dataplatform.core.models import Role
from dataplatform.core.models.units import UnitKind
from tests import factories
from tests.factories.catalog import ITEMS
from tests.factories.sharing import GRANTED, apply, company, publish
from tests.sharing.exchange_targets import mysql_target_db, pg_target_db  # noqa: F401  (fixtures)


@pytest.fixture
def unconditional(producer, reviewer):
    """The published, unconditionally shared entry, its company name a query item: consumers of the
    data interface filter by it (only query items are indexed, and only they may be filtered by)."""
    items = [dict(item, is_query=item["name"] == "company_name") for item in cast(list[dict], ITEMS)]
    return publish(producer, reviewer, code="U-1", items=items)


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


@pytest.fixture
def county_applicant(jinjiang, county_authority):
    return factories.person(factories.unit("晋江市人社局", UnitKind.GOVERNMENT, jinjiang), Role.DATA_ADMIN)


@pytest.fixture
def police(city):
    unit = factories.unit("泉州市公安局", UnitKind.GOVERNMENT, city, is_special_department=True)
    return factories.person(unit, Role.DATA_ADMIN)


# --- Bulk exchange --------------------------------------------------------------------------------


@pytest.fixture
def exchange_settings(settings):
    """Batches small enough to have several."""
    settings.EXCHANGE = {**settings.EXCHANGE, "BATCH_ROWS": 7}


@pytest.fixture
def bulk_grant(applicant, evaluator, unconditional, producer):
    """A bulk exchange grant of three items of an entry holding 20 records."""
    from catalog.aggregation.services import records_upsert
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
