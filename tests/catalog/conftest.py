import pytest

from catalog.services import resource_create
from catalog.workflow import resource_transition
from tests.factories.catalog import entry_fields


@pytest.fixture
def draft(producer):
    return resource_create(actor=producer, producer=producer.unit, **entry_fields())


@pytest.fixture
def submitted(draft, producer):
    return resource_transition(resource=draft, to="submitted", actor=producer)


@pytest.fixture
def published(submitted, reviewer):
    return resource_transition(resource=submitted, to="published", actor=reviewer)
