import pytest

from catalog.models import OpenType
from dataplatform.core.models import Role
from dataplatform.core.models.units import UnitKind
from opening.applications import AGREEMENT_VERSION, open_application_submit, open_application_transition
from opening.services import open_entry_propose
from opening.workflow import open_entry_transition
from tests import factories
from tests.factories.opening import RULES, application_fields, make_resource


@pytest.fixture
def resource(producer, reviewer):
    return make_resource(producer, reviewer)


@pytest.fixture
def proposed(resource, producer):
    return open_entry_propose(
        actor=producer, resource=resource, open_type=OpenType.UNIVERSAL, rules=RULES, tags=["证照", "个体户"]
    )


@pytest.fixture
def open_entry(proposed, reviewer):
    return open_entry_transition(entry=proposed, action="open", actor=reviewer, open_type=OpenType.UNIVERSAL)


@pytest.fixture
def on_application_entry(producer, reviewer):
    resource = make_resource(
        producer,
        reviewer,
        code="QZ-KF-0002",
        name="个体户经营明细",
        open_type=OpenType.ON_APPLICATION,
        extra=12,
    )
    entry = open_entry_propose(
        actor=producer, resource=resource, open_type=OpenType.ON_APPLICATION, rules=RULES
    )
    return open_entry_transition(
        entry=entry, action="open", actor=reviewer, open_type=OpenType.ON_APPLICATION
    )


@pytest.fixture
def university(city):
    unit = factories.unit("华侨大学", UnitKind.UNIVERSITY, city)
    return factories.person(unit, Role.DATA_ADMIN, username="university")


@pytest.fixture
def enterprise(city):
    unit = factories.unit("泉州闽南数智科技有限公司", UnitKind.ENTERPRISE, city)
    return factories.person(unit, Role.DATA_ADMIN, username="enterprise")


@pytest.fixture
def granted(on_application_entry, university, evaluator, reviewer):
    application = open_application_submit(
        actor=university, entry=on_application_entry, **application_fields()
    )
    application = open_application_transition(
        application=application, action="evaluate", actor=evaluator, note="合理"
    )
    application = open_application_transition(application=application, action="confirm", actor=reviewer)
    return open_application_transition(
        application=application,
        action="accept_agreement",
        actor=university,
        agreement_version=AGREEMENT_VERSION,
    )


@pytest.fixture
def county_producer(jinjiang):
    unit = factories.unit("晋江市市场监督管理局", UnitKind.GOVERNMENT, jinjiang)
    return factories.person(unit, Role.DATA_ADMIN, username="county_producer")


@pytest.fixture
def every_kind(authority, producer, reviewer, county_producer, county_reviewer):
    """Open datasets of every category, frequency, licence and open type (tests/factories/dcat.py)."""
    from tests.factories.dcat import every_kind

    return every_kind((producer, reviewer), (county_producer, county_reviewer))
