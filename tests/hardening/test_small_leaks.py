"""Smaller leaks of issue 18: an id is no probe. Every URL that names an object answers the id of an object
the caller may not see exactly as it answers an id no object has (Zulip's ``access_*``: "missing" and
"forbidden" look the same); a 403 ("you may see it, not do this") is only for whom sees the object."""

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sharing.exchange.models import RunStatus
from sharing.models import Grant, PushRun, PushTask
from tests.hardening.matrix import MATRIX
from tests.hardening.routes import ARGS
from tests.hardening.world import MISSING, PERSONAS

pytestmark = pytest.mark.django_db

# The world's objects whose existence is their units' (and their authority's) to know. The published entry
# is not among them: it is in every government unit's catalog.
PRIVATE = {
    "draft",
    "application",
    "attachment",
    "granted_application",
    "grant",
    "ticket",
    "batch",
    "api_key",
    "applicant_unit",
    "push_task",
    "push_run",
}
# The push routes name the world's push task and run here (the matrix tries them with a missing id).
PUSH_ARGS = {
    "api-push-task": {"pk": "push_task"},
    "api-push-task-runs": {"pk": "push_task"},
    "api-push-task-pause": {"pk": "push_task"},
    "api-push-task-resume": {"pk": "push_task"},
    "api-push-task-check": {"pk": "push_task"},
    "api-push-run": {"pk": "push_run"},
    "sharing-push-task": {"pk": "push_task"},
    "sharing-push-task-move": {"pk": "push_task", "move": "pause"},
}


@pytest.fixture
def world(world, applicant):
    """The matrix's world (tests/hardening/conftest.py) with a push task and a run of it."""
    task = PushTask.objects.create(
        grant=Grant.objects.get(pk=world.ids["grant"]),
        name="人社库",
        engine="postgresql",
        host="db.example",
        port=5432,
        database="hrss",
        username="push",
        table="companies",
        next_run_at=timezone.now(),
        created_by=applicant,
    )
    run = PushRun.objects.create(task=task, trigger="schedule", status=RunStatus.DONE, rows_written=1)
    world.ids |= {"push_task": task.pk, "push_run": run.pk}
    return world


def object_routes() -> dict[str, dict]:
    """Every named URL whose arguments name an object of the world that is not public."""
    routes = {name: args for name, args in ARGS.items() if name in MATRIX} | PUSH_ARGS
    return {name: args for name, args in routes.items() if named_objects(args)}


def named_objects(args: dict) -> set[str]:
    return {value for value in args.values() if isinstance(value, str) and value in PRIVATE}


def url_for(name: str, args: dict, ids: dict, *, missing: bool) -> str:
    objects = named_objects(args)
    kwargs = {
        key: (MISSING if missing and value in objects else ids.get(value, value))
        if isinstance(value, str)
        else value
        for key, value in args.items()
    }
    return reverse(name, kwargs=kwargs)


def attempt(client: Client, method: str, url: str) -> int:
    """One try, rolled back: an owner's successful POST changes nothing the next try reads."""
    with transaction.atomic():
        if method == "GET":
            status = client.get(url).status_code
        elif url.startswith("/api/"):
            status = client.post(url, "{}", content_type="application/json").status_code
        else:
            status = client.post(url, {}).status_code
        transaction.set_rollback(True)
    return status


def test_the_sweep_covers_the_objects_it_should(world):
    swept = {value for args in object_routes().values() for value in named_objects(args)}
    assert swept == PRIVATE - {"granted_application"}  # (no URL names it: the matrix uses the grant)
    assert set(world.ids) >= PRIVATE


def test_another_unit_s_id_answers_as_a_missing_id_does(world):
    clients = {}
    for persona in PERSONAS[1:]:  # anonymous visitors are sent to log in, whatever the id
        clients[persona] = Client(raise_request_exception=False)
        clients[persona].force_login(world.people[persona])
    answers: dict[tuple[str, str], tuple[int, int]] = {}
    for name, args in sorted(object_routes().items()):
        method = _method(name)
        real, missing = (url_for(name, args, world.ids, missing=m) for m in (False, True))
        for persona, client in clients.items():
            answers[name, persona] = (attempt(client, method, real), attempt(client, method, missing))
    # Who sees an object: a URL naming it let them read it or act on it.
    sees = {
        (persona, obj)
        for (name, persona), (real, _missing) in answers.items()
        if real in (200, 201, 202, 204, 302)
        for obj in named_objects(object_routes()[name])
    }
    probes = [
        f"{name} as {persona}: {real} for the object, {missing} for a missing id"
        for (name, persona), (real, missing) in sorted(answers.items())
        if real != missing
        and not named_objects(object_routes()[name]) <= {o for p, o in sees if p == persona}
    ]
    assert probes == []
    assert all(missing == 404 for (_real, missing) in answers.values()), "a missing id answers 404"


def _method(name: str) -> str:
    return MATRIX[name][0] if name in MATRIX else "GET"


@pytest.mark.parametrize(
    "persona", ["applicant", "evaluator", "county_reviewer", "reviewer", "platform_admin", "other_county"]
)
def test_another_unit_s_upload_is_not_found_as_a_missing_one_is(world, persona):
    client = Client()
    client.force_login(world.people[persona])
    for name in ("api-upload", "catalog-batch"):
        real = client.get(reverse(name, args=[world.ids["batch"]])).status_code
        missing = client.get(reverse(name, args=[MISSING])).status_code
        assert (real, missing) == (404, 404), name


def test_the_producer_s_people_without_the_right_to_aggregate_are_refused_with_403(world, producer):
    from dataplatform.core.models import Role
    from tests import factories

    leader = factories.person(producer.unit, Role.LEADER, username="leader")
    client = Client()
    client.force_login(leader)
    assert client.get(reverse("api-upload", args=[world.ids["batch"]])).status_code == 403
    client.force_login(producer)
    assert client.get(reverse("api-upload", args=[world.ids["batch"]])).status_code == 200
