"""Bulk exchange pages and API: who sees a push, who sets it up, the buttons and the run history."""

import pytest

from sharing.exchange.models import RunStatus
from sharing.exchange.runs import push_run_execute
from sharing.models import PushRun, PushTask
from tests.sharing.exchange_targets import PG, pg_rows, table_name

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("exchange_settings")]


def target(database: str) -> dict:
    return {
        "name": "人社库",
        "engine": "postgresql",
        "host": PG["host"],
        "port": PG["port"],
        "database": database,
        "username": "postgres",
        "password": "",
        "table": table_name(),
        "interval_minutes": 60,
    }


def test_the_api_sets_up_runs_pauses_and_resumes_a_push(api_as, applicant, bulk_grant, pg_target_db):
    api = api_as(applicant)
    created = api.post(
        f"/api/v1/sharing/grants/{bulk_grant.pk}/push-tasks/", target(pg_target_db), format="json"
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert "password" not in body and "password_encrypted" not in body
    task_id = body["id"]

    check = api.post(f"/api/v1/sharing/push-tasks/{task_id}/check/")
    assert check.status_code == 200 and check.json()["rows"] == 0

    queued = api.post(f"/api/v1/sharing/push-tasks/{task_id}/runs/")
    assert queued.status_code == 202 and queued.json()["status"] == "queued"
    push_run_execute(queued.json()["id"])  # what the worker does
    run = api.get(f"/api/v1/sharing/push-runs/{queued.json()['id']}/").json()
    assert run["status"] == "done" and run["progress"] == 100 and run["rows_written"] == 20
    assert len(pg_rows(pg_target_db, body["table"])) == 20

    assert api.post(f"/api/v1/sharing/push-tasks/{task_id}/pause/").json()["paused"] is True
    refused = api.post(f"/api/v1/sharing/push-tasks/{task_id}/runs/")
    assert refused.status_code == 400  # paused: resume first
    api.post(f"/api/v1/sharing/push-tasks/{task_id}/resume/")
    assert PushRun.objects.filter(task_id=task_id, status=RunStatus.QUEUED).count() == 1

    runs = api.get(f"/api/v1/sharing/push-tasks/{task_id}/runs/").json()
    assert [r["status"] for r in runs] == ["queued", "done"]


def test_a_bad_table_name_is_refused_by_field(api_as, applicant, bulk_grant, pg_target_db):
    response = api_as(applicant).post(
        f"/api/v1/sharing/grants/{bulk_grant.pk}/push-tasks/",
        {**target(pg_target_db), "table": "x; DROP TABLE y"},
        format="json",
    )
    assert response.status_code == 400 and "table" in response.json()["fields"]


def test_the_producer_sees_the_pushes_but_cannot_change_them(
    api_as, applicant, producer, bulk_grant, pg_target_db
):
    task_id = (
        api_as(applicant)
        .post(f"/api/v1/sharing/grants/{bulk_grant.pk}/push-tasks/", target(pg_target_db), format="json")
        .json()["id"]
    )
    api = api_as(producer)
    assert api.get(f"/api/v1/sharing/push-tasks/{task_id}/").status_code == 200
    assert api.post(f"/api/v1/sharing/push-tasks/{task_id}/runs/").status_code == 403
    assert api.post(f"/api/v1/sharing/push-tasks/{task_id}/pause/").status_code == 403


def test_an_outsider_finds_no_push(api_as, applicant, outsider, bulk_grant, pg_target_db):
    task_id = (
        api_as(applicant)
        .post(f"/api/v1/sharing/grants/{bulk_grant.pk}/push-tasks/", target(pg_target_db), format="json")
        .json()["id"]
    )
    api = api_as(outsider)
    assert api.get(f"/api/v1/sharing/push-tasks/{task_id}/").status_code == 404
    assert api.get(f"/api/v1/sharing/grants/{bulk_grant.pk}/push-tasks/").status_code == 404


def test_the_pages_set_up_a_push_and_show_its_runs(client, applicant, producer, bulk_grant, pg_target_db):
    client.force_login(applicant)
    page = client.get(f"/sharing/grants/{bulk_grant.pk}/pushes/")
    assert page.status_code == 200 and b'data-testid="push-task-form"' in page.content
    form = {f"new-{name}": value for name, value in target(pg_target_db).items()}
    created = client.post(f"/sharing/grants/{bulk_grant.pk}/pushes/", form)
    task = PushTask.objects.get(grant=bulk_grant)
    assert created.status_code == 302 and created["Location"] == f"/sharing/pushes/{task.pk}/"

    client.post(f"/sharing/pushes/{task.pk}/check/")
    client.post(f"/sharing/pushes/{task.pk}/run/")
    run = PushRun.objects.get(task=task)
    push_run_execute(run.pk)
    detail = client.get(f"/sharing/pushes/{task.pk}/")
    assert detail.status_code == 200
    assert b'data-testid="push-run-row"' in detail.content and b">20<" in detail.content

    client.force_login(producer)
    seen = client.get(f"/sharing/pushes/{task.pk}/")
    assert seen.status_code == 200 and b'data-testid="push-run"' not in seen.content
    assert client.post(f"/sharing/pushes/{task.pk}/run/").status_code == 403
