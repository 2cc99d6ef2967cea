"""The demo's audit history: three months of sealed events the search and the dashboard can show."""

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Count, Min

from audit.models import AuditEvent, Outcome
from audit.partitions import partition_name, partitions_list
from audit.selectors import audit_verify
from audit.usage import CST
from catalog.demo import seed_catalog
from dataplatform.core.demo.core import seed_core
from operations.demo.audit import seed_audit
from operations.management.commands.seed_demo import load_records
from sharing.demo import seed_sharing

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    seed_core()
    seed_catalog(load_records=load_records)
    seed_sharing()
    return seed_audit()


def test_the_demo_covers_three_months_sealed_with_refusals_once_however_often_seeded(demo):
    events = AuditEvent.objects.filter(detail__demo=True)
    assert events.count() == demo > 500
    first = events.aggregate(first=Min("occurred_at"))["first"].astimezone(CST).date()
    assert dt.date.today() - first >= dt.timedelta(days=80)
    kinds = set(
        events.values_list("action", "outcome").annotate(n=Count("id")).values_list("action", "outcome")
    )
    for kind in [("login", Outcome.OK), ("login", Outcome.DENIED), ("data.query", Outcome.OK)]:
        assert kind in kinds
    assert ("data.query", Outcome.DENIED) in kinds
    assert {"application.approve", "resource.aggregate", "audit.export"} <= {action for action, _ in kinds}
    assert events.filter(owner_unit__isnull=False, detail__grant__isnull=False, record_count__gt=0).exists()
    # sealed, and the chains verify
    assert not AuditEvent.objects.filter(sealed_at__isnull=True).exists()
    assert audit_verify().ok

    # seeding again adds nothing
    assert seed_audit() == 0
    assert AuditEvent.objects.filter(detail__demo=True).count() == demo


@pytest.mark.skipif(connection.vendor != "postgresql", reason="partitions are PostgreSQL's")
def test_the_back_dated_months_have_their_partitions(demo):
    first = AuditEvent.objects.filter(detail__demo=True).earliest("occurred_at").occurred_at.astimezone(CST)
    assert partition_name(first.date().replace(day=1)) in {p.name for p in partitions_list()}
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM audit_auditevent_default")
        assert cursor.fetchone()[0] == 0
