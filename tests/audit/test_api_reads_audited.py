"""A page of the audit log read through the API is itself recorded, as its CSV export is (issue 18)."""

import pytest

from audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_reading_the_audit_log_through_the_api_is_recorded(api_as, producer):
    response = api_as(producer).get("/api/v1/audit/events/", {"action": "login", "page_size": 10})
    assert response.status_code == 200
    export = AuditEvent.objects.get(action="audit.export")
    assert export.actor == producer
    assert export.detail["api"] is True and export.detail["query"]["action"] == "login"
    assert export.record_count == len(response.json()["results"])
