import datetime as dt

import pytest
from django.utils import timezone

from catalog.models import Resource

pytestmark = pytest.mark.django_db


def aggregated(resource: Resource, days_ago: float, frequency: str) -> Resource:
    moment = timezone.now() - dt.timedelta(days=days_ago)
    Resource.objects.filter(pk=resource.pk).update(last_aggregated_at=moment, update_frequency=frequency)
    return Resource.objects.get(pk=resource.pk)


@pytest.mark.parametrize(
    ("frequency", "days_ago", "stale"),
    [
        ("daily", 0.5, False),
        ("daily", 1.5, True),
        ("weekly", 6, False),
        ("weekly", 8, True),
        ("monthly", 30, False),
        ("monthly", 40, True),
        ("yearly", 300, False),
    ],
)
def test_an_entry_older_than_its_update_frequency_is_stale(published, frequency, days_ago, stale):
    assert aggregated(published, days_ago, frequency).is_stale is stale


def test_a_published_entry_never_aggregated_is_stale(published):
    assert published.last_aggregated_at is None and published.is_stale


def test_a_draft_is_not_stale(draft):
    assert not draft.is_stale


def test_the_entry_page_and_api_show_the_stale_flag(client, api_as, producer, published):
    aggregated(published, 3, "daily")
    client.force_login(producer)
    assert 'data-testid="stale"' in client.get(f"/catalog/{published.pk}/").content.decode()
    assert api_as(producer).get(f"/api/v1/catalog/resources/{published.pk}/").json()["is_stale"] is True
