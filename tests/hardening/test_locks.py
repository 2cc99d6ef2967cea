"""Lock only the row you mean: an aggregation locks its entry, not the producer unit read along with it, so
a data call on the producer's data (whose audit event names the producer unit, a key-share lock on its row)
answers while the aggregation runs."""

import threading
import time

import pytest
from django.db import connection, transaction

from audit.models import AuditEvent
from catalog.aggregation.services import entry_locked, records_upsert
from dataplatform.core.apikeys import api_key_issue
from sharing.workflow import application_act
from tests.factories.sharing import apply

pytestmark = [
    pytest.mark.django_db(transaction=True),  # the aggregation's session sees committed rows only
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks of PostgreSQL"),
]

WAIT = 3  # seconds: far more than an unblocked call takes, far less than an aggregation holds its lock

RECORD = {"credit_code": "91350500MA0000001X", "company_name": "泉州某公司", "capital": "100"}


class Aggregation(threading.Thread):
    """Another session holds the lock an aggregation of the entry takes, until released."""

    def __init__(self, resource_id: int) -> None:
        super().__init__(daemon=True)
        self.resource_id = resource_id
        self.locked, self.release = threading.Event(), threading.Event()
        self.errors: list[Exception] = []

    def run(self) -> None:
        try:
            with transaction.atomic():
                entry_locked(self.resource_id)
                self.locked.set()
                self.release.wait(timeout=30)
        except Exception as exc:  # reported by the test: a thread's exception would be lost
            self.errors.append(exc)
        finally:
            connection.close()


def test_a_data_call_does_not_wait_for_an_aggregation_of_the_producers_entry(
    api, applicant, unconditional, producer
):
    records_upsert(actor=producer, resource=unconditional, records=[RECORD])
    application_act(application=apply(applicant, unconditional), action="submit", actor=applicant)
    key = api_key_issue(actor=applicant, unit=applicant.unit, name="一网通办系统").key
    aggregation = Aggregation(unconditional.pk)
    aggregation.start()
    assert aggregation.locked.wait(timeout=10), aggregation.errors
    with connection.cursor() as cursor:
        # Waiting on a lock fails the call (a 503) instead of hanging the test.
        cursor.execute(f"SET lock_timeout = '{WAIT}s'")
    try:
        started = time.monotonic()
        response = api.get(
            f"/api/v1/data/resources/{unconditional.pk}/records/{RECORD['credit_code']}/",
            HTTP_AUTHORIZATION=f"Api-Key {key}",
        )
        elapsed = time.monotonic() - started
    finally:
        aggregation.release.set()
        aggregation.join(timeout=10)
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
    assert aggregation.errors == []
    assert response.status_code == 200, response.content
    assert elapsed < WAIT
    assert AuditEvent.objects.filter(action="data.query", owner_unit=producer.unit).exists()
