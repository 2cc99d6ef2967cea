"""Bulk exchange pages and API: who sees a push, who sets it up, the buttons and the run history."""

import datetime as dt
import re

import pytest
from django.utils import timezone

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


# --- how a push reads: paused, its interval in words, counts with separators -----------------------------


@pytest.fixture
def push(applicant, bulk_grant):
    """A push task set up six hours apart, whose last run wrote 108,010 rows (no target is reached)."""
    task = PushTask.objects.create(
        grant=bulk_grant,
        name="人社库",
        engine="postgresql",
        host="db.example",
        port=5432,
        database="hrss",
        username="push",
        table="companies",
        interval_minutes=6 * 60,
        next_run_at=timezone.now() + dt.timedelta(hours=6),
        created_by=applicant,
    )
    PushRun.objects.create(
        task=task, trigger="schedule", status=RunStatus.DONE, rows_written=108010, rows_deleted=1200
    )
    return task


def cell(html: str, testid: str) -> str:
    found = re.search(rf'data-testid="{testid}">(.*?)</(?:td|span)>', html, re.S)
    assert found, testid
    return re.sub(r"<[^>]+>", "", found.group(1)).strip()


def test_a_push_shows_its_interval_in_words_and_its_next_run(client, applicant, bulk_grant, push):
    client.force_login(applicant)
    listed = client.get(f"/sharing/grants/{bulk_grant.pk}/pushes/").content.decode()
    assert cell(listed, "push-interval") == "每 6 小时"
    assert cell(listed, "push-next-run") == timezone.localtime(push.next_run_at).strftime("%Y-%m-%d %H:%M")
    client.cookies["django_language"] = "en"
    detail = client.get(f"/sharing/pushes/{push.pk}/").content.decode()
    assert cell(detail, "push-interval") == "every 6 hours"
    assert "minutes" not in cell(detail, "push-interval")


def test_a_paused_push_says_paused_and_shows_no_next_run(client, applicant, bulk_grant, push):
    client.force_login(applicant)
    client.post(f"/sharing/pushes/{push.pk}/pause/")
    next_run = timezone.localtime(push.next_run_at).strftime("%Y-%m-%d %H:%M")
    listed = client.get(f"/sharing/grants/{bulk_grant.pk}/pushes/").content.decode()
    assert cell(listed, "push-next-run") == "已暂停" and next_run not in listed
    detail = client.get(f"/sharing/pushes/{push.pk}/").content.decode()
    assert cell(detail, "push-next-run") == "已暂停，不安排运行" and next_run not in detail


def test_the_rows_of_a_run_read_with_thousands_separators(client, applicant, push):
    client.force_login(applicant)
    detail = client.get(f"/sharing/pushes/{push.pk}/").content.decode()
    assert '<td class="text-end" data-field="rows_written">108,010</td>' in detail
    assert '<td class="text-end" data-field="rows_deleted">1,200</td>' in detail


def test_the_form_offers_intervals_in_words_with_the_tasks_own(client, applicant, push):
    PushTask.objects.filter(pk=push.pk).update(interval_minutes=90)
    client.force_login(applicant)
    detail = client.get(f"/sharing/pushes/{push.pk}/").content.decode()
    select = re.search(r'<select name="task-interval_minutes".*?</select>', detail, re.S).group(0)
    options = re.findall(r'<option value="(\d+)"( selected)?>([^<]+)</option>', select)
    assert ("1440", "", "每天") in options and ("360", "", "每 6 小时") in options
    assert ("90", " selected", "每 90 分钟") in options  # not one of the offered intervals, kept


def test_a_push_set_up_on_the_page_takes_the_chosen_interval(client, applicant, bulk_grant, pg_target_db):
    client.force_login(applicant)
    form = {f"new-{name}": value for name, value in target(pg_target_db).items()}
    client.post(f"/sharing/grants/{bulk_grant.pk}/pushes/", {**form, "new-interval_minutes": "360"})
    assert PushTask.objects.get(grant=bulk_grant).interval_minutes == 360
    refused = client.post(f"/sharing/grants/{bulk_grant.pk}/pushes/", {**form, "new-interval_minutes": "7"})
    assert refused.status_code == 200 and PushTask.objects.filter(grant=bulk_grant).count() == 1
