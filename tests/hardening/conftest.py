"""The world of the access tests: each persona of the matrix with the objects of every kind."""

import pytest

from tests.hardening.world import build_world


@pytest.fixture
def world(producer, applicant, evaluator, reviewer, county_reviewer, platform_admin, jinjiang):
    return build_world(
        producer=producer,
        applicant=applicant,
        evaluator=evaluator,
        reviewer=reviewer,
        county_reviewer=county_reviewer,
        platform_admin=platform_admin,
        jinjiang=jinjiang,
    )
