"""Every page and API endpoint, tried as each persona (issue 9, item 4): the status each gets is the one
the matrix says; a person of one unit never sees another unit's drafts, applications, keys or audit events."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import NoReverseMatch, reverse

from tests.hardening.matrix import MATRIX
from tests.hardening.routes import ARGS, EXEMPT, named_patterns
from tests.hardening.world import PERSONAS

pytestmark = pytest.mark.django_db


def url_of(name: str, world) -> str:
    kwargs = {key: world.ids.get(value, value) for key, value in ARGS.get(name, {}).items()}
    return reverse(name, kwargs=kwargs)


def attempt(client: Client, method: str, url: str):
    if method == "GET":
        return client.get(url)
    if url.startswith("/api/"):
        return client.post(url, "{}", content_type="application/json")
    return client.post(url, {})


def test_every_named_url_has_a_row():
    missing = sorted(set(named_patterns()) - set(MATRIX) - set(EXEMPT))
    assert missing == [], "add these URLs to tests/hardening/matrix.py and routes.ARGS"
    assert sorted(set(MATRIX) - set(named_patterns())) == [], "rows of URLs that no longer exist"


def test_each_persona_gets_the_status_of_the_matrix(world):
    """One world for the whole table, rows in name order: a row's POST is refused or answered with a form
    error, so that it changes nothing the rows after it read."""
    wrong = []
    LOGIN = reverse(settings.LOGIN_URL)  # noqa: N806
    clients = {persona: Client(raise_request_exception=False) for persona in PERSONAS}
    for persona, client in clients.items():
        if world.people[persona] is not None:
            client.force_login(world.people[persona])
    for name, (method, expected) in sorted(MATRIX.items()):
        url = url_of(name, world)
        for persona, want in zip(PERSONAS, expected.split(), strict=True):
            response = attempt(clients[persona], method, url)
            got = response.status_code
            if got != int(want):
                wrong.append(f"{name} {method} {url} as {persona}: {got}, not {want}")
            elif persona == "anonymous" and got == 302 and not response["Location"].startswith(LOGIN):
                wrong.append(f"{name}: anonymous sent to {response['Location']}, not the login page")
    # URLs with no row yet: what each persona gets now, as rows to review and paste into matrix.py.
    for name in sorted(set(named_patterns()) - set(MATRIX) - set(EXEMPT)):
        try:
            url = url_of(name, world)
        except NoReverseMatch:
            wrong.append(f"no row for {name}, and no arguments for it in routes.ARGS")
            continue
        method = "POST" if clients["platform_admin"].get(url).status_code == 405 else "GET"
        codes = " ".join(str(attempt(clients[p], method, url).status_code) for p in PERSONAS)
        wrong.append(f'no row: "{name}": ("{method}", "{codes}"),  # review, then add it to matrix.py')
    assert wrong == []


# --- one unit never sees another's -----------------------------------------------------------------


def listed_ids(client: Client, url: str, field: str = "id") -> set:
    body = client.get(url).json()
    rows = body["results"] if isinstance(body, dict) else body
    return {row[field] for row in rows}


@pytest.fixture
def as_person(world):
    def login(persona: str) -> Client:
        client = Client()
        client.force_login(world.people[persona])
        return client

    return login


@pytest.mark.parametrize("persona", ["other_county", "applicant", "evaluator", "county_reviewer", "citizen"])
def test_a_units_draft_entry_is_seen_by_its_unit_and_the_authority_only(world, as_person, persona):
    client = as_person(persona)
    assert world.ids["draft"] not in listed_ids(client, reverse("api-resources"))
    page = client.get(reverse("catalog-mine"))
    assert b"MX-DRAFT-1" not in page.content
    assert world.ids["draft"] in listed_ids(as_person("producer"), reverse("api-resources"))


@pytest.mark.parametrize("persona", ["other_county", "producer", "county_reviewer", "citizen"])
def test_a_units_draft_application_is_seen_by_its_unit_only(world, as_person, persona):
    ids = listed_ids(as_person(persona), reverse("api-applications"))
    assert world.ids["application"] not in ids
    assert world.ids["application"] in listed_ids(as_person("applicant"), reverse("api-applications"))


@pytest.mark.parametrize("persona", ["other_county", "producer", "reviewer", "platform_admin", "citizen"])
def test_a_units_api_keys_are_seen_by_its_unit_only(world, as_person, persona):
    assert world.ids["api_key"] not in listed_ids(as_person(persona), reverse("api-api-keys"))
    assert world.ids["api_key"] in listed_ids(as_person("applicant"), reverse("api-api-keys"))


def audit_units(client: Client) -> set:
    body = client.get(reverse("api-audit-events"), {"page_size": 500}).json()
    rows = body["results"] if isinstance(body, dict) else body
    return {row.get("actor_unit") for row in rows} | {row.get("owner_unit") for row in rows}


@pytest.mark.parametrize("persona", ["other_county", "citizen"])
def test_a_units_audit_events_are_not_seen_by_another_unit(world, as_person, persona):
    mine = {world.people["applicant"].unit.name, world.people["producer"].unit.name}
    mine |= {world.people["applicant"].unit_id, world.people["producer"].unit_id}
    assert audit_units(as_person(persona)) & mine == set()
    assert audit_units(as_person("applicant")) & mine  # the scan sees what the unit may see


def test_audit_search_pages_and_csv_show_another_unit_nothing(world, as_person):
    client = as_person("other_county")
    applicant_unit = world.people["applicant"].unit.name
    assert applicant_unit.encode() not in client.get(reverse("audit-search")).content
    csv = b"".join(client.get(reverse("audit-search-csv")).streaming_content)
    assert applicant_unit.encode() not in csv


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "platform_admin"])
def test_the_django_admin_lets_in_no_one_but_the_platform_administrator(world, persona):
    client = Client()
    if world.people[persona] is not None:
        client.force_login(world.people[persona])
    for url in ("/admin/", "/admin/core/user/", "/admin/audit/auditevent/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/"), url


@pytest.mark.parametrize("persona", ["other_county", "producer", "citizen"])
def test_a_person_of_another_unit_cannot_act_on_what_it_cannot_see(world, as_person, persona):
    from dataplatform.core.models import ApiKey
    from sharing.models import Application

    client = as_person(persona)
    act = client.post(
        reverse("api-application-act", args=[world.ids["application"]]),
        {"action": "submit"},
        content_type="application/json",
    )
    revoke = client.post(reverse("api-api-key-revoke", args=[world.ids["api_key"]]))
    assert (act.status_code, revoke.status_code) == (404, 404)
    assert Application.objects.get(pk=world.ids["application"]).status == "draft"
    assert ApiKey.objects.get(pk=world.ids["api_key"]).revoked_at is None


@pytest.mark.parametrize("persona", ["other_county", "applicant", "citizen"])
def test_a_draft_entry_of_another_unit_cannot_be_changed(world, as_person, persona):
    from catalog.models import Resource

    url = reverse("api-resource", args=[world.ids["draft"]])
    response = as_person(persona).patch(url, {"name": "改掉"}, content_type="application/json")
    assert response.status_code == 404
    assert Resource.objects.get(pk=world.ids["draft"]).name != "改掉"
