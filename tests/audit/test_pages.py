"""The verification page, for the authority's reviewers and the platform's administrators."""

import pytest

from audit.services import audit_seal
from tests.factories.audit import behind_the_applications_back

pytestmark = pytest.mark.django_db


def page(client, user):
    client.force_login(user)
    return client.get("/audit/verify/")


@pytest.mark.parametrize("persona", ["reviewer", "platform_admin"])
def test_supervisors_see_every_chain_intact(client, request, record, persona):
    record(2)
    audit_seal()
    response = page(client, request.getfixturevalue(persona))
    assert response.status_code == 200
    assert response.context["report"].ok
    assert 'data-testid="chains"' in response.content.decode()
    assert 'href="/audit/"' in response.content.decode()  # the navigation link
    assert 'href="/audit/verify/"' in client.get("/audit/").content.decode()


def test_a_broken_chain_is_shown_with_its_event(client, reviewer, record):
    events = record(2)
    audit_seal()
    behind_the_applications_back("UPDATE audit_auditevent SET action = %s WHERE id = %s", ["x", events[0].pk])
    response = page(client, reviewer)
    assert not response.context["report"].ok
    assert 'class="badge text-bg-danger"' in response.content.decode()


def test_a_producer_may_not_see_the_page_nor_its_link(client, producer):
    response = page(client, producer)
    assert response.status_code == 403
    assert 'href="/audit/verify/"' not in client.get("/audit/").content.decode()
