"""Faults during an upload (issue 9): the PostgreSQL connection is dropped while a large file is being
aggregated. The batch is applied whole or not at all, and the person sees the error on the batch page."""

import threading
import time

import psycopg
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from audit.models import AuditEvent, Outcome
from catalog.aggregation.services import batch_process, batch_upload
from catalog.models import AggregationBatch, BatchStatus
from catalog.records import record_count
from tests.catalog.test_aggregation import HEADER, entry, new_entry  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db(transaction=True)

ROWS = 200_000


def big_csv() -> bytes:
    lines = [HEADER] + [
        f"3505{n:014d},姓名{n},1990-01-01,1,100.5,2024-03-01 09:30:00,是\n" for n in range(ROWS)
    ]
    return "".join(lines).encode()


def drop_connection_when_started(batch_id: int, backend_pid: int) -> threading.Thread:
    """Another session terminates the aggregating session once the batch reports progress."""
    db = connection.settings_dict

    def drop():
        with psycopg.connect(
            host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"], autocommit=True
        ) as admin:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                row = admin.execute(
                    "SELECT processed_rows FROM catalog_aggregationbatch WHERE id = %s", [batch_id]
                ).fetchone()
                if row and row[0] > 0:
                    admin.execute("SELECT pg_terminate_backend(%s)", [backend_pid])
                    return
                time.sleep(0.02)

    thread = threading.Thread(target=drop, daemon=True)
    thread.start()
    return thread


def test_a_dropped_database_connection_stores_nothing_and_says_so(client, producer, entry, monkeypatch):  # noqa: F811
    if connection.vendor != "postgresql":
        pytest.skip("drops a PostgreSQL session")
    monkeypatch.setattr(
        "catalog.aggregation.tasks.aggregate_batch.delay", lambda batch_id: None
    )  # run it by hand below
    batch = batch_upload(actor=producer, resource=entry, file=SimpleUploadedFile("people.csv", big_csv()))
    connection.ensure_connection()
    dropper = drop_connection_when_started(batch.pk, connection.connection.info.backend_pid)

    done = batch_process(batch_id=batch.pk)
    dropper.join(timeout=5)

    assert done.status == BatchStatus.FAILED and done.message
    stored = AggregationBatch.objects.get(pk=batch.pk)
    assert stored.status == BatchStatus.FAILED and stored.inserted == 0
    assert record_count(resource_id=entry.pk) == 0  # not one row of the 200,000
    assert AuditEvent.objects.filter(action="resource.aggregate", outcome=Outcome.FAILED).exists()
    client.force_login(producer)
    page = client.get(f"/catalog/uploads/{batch.pk}/")
    assert page.status_code == 200 and b'data-status="failed"' in page.content
