"""The audit vocabulary (``AuditAction``): every action written is one of it, and the search filters by it."""

import importlib

import pytest
from django.utils import translation

from audit.models import AuditEvent
from audit.services import audit_record
from dataplatform.core.audit_action_labels import ACTION_LABELS, GROUP_LABELS
from dataplatform.core.audit_actions import AuditAction
from dataplatform.core.workflow import Lifecycle

WORKFLOW_MODULES = [
    "catalog.workflow",
    "sharing.workflow",
    "correction.workflow",
    "opening.workflow",
    "opening.applications",
    "governance.workflow",
]


def lifecycle_actions() -> set[str]:
    """What every lifecycle of the platform writes: "<name>.<label or action>"."""
    written = set()
    for name in WORKFLOW_MODULES:
        for value in vars(importlib.import_module(name)).values():
            if isinstance(value, Lifecycle):
                written |= {f"{value.name}.{a.label or n}" for n, a in value.actions.items()}
    return written


def test_every_lifecycle_action_is_in_the_vocabulary():
    assert lifecycle_actions() - set(AuditAction.values) == set()


@pytest.mark.django_db
def test_an_unknown_action_is_refused_and_nothing_is_written():
    with pytest.raises(ValueError, match="resource.updaet"):
        audit_record(action="resource.updaet")
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_the_stored_action_is_the_plain_string():
    event = audit_record(action=AuditAction.UNIT_CREATE)
    event.refresh_from_db()
    assert event.action == "unit.create" and type(event.action) is str


def test_a_group_is_its_members_computed_from_the_vocabulary():
    assert set(AuditAction.group("data.")) == {"data.query", "data.verify", "data.statistics"}
    assert "governance.project." in AuditAction.groups() and "governance." in AuditAction.groups()
    assert "login" not in AuditAction.groups()


@pytest.mark.django_db
def test_the_search_filters_by_one_action_or_a_group_exactly(api_as, platform_admin, producer):
    query = audit_record(action=AuditAction.DATA_QUERY, actor=producer)
    verify = audit_record(action=AuditAction.DATA_VERIFY, actor=producer)

    def found(**params) -> set[int]:
        response = api_as(platform_admin).get("/api/v1/audit/events/", {"page_size": 500, **params})
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert found(action="data.query") == {query.pk}
    assert found(action="data.") == {query.pk, verify.pk}
    assert found(action="data") == {query.pk, verify.pk}  # a group without its dot, as the API took before
    assert api_as(platform_admin).get("/api/v1/audit/events/", {"action": "dat"}).status_code == 400


def test_every_action_and_every_group_of_several_has_its_words():
    assert set(AuditAction.values) - set(ACTION_LABELS) == set()
    assert set(ACTION_LABELS) - set(AuditAction.values) == set()  # no label of a forgotten action
    groups = {g for g in AuditAction.groups() if len(AuditAction.group(g)) > 1}
    assert groups - set(GROUP_LABELS) == set()
    with translation.override("zh-hans"):
        assert AuditAction.DATA_QUERY.label == "查询数据"
        assert AuditAction.group_label("application.") == "共享申请"
