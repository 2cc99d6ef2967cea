"""The demo's governance examples: made once however often the seeding runs."""

import pytest

from catalog.demo import seed_catalog
from dataplatform.core.demo.core import seed_core
from dataplatform.core.models import User
from governance.demo import seed_governance
from governance.holdings import subject_holdings, subject_of
from governance.models import Complaint, CopyRequest, Dispute, InfoProject, SubjectAuthorization
from governance.readiness import project_readiness
from operations.management.commands.seed_demo import load_records

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog():
    seed_core()
    seed_catalog(load_records=load_records)


def test_the_demo_shows_each_item(catalog):
    assert len(seed_governance()) == 3
    project = InfoProject.objects.get()
    readiness = project_readiness(project)
    assert project.status == "construction" and readiness.missing_count == 2
    assert sorted(len(row.missing) for row in readiness.assets) == [0, 2, 2]
    citizen = User.objects.get(username="citizen")
    holdings = subject_holdings(subject_of(citizen))
    assert [h.resource.code for h in holdings] == ["QZ-RS-SB-0001"] and holdings[0].count >= 1
    assert CopyRequest.objects.get().status == "provided"
    assert SubjectAuthorization.objects.get().status == "active"
    assert Complaint.objects.get().status == "handling"
    assert Dispute.objects.get().status == "consulting"


def test_seeding_again_adds_nothing(catalog):
    seed_governance()
    assert seed_governance() == []
    assert InfoProject.objects.count() == Dispute.objects.count() == CopyRequest.objects.count() == 1
