"""The portal as a public site: its own header and name, sorting, format and "updated" badges, a dataset's
publish date and contact, and absolute addresses at SITE_URL rather than the request's host."""

import datetime as dt
import json
import re

import pytest
from django.test import override_settings
from django.utils import timezone

from catalog.models import OpenType, Resource
from catalog.services import resource_update
from catalog.workflow import resource_transition
from opening.models import OpenEntry
from opening.services import open_entry_propose
from opening.workflow import open_entry_transition
from tests.factories.opening import RULES, make_resource

pytestmark = pytest.mark.django_db

SITE = "https://data.quanzhou.gov.cn"


@pytest.fixture
def tea_entry(producer, reviewer):
    """A third open dataset whose name sorts first in pinyin (安 an) but last by code point."""
    resource = make_resource(producer, reviewer, code="QZ-KF-0003", name="安溪茶园登记信息")
    entry = open_entry_propose(actor=producer, resource=resource, open_type=OpenType.UNIVERSAL, rules=RULES)
    return open_entry_transition(entry=entry, action="open", actor=reviewer, open_type=OpenType.UNIVERSAL)


@pytest.fixture
def three(open_entry, on_application_entry, tea_entry):
    """Opened on three days, downloaded a different number of times."""
    now = timezone.now()
    for entry, days_ago, downloads in (
        (open_entry, 3, 5),  # 个体工商户证照信息
        (on_application_entry, 1, 0),  # 个体户经营明细
        (tea_entry, 2, 9),  # 安溪茶园登记信息
    ):
        OpenEntry.objects.filter(pk=entry.pk).update(
            opened_at=now - dt.timedelta(days=days_ago), download_count=downloads
        )
    return open_entry, on_application_entry, tea_entry


def _slugs(client, **query) -> list[str]:
    return [entry.slug for entry in client.get("/open/", query).context["results"]]


def _age(entry: OpenEntry, days: int) -> None:
    """Make every date the portal reads of ``entry`` ``days`` old."""
    then = timezone.now() - dt.timedelta(days=days)
    OpenEntry.objects.filter(pk=entry.pk).update(opened_at=then)
    Resource.objects.filter(pk=entry.resource_id).update(published_at=then, last_aggregated_at=then)


def _result(content: str, slug: str) -> str:
    """The HTML of one dataset's card on the list."""
    start = content.index(f'data-slug="{slug}"')
    end = content.find('data-testid="dataset-result"', start)
    return content[start : end if end != -1 else len(content)]


def test_the_list_shows_the_newest_opened_first_by_default(three, client):
    open_entry, on_application_entry, tea_entry = three
    assert _slugs(client) == [on_application_entry.slug, tea_entry.slug, open_entry.slug]
    assert _slugs(client, sort="newest") == _slugs(client)


def test_the_list_sorts_by_downloads(three, client):
    open_entry, on_application_entry, tea_entry = three
    assert _slugs(client, sort="downloads") == [tea_entry.slug, open_entry.slug, on_application_entry.slug]


def test_the_list_sorts_by_name_in_pinyin_order(three, client):
    open_entry, on_application_entry, tea_entry = three
    # 安溪 (ān) before 个体工商户 (gè tǐ gōng) before 个体户 (gè tǐ hù); by code point 个 (U+4E2A) comes first.
    assert _slugs(client, sort="name") == [tea_entry.slug, open_entry.slug, on_application_entry.slug]


def test_sorting_by_name_reads_the_reviewed_name_while_a_revision_is_pending(three, producer, client):
    open_entry, on_application_entry, tea_entry = three
    # Drafts renamed to sort elsewhere (左 zuǒ last, 阿 ā first) are not public: the list keeps the
    # published names' order.
    for entry, draft_name in ((tea_entry, "左草稿"), (open_entry, "阿草稿")):
        resource = resource_transition(resource=entry.resource, to="draft", actor=producer)
        resource_update(actor=producer, resource=resource, name=draft_name)
    assert _slugs(client, sort="name") == [tea_entry.slug, open_entry.slug, on_application_entry.slug]


def test_sorting_keeps_the_search_and_the_unit_filter(three, client):
    open_entry, on_application_entry, tea_entry = three
    unit = open_entry.resource.producer_id
    assert _slugs(client, q="个体工商户", unit=unit, sort="downloads") == [
        tea_entry.slug,
        open_entry.slug,
        on_application_entry.slug,
    ]
    assert _slugs(client, q="经营明细", sort="downloads") == [on_application_entry.slug]
    page = client.get("/open/", {"unit": unit, "sort": "name"})
    content = page.content.decode()
    # The search form carries the unit along, and the sort box belongs to the form.
    assert re.search(rf'<input type="hidden" name="unit" value="{unit}"', content)
    assert re.search(r'<select name="sort"[^>]*form="portal-search"', content)
    assert page.context["active_filters"] == [(open_entry.resource.producer.name, "?sort=name")]


def test_a_universal_dataset_shows_its_file_formats_and_an_on_application_one_the_api(three, client):
    open_entry, on_application_entry, _ = three
    content = client.get("/open/").content.decode()
    badges = re.compile(r'data-testid="format-badge">(\w+)<')
    assert badges.findall(_result(content, open_entry.slug)) == ["CSV", "XLSX", "JSON"]
    assert badges.findall(_result(content, on_application_entry.slug)) == ["API"]


def test_only_a_recently_updated_dataset_is_marked_updated(open_entry, on_application_entry, client):
    _age(on_application_entry, days=30)
    content = client.get("/open/").content.decode()
    assert 'data-testid="updated-badge"' in _result(content, open_entry.slug)
    assert 'data-testid="updated-badge"' not in _result(content, on_application_entry.slug)
    # New data makes it recent again.
    Resource.objects.filter(pk=on_application_entry.resource_id).update(last_aggregated_at=timezone.now())
    content = client.get("/open/").content.decode()
    assert 'data-testid="updated-badge"' in _result(content, on_application_entry.slug)


def test_a_dataset_page_shows_its_publish_date_and_whom_to_contact(open_entry, client):
    OpenEntry.objects.filter(pk=open_entry.pk).update(opened_at=dt.datetime(2026, 3, 2, 20, 0, tzinfo=dt.UTC))
    Resource.objects.filter(pk=open_entry.resource_id).update(
        published_at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
        last_aggregated_at=dt.datetime(2026, 3, 5, 1, 30, tzinfo=dt.UTC),
    )
    page = client.get(f"/open/datasets/{open_entry.slug}/")
    content = page.content.decode()
    assert '<dd id="published-on">2026-03-03</dd>' in content  # China Standard Time: 04:00 the next day
    assert '<dd id="last-update">2026-03-05 09:30</dd>' in content  # the latest change: its data
    producer = open_entry.resource.producer
    contact = content[content.index('id="contact"') :]
    assert (
        f'href="/open/organizations/{producer.credit_code.lower()}/" id="contact-unit">{producer.name}<'
        in contact
    )
    assert producer.credit_code in contact and producer.region.name in contact
    assert 'id="contact-provider"' not in contact  # the producer provides its own data
    assert client.get(f"/open/organizations/{producer.credit_code.lower()}/").status_code == 200


def test_a_withdrawn_dataset_names_its_producer_without_a_link_that_could_lead_nowhere(
    open_entry, reviewer, client
):
    entry = open_entry_transition(entry=open_entry, action="withdraw", actor=reviewer, reason="风险")
    producer = entry.resource.producer
    content = client.get(f"/open/datasets/{entry.slug}/").content.decode()
    assert f'<span id="contact-unit">{producer.name}</span>' in content
    assert 'data-testid="updated-badge"' not in content and 'id="api-url"' not in content
    assert client.get(f"/open/organizations/{producer.credit_code.lower()}/").status_code == 404


def test_the_contact_names_the_providing_unit_when_another_unit_provides_the_data(
    open_entry, applicant_unit, client
):
    Resource.objects.filter(pk=open_entry.resource_id).update(providing_unit=applicant_unit)
    content = client.get(f"/open/datasets/{open_entry.slug}/").content.decode()
    assert f'<dd id="contact-provider">{applicant_unit.name}</dd>' in content


@override_settings(SITE_URL=SITE)
def test_the_api_box_shows_the_site_address_whatever_host_the_request_came_through(
    on_application_entry, client
):
    page = client.get(f"/open/datasets/{on_application_entry.slug}/", HTTP_HOST="localhost:8000")
    content = page.content.decode()
    slug = on_application_entry.slug
    assert f'id="api-url">{SITE}/api/3/action/package_show?id={slug}<' in content
    assert f'id="records-api-url">{SITE}/api/v1/open/datasets/{slug}/records/<' in content
    assert "localhost" not in content


@override_settings(SITE_URL=SITE)
def test_a_download_names_the_dataset_page_at_the_site_address(open_entry, client):
    response = client.get(f"/open/datasets/{open_entry.slug}/download.json", HTTP_HOST="localhost:8000")
    document = json.loads(b"".join(response.streaming_content).decode("utf-8-sig"))
    assert document["provenance"]["url"] == f"{SITE}/open/datasets/{open_entry.slug}/"


def test_the_portal_has_its_own_header_with_a_login_link_and_no_internal_menus(open_entry, client):
    content = client.get(f"/open/datasets/{open_entry.slug}/").content.decode()
    assert "<title>个体工商户证照信息 · 泉州市公共数据开放平台</title>" in content
    assert 'data-testid="portal-name"' in content and "泉州市公共数据开放平台" in content
    assert 'id="login-link"' in content
    assert re.search(r'href="/accounts/login/\?next=/open/datasets/' + open_entry.slug, content)
    assert 'data-bs-target="#nav"' not in content  # the platform's own navigation bar


def test_a_person_who_is_logged_in_sees_their_name_and_the_way_to_the_workbench(
    open_entry, applicant, client
):
    client.force_login(applicant)
    content = client.get("/open/").content.decode()
    assert 'data-testid="portal-user"' in content and applicant.real_name in content
    assert 'href="/" id="workbench-link"' in content
    assert 'id="login-link"' not in content


def test_the_portal_speaks_english_too(open_entry, client):
    content = client.get("/open/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<title>Datasets · Quanzhou Open Data</title>" in content
    assert ">Most downloaded</option>" in content
