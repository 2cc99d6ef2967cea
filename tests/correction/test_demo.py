"""The demo's correction tickets: every state, one overdue, made once however often the seeding runs."""

import pytest

from catalog.demo import seed_catalog
from correction.demo import seed_correction
from correction.models import CorrectionTicket, TicketStatus
from dataplatform.core.demo.core import seed_core
from dataplatform.core.models import Notification
from operations.management.commands.seed_demo import load_records

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog():
    seed_core()
    seed_catalog(load_records=load_records)


def test_the_demo_has_a_ticket_in_each_state_and_one_overdue(catalog):
    tickets = seed_correction()
    assert {ticket.status for ticket in tickets} == set(TicketStatus.values)
    assert {ticket.kind for ticket in tickets} == {"report", "objection"}
    overdue = CorrectionTicket.objects.get(overdue_since__isnull=False)
    assert overdue.status == "dispatched" and overdue.steps.filter(action="overdue").exists()
    assert (
        Notification.objects.filter(recipient__username="reviewer", title__startswith="纠错逾期").count() == 1
    )
    confirmed = CorrectionTicket.objects.get(status="confirmed")
    assert confirmed.corrected_at > confirmed.decided_at


def test_seeding_again_adds_nothing(catalog):
    count = len(seed_correction())
    assert seed_correction() == [] and CorrectionTicket.objects.count() == count


def test_it_seeds_after_the_sharing_demo_too(catalog, settings, tmp_path):
    from sharing.demo import seed_sharing

    settings.MEDIA_ROOT = tmp_path / "media"
    seed_sharing()
    assert {ticket.status for ticket in seed_correction()} == set(TicketStatus.values)
