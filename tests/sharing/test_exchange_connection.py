"""A push's target is the holding unit's own database (issue 18): its host, port, database, user, table and
the driver's errors are that unit's only; the producer and the authority see that a push exists, its
status and its counts. The stored password goes only to the server it was given for."""

import datetime as dt

import pytest
from django.utils import timezone

from sharing.exchange.crypto import secret_decrypt, secret_encrypt
from sharing.exchange.models import RunStatus
from sharing.models import PushRun, PushTask

pytestmark = pytest.mark.django_db

HOST = "hrss-db.internal.example"
USER = "push_secret_user"
DATABASE = "hrss_private"
TABLE = "shared.companies_copy"
DRIVER_ERROR = f'connection to server at "{HOST}" (10.9.8.7), port 6543 failed: no such user "{USER}"'
SECRETS = [HOST, USER, DATABASE, TABLE, "6543", "10.9.8.7"]


@pytest.fixture
def push(applicant, bulk_grant):
    """A push with a stored password whose last run failed on the driver's error, after one that wrote
    12,345 rows."""
    task = PushTask.objects.create(
        grant=bulk_grant,
        name="人社库",
        engine="postgresql",
        host=HOST,
        port=6543,
        database=DATABASE,
        username=USER,
        password_encrypted=secret_encrypt("old-secret"),
        table=TABLE,
        interval_minutes=60,
        next_run_at=timezone.now() + dt.timedelta(hours=1),
        created_by=applicant,
    )
    earlier = timezone.now() - dt.timedelta(hours=1)
    PushRun.objects.create(
        task=task, trigger="schedule", status=RunStatus.DONE, rows_written=12345, queued_at=earlier
    )
    PushRun.objects.create(task=task, trigger="schedule", status=RunStatus.FAILED, error=DRIVER_ERROR)
    return task


def api_bodies(api, push) -> dict[str, str]:
    run = push.runs.first()
    urls = {
        "grant's tasks": f"/api/v1/sharing/grants/{push.grant_id}/push-tasks/",
        "task": f"/api/v1/sharing/push-tasks/{push.pk}/",
        "runs": f"/api/v1/sharing/push-tasks/{push.pk}/runs/",
        "run": f"/api/v1/sharing/push-runs/{run.pk}/",
    }
    bodies = {}
    for name, url in urls.items():
        response = api.get(url)
        assert response.status_code == 200, (name, response.status_code)
        bodies[name] = response.content.decode()
    return bodies


def page_bodies(client, push) -> dict[str, str]:
    bodies = {}
    for name, url in {
        "tasks": f"/sharing/grants/{push.grant_id}/pushes/",
        "task": f"/sharing/pushes/{push.pk}/",
    }.items():
        response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        bodies[name] = response.content.decode()
    return bodies


def leaks(bodies: dict[str, str]) -> list[tuple[str, str]]:
    return [(name, secret) for name, body in bodies.items() for secret in SECRETS if secret in body]


@pytest.mark.parametrize("persona", ["producer", "reviewer"])
def test_the_producer_and_the_authority_read_no_connection_details_from_the_api(
    api_as, push, persona, request
):
    api = api_as(request.getfixturevalue(persona))
    assert leaks(api_bodies(api, push)) == []
    task = api.get(f"/api/v1/sharing/push-tasks/{push.pk}/").json()
    assert {
        name: task[name] for name in ("engine", "host", "port", "database", "username", "table")
    } == dict.fromkeys(("engine", "host", "port", "database", "username", "table"))
    # That a push exists, its status and counts stay readable.
    assert task["name"] == "人社库" and task["last_run"]["status"] == "failed"
    assert task["last_run"]["error"] is None
    runs = api.get(f"/api/v1/sharing/push-tasks/{push.pk}/runs/").json()
    assert [(r["status"], r["rows_written"], r["error"]) for r in runs] == [
        ("failed", 0, None),
        ("done", 12345, None),
    ]


def test_the_holding_unit_reads_its_connection_and_the_driver_s_error(api_as, push, applicant):
    api = api_as(applicant)
    bodies = api_bodies(api, push)
    assert {secret for _name, secret in leaks(bodies)} == set(SECRETS)
    task = api.get(f"/api/v1/sharing/push-tasks/{push.pk}/").json()
    assert (task["host"], task["port"], task["username"], task["table"]) == (HOST, 6543, USER, TABLE)
    assert task["last_run"]["error"] == DRIVER_ERROR


@pytest.mark.parametrize("persona", ["producer", "reviewer"])
def test_the_producer_and_the_authority_see_no_target_on_the_pages(client, push, persona, request):
    client.force_login(request.getfixturevalue(persona))
    bodies = page_bodies(client, push)
    assert leaks(bodies) == []
    assert 'data-testid="run-error"' not in bodies["task"] and "12,345" in bodies["task"]
    assert 'data-testid="run-status"' in bodies["tasks"]  # the last run's status, still shown


def test_the_holding_unit_sees_its_target_and_the_driver_s_error_on_the_pages(client, push, applicant):
    client.force_login(applicant)
    bodies = page_bodies(client, push)
    assert 'data-testid="push-target"' in bodies["tasks"] and 'data-testid="push-target"' in bodies["task"]
    assert 'data-testid="run-error"' in bodies["task"] and HOST in bodies["task"]


# --- the stored password goes only to the server it was given for ---------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"host": "attacker.example"},
        {"port": 5433},
        {"database": "other"},
        {"username": "other"},
        {"engine": "mysql"},
    ],
)
def test_the_api_asks_for_the_password_again_when_the_connection_changes(api_as, applicant, push, change):
    api = api_as(applicant)
    refused = api.patch(f"/api/v1/sharing/push-tasks/{push.pk}/", change, format="json")
    assert refused.status_code == 400
    assert refused.json()["fields"]["password"] == ["连接已更改：请重新输入密码。"]
    stored = PushTask.objects.get(pk=push.pk)
    assert (stored.engine, stored.host, stored.port, stored.database, stored.username) == (
        "postgresql",
        HOST,
        6543,
        DATABASE,
        USER,
    )


def test_the_api_takes_a_new_connection_with_its_password(api_as, applicant, push):
    api = api_as(applicant)
    changed = api.patch(
        f"/api/v1/sharing/push-tasks/{push.pk}/",
        {"host": "new-db.example", "password": "new-secret"},
        format="json",
    )
    assert changed.status_code == 200, changed.json()
    stored = PushTask.objects.get(pk=push.pk)
    assert stored.host == "new-db.example" and secret_decrypt(stored.password_encrypted) == "new-secret"


def test_the_api_keeps_the_password_when_only_the_table_or_schedule_change(api_as, applicant, push):
    api = api_as(applicant)
    same_host = {"host": HOST, "table": "companies_v2", "interval_minutes": 120}
    changed = api.patch(f"/api/v1/sharing/push-tasks/{push.pk}/", same_host, format="json")
    assert changed.status_code == 200, changed.json()
    stored = PushTask.objects.get(pk=push.pk)
    assert stored.table == "companies_v2" and secret_decrypt(stored.password_encrypted) == "old-secret"


def settings_form(push: PushTask, **changes) -> dict:
    values = {
        "name": push.name,
        "engine": push.engine,
        "host": push.host,
        "port": push.port,
        "database": push.database,
        "username": push.username,
        "password": "",
        "table": push.table,
        "interval_minutes": push.interval_minutes,
        **changes,
    }
    return {f"task-{name}": value for name, value in values.items()}


def test_the_form_asks_for_the_password_again_when_the_host_changes(client, applicant, push):
    client.force_login(applicant)
    refused = client.post(f"/sharing/pushes/{push.pk}/", settings_form(push, host="attacker.example"))
    assert refused.status_code == 200
    assert "请重新输入密码" in refused.content.decode()
    assert PushTask.objects.get(pk=push.pk).host == HOST

    saved = client.post(
        f"/sharing/pushes/{push.pk}/", settings_form(push, host="new-db.example", password="new-secret")
    )
    assert saved.status_code == 302
    stored = PushTask.objects.get(pk=push.pk)
    assert stored.host == "new-db.example" and secret_decrypt(stored.password_encrypted) == "new-secret"


def test_the_form_keeps_the_password_when_the_connection_stays(client, applicant, push):
    client.force_login(applicant)
    saved = client.post(f"/sharing/pushes/{push.pk}/", settings_form(push, interval_minutes=120))
    assert saved.status_code == 302
    stored = PushTask.objects.get(pk=push.pk)
    assert stored.interval_minutes == 120 and secret_decrypt(stored.password_encrypted) == "old-secret"
