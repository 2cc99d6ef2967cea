"""The governance pages each persona reaches, and the queues where the other side answers."""

import pytest

from governance.models import SubjectIdentity
from governance.subjects import complaint_submit, copy_request_create
from tests.factories.governance import OTHER_ID

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("persona", ["producer", "reviewer", "citizen", "platform_admin"])
def test_the_home_page_opens_for_each_persona(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get("/governance/").status_code == 200


def test_the_navigation_links_to_governance(client, citizen):
    client.force_login(citizen)
    assert b'href="/governance/"' in client.get("/governance/").content


def test_the_producer_provides_a_copy_from_its_queue(client, citizen, insurance_entry, applicant):
    copy = copy_request_create(actor=citizen, resource=insurance_entry)
    client.force_login(applicant)
    page = client.get("/governance/copies/")
    assert b'data-testid="action-provide"' in page.content
    assert client.post(f"/governance/copy/{copy.pk}/act/", {"action": "provide"}).status_code == 302
    copy.refresh_from_db()
    assert copy.status == "provided"
    client.force_login(citizen)
    response = client.get(f"/governance/copies/{copy.pk}/file/")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")


def test_the_authority_answers_a_complaint_from_its_queue(client, citizen, producer_unit, reviewer, outsider):
    complaint = complaint_submit(actor=citizen, against=producer_unit, description="投诉")
    client.force_login(reviewer)
    assert f'data-complaint="{complaint.pk}"'.encode() in client.get("/governance/complaints/").content
    client.post(f"/governance/complaint/{complaint.pk}/act/", {"action": "answer", "opinion": "已处理"})
    complaint.refresh_from_db()
    assert complaint.status == "answered"
    client.force_login(outsider)
    assert client.post(f"/governance/complaint/{complaint.pk}/act/", {"action": "answer"}).status_code == 404


def test_the_grantee_sees_the_authorizations_given_to_it(
    client, grantee, citizen, insurance_entry, grantee_unit
):
    import datetime as dt

    from django.utils import timezone

    from governance.subjects import authorization_grant

    authorization = authorization_grant(
        actor=citizen,
        grantee=grantee_unit,
        resources=[insurance_entry],
        purpose="核验",
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + dt.timedelta(days=5),
    )
    client.force_login(grantee)
    assert (
        f'data-authorization="{authorization.pk}"'.encode()
        in client.get("/governance/authorizations/").content
    )


def test_a_platform_admin_records_a_verified_identity(client, platform_admin, unverified_citizen, producer):
    client.force_login(platform_admin)
    response = client.post(
        "/governance/identities/",
        {"user": unverified_citizen.pk, "id_number": OTHER_ID, "method": "窗口核验"},
    )
    assert response.status_code == 302
    assert SubjectIdentity.objects.get(user=unverified_citizen).verified_by == platform_admin
    client.force_login(producer)
    assert client.get("/governance/identities/").status_code == 403
