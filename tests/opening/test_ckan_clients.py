"""The CKAN Action API read by the real clients, unchanged, against a live server: the ckanapi library
and its CLI, and the requests of ckanext-harvest's CKAN harvester (ckanext/harvest/harvesters/
ckanharvester.py: ``package_search`` with ``sort=id asc``, ``rows``/``start`` paging, an incremental ``fq``
on ``metadata_modified``, ``organization_show``/``group_show``)."""

import datetime as dt
import json
import os
import subprocess  # nosec B404: runs the ckanapi CLI installed in this virtualenv, no shell
import sys
from pathlib import Path
from urllib.parse import urlencode

import ckanapi
import pytest
import requests
from django.utils import timezone

from catalog.services import resource_update
from catalog.workflow import resource_transition
from opening.models import OpenEntry

# The live server needs committed rows: a transactional test. Its flush empties the classification tree
# that a migration seeds; the catalog seeds it again on its first lookup.
pytestmark = pytest.mark.django_db(transaction=True)

CKANAPI = str(Path(sys.executable).with_name("ckanapi"))


@pytest.fixture
def ckan(live_server):
    with ckanapi.RemoteCKAN(live_server.url, user_agent="ckanapi-test") as remote:
        yield remote


@pytest.fixture
def catalog(open_entry, on_application_entry):
    return {"open": open_entry, "on_application": on_application_entry}


def test_ckanapi_reads_datasets(ckan, catalog):
    entry = catalog["open"]
    assert ckan.action.package_list() == sorted(e.slug for e in catalog.values())
    package = ckan.action.package_show(id=entry.slug)
    assert package["id"] == str(entry.uuid)
    assert package["license_id"] == "cc-by"
    assert package["license_url"] == "http://www.opendefinition.org/licenses/cc-by"
    assert {r["format"] for r in package["resources"]} == {"CSV", "XLSX", "JSON"}
    found = ckan.action.package_search(q="证照", fq="res_format:CSV", sort="id asc", rows=10)
    assert [p["name"] for p in found["results"]] == [entry.slug]
    faceted = ckan.action.package_search(
        **{"facet.field": '["res_format", "organization"]', "facet.limit": -1}
    )
    assert faceted["facets"]["res_format"] == {"CSV": 1, "JSON": 1, "XLSX": 1, "API": 1}
    assert [len(p["resources"]) for p in ckan.action.current_package_list_with_resources(limit=5)]
    assert ckan.action.license_list()[0]["id"] == "notspecified"


def test_ckanapi_reads_groups_organizations_and_tags(ckan, catalog):
    org = catalog["open"].resource.producer.credit_code.lower()
    assert ckan.action.organization_list() == [org]
    shown = ckan.action.organization_show(id=org, include_datasets=True)
    assert shown["package_count"] == 2 and len(shown["packages"]) == 2
    assert ckan.action.group_list() == ["e_licence"]
    group = ckan.action.group_show(id="e_licence", include_datasets=False)
    assert group["package_count"] == 2 and group["is_organization"] is False
    assert len(ckan.action.group_package_show(id=group["id"])) == 2
    assert [p["name"] for p in ckan.action.tag_show(id="证照", include_datasets=True)["packages"]] == [
        catalog["open"].slug
    ]
    assert ckan.action.organization_list_for_user() == []
    assert ckan.action.site_read() is True


def test_ckanapi_raises_clients_errors(ckan, catalog):
    with pytest.raises(ckanapi.NotAuthorized):
        ckan.action.package_create(name="new-dataset", owner_org="nobody")
    with pytest.raises(ckanapi.NotAuthorized):
        ckan.action.resource_patch(id="x", url="http://example.invalid/")
    with pytest.raises(ckanapi.NotFound):
        ckan.action.package_show(id="no-such-dataset")
    with pytest.raises(ckanapi.NotFound):
        ckan.action.group_show(id="no-such-group")
    with pytest.raises(ckanapi.ValidationError):
        ckan.action.package_show()
    with pytest.raises(ckanapi.SearchQueryError):
        ckan.action.package_search(sort="secret desc")
    with pytest.raises(ckanapi.SearchError):
        ckan.action.package_search(fq="metadata_modified:[NOW-1DAY TO")
    with pytest.raises(ckanapi.CKANAPIError):
        ckan.action.no_such_action()


def test_ckanapi_get_only_sends_gets_that_work_too(live_server, catalog):
    with ckanapi.RemoteCKAN(live_server.url, get_only=True) as remote:
        found = remote.action.package_search(fq="organization:nobody OR groups:e_licence", rows=1, start=1)
    assert found["count"] == 2 and len(found["results"]) == 1


def dump(live_server, thing: str) -> list[dict]:
    env = {**os.environ, "PATH": f"{Path(CKANAPI).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    answer = subprocess.run(  # nosec B603: a fixed argument list
        [CKANAPI, "dump", thing, "--all", "-q", "-p", "1", "-r", live_server.url],
        capture_output=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert answer.returncode == 0, answer.stderr.decode()
    return [json.loads(line) for line in answer.stdout.decode().splitlines() if line.strip()]


def test_the_ckanapi_cli_dumps_datasets_groups_and_organizations(live_server, catalog):
    datasets = dump(live_server, "datasets")
    assert sorted(d["name"] for d in datasets) == sorted(e.slug for e in catalog.values())
    assert all(d["organization"]["name"] and d["resources"] for d in datasets)
    groups = dump(live_server, "groups")
    assert [(g["name"], g["package_count"]) for g in groups] == [("e_licence", 2)]
    organizations = dump(live_server, "organizations")
    assert [o["title"] for o in organizations] == ["泉州市市场监督管理局"]


# --- the ckanext-harvest CKAN harvester -----------------------------------------------------------


def harvest_search(base: str, fq_terms: list[str], rows: str = "100") -> list[dict]:
    """CKANHarvester._search_for_datasets, request for request."""
    url = base + "/api/3/action/package_search"
    params = {"rows": rows, "start": "0", "sort": "id asc"}
    if fq_terms:
        params["fq"] = " ".join(fq_terms)
    found: list[dict] = []
    previous = None
    while True:
        content = requests.get(url + "?" + urlencode(params), timeout=30).text
        assert content != previous, "The paging doesn't seem to work"
        previous = content
        page = json.loads(content).get("result", {}).get("results", [])
        found += [p for p in page if p["id"] not in {f["id"] for f in found}]
        if not page:
            return found
        params["start"] = str(int(params["start"]) + int(params["rows"]))


def since(last_gather_started: dt.datetime) -> str:
    """The harvester's incremental filter: an hour before the last error-free gather, naive UTC + Z."""
    return f"metadata_modified:[{(last_gather_started - dt.timedelta(hours=1)).isoformat()}Z TO *]"


def utcnow() -> dt.datetime:
    return timezone.now().astimezone(dt.UTC).replace(tzinfo=None)


def test_the_harvester_gathers_every_dataset_sorted_by_id_page_by_page(live_server, catalog):
    gathered = harvest_search(live_server.url, [], rows="1")
    assert [p["id"] for p in gathered] == sorted(str(e.uuid) for e in catalog.values())
    org = catalog["open"].resource.producer.credit_code.lower()
    filtered = harvest_search(
        live_server.url, [f"organization:{org} OR organization:other", "groups:e_licence"]
    )
    assert len(filtered) == 2
    assert harvest_search(live_server.url, [f"-organization:{org}"]) == []
    remote_org = requests.get(f"{live_server.url}/api/3/action/organization_show?id={org}", timeout=30).json()
    assert remote_org["result"]["name"] == org
    group = gathered[0]["groups"][0]
    remote_group = requests.get(
        f"{live_server.url}/api/3/action/group_show?id={group['id']}", timeout=30
    ).json()
    assert remote_group["result"]["name"] == "e_licence"


def test_an_incremental_harvest_sees_a_published_revision_only(live_server, catalog, producer, reviewer):
    entry = catalog["open"]
    three_days_ago = timezone.now() - dt.timedelta(days=3)
    OpenEntry.objects.update(opened_at=three_days_ago, decided_at=three_days_ago)
    type(entry.resource).objects.update(published_at=three_days_ago)
    first_gather = utcnow() - dt.timedelta(days=1)
    assert len(harvest_search(live_server.url, [])) == 2
    assert harvest_search(live_server.url, [since(first_gather)]) == []

    resource = resource_transition(resource=entry.resource, to="draft", actor=producer)
    resource_update(actor=producer, resource=resource, description="修订后的证照说明")
    assert harvest_search(live_server.url, [since(first_gather)]) == []  # a draft is not published
    resource_transition(resource=resource, to="submitted", actor=producer)
    resource_transition(resource=resource, to="published", actor=reviewer)

    revised = harvest_search(live_server.url, [since(first_gather)])
    assert [p["name"] for p in revised] == [entry.slug]
    assert revised[0]["notes"] == "修订后的证照说明"
    modified = dt.datetime.fromisoformat(revised[0]["metadata_modified"])
    assert abs(modified - utcnow()) < dt.timedelta(minutes=5)  # UTC, without an offset, as CKAN
    recent = harvest_search(live_server.url, ["metadata_modified:[NOW-1DAY TO NOW]"])
    assert [p["name"] for p in recent] == [entry.slug]
    assert harvest_search(live_server.url, ["metadata_modified:[* TO NOW-2DAYS]"])[0]["name"] != entry.slug
