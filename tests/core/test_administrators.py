"""A unit's leader in charge and data administrators, by real name with contacts; a change of person is
filed with the authority and takes effect on its approval (Q9.2)."""

import pytest

from audit.models import AuditEvent
from dataplatform.core.administrators import (
    personnel_change_decide,
    personnel_change_file,
    units_without_data_admin,
)
from dataplatform.core.errors import ApplicationError
from dataplatform.core.models import Notification, PersonnelChange, Role, Unit, User
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/api/v1/personnel-changes/"


@pytest.fixture
def newcomer(producer_unit):
    return factories.person(producer_unit, username="newcomer")


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)  # roles are cached on the instance


def hand_over(producer, newcomer, **extra):
    return personnel_change_file(
        actor=producer,
        unit=producer.unit,
        role=Role.DATA_ADMIN,
        incoming=newcomer,
        outgoing=producer,
        real_name="林新",
        phone="13800000001",
        email="linxin@example.gov.cn",
        reason="岗位调整",
        **extra,
    )


def test_a_change_of_data_administrator_takes_effect_only_when_the_authority_approves(
    producer, newcomer, reviewer
):
    change = hand_over(producer, newcomer)
    assert fresh(producer).has_role(Role.DATA_ADMIN) and not fresh(newcomer).has_role(Role.DATA_ADMIN)
    assert Notification.objects.filter(recipient=reviewer, url="/units/administrators/").exists()
    personnel_change_decide(actor=reviewer, change=change, approve=True)
    newcomer = fresh(newcomer)
    assert newcomer.has_role(Role.DATA_ADMIN) and not fresh(producer).has_role(Role.DATA_ADMIN)
    assert (newcomer.real_name, newcomer.phone, newcomer.email) == (
        "林新",
        "13800000001",
        "linxin@example.gov.cn",
    )
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"personnel_change.file", "personnel_change.approve", "role.assign", "role.revoke"} <= actions
    assert AuditEvent.objects.get(action="personnel_change.approve").owner_unit == producer.unit


def test_a_rejection_gives_its_reason_and_moves_nobody(producer, newcomer, reviewer):
    change = hand_over(producer, newcomer)
    with pytest.raises(ApplicationError):
        personnel_change_decide(actor=reviewer, change=change, approve=False)
    change = personnel_change_decide(actor=reviewer, change=change, approve=False, note="请提供任命文件")
    assert change.status == "rejected"
    assert fresh(producer).has_role(Role.DATA_ADMIN) and not fresh(newcomer).has_role(Role.DATA_ADMIN)
    with pytest.raises(ApplicationError):  # decided once
        personnel_change_decide(actor=reviewer, change=change, approve=True)


def test_the_incoming_person_is_registered_by_real_name_with_a_phone(producer, newcomer):
    with pytest.raises(ApplicationError):
        personnel_change_file(actor=producer, unit=producer.unit, role=Role.LEADER, incoming=newcomer)
    assert not PersonnelChange.objects.exists()


def test_the_incoming_person_works_at_the_unit(producer, applicant):
    with pytest.raises(ApplicationError):
        personnel_change_file(
            actor=producer, unit=producer.unit, role=Role.LEADER, incoming=applicant, phone="13800000002"
        )


def test_only_the_units_people_or_its_authority_file(api_as, outsider, producer_unit, newcomer):
    body = {"unit": producer_unit.pk, "role": "leader", "incoming": newcomer.pk, "phone": "13800000003"}
    assert api_as(outsider).post(URL, body, format="json").status_code == 403
    assert not PersonnelChange.objects.exists()


def test_the_authority_of_another_region_does_not_decide(api_as, producer, newcomer, county_reviewer):
    change = hand_over(producer, newcomer)
    response = api_as(county_reviewer).post(f"{URL}{change.pk}/decision/", {"approve": True}, format="json")
    assert response.status_code == 404
    assert PersonnelChange.objects.get().status == "filed"


def test_the_api_files_and_the_authority_approves(api_as, producer, newcomer, reviewer):
    body = {
        "unit": producer.unit_id,
        "role": "leader",
        "incoming": newcomer.pk,
        "real_name": "陈分管",
        "phone": "0595-22345678",
        "reason": "新任分管领导",
    }
    response = api_as(producer).post(URL, body, format="json")
    assert response.status_code == 201 and response.json()["status"] == "filed"
    pending = api_as(reviewer).get(URL, {"status": "filed"}).json()["results"]
    assert [c["id"] for c in pending] == [response.json()["id"]]
    decided = api_as(reviewer).post(f"{URL}{pending[0]['id']}/decision/", {"approve": True}, format="json")
    assert decided.status_code == 200 and decided.json()["status"] == "approved"
    register = api_as(producer).get(f"/api/v1/units/{producer.unit_id}/administrators/").json()
    people = {(p["role"], p["person"]["real_name"], p["person"]["phone"]) for p in register["people"]}
    assert ("leader", "陈分管", "0595-22345678") in people and register["has_data_admin"] is True


def test_outsiders_do_not_see_a_units_register(api_as, outsider, producer_unit):
    assert api_as(outsider).get(f"/api/v1/units/{producer_unit.pk}/administrators/").status_code == 404


def test_a_government_unit_without_a_data_administrator_is_found(producer, applicant_unit, authority):
    units = units_without_data_admin(Unit.objects.all())
    assert list(units) == [applicant_unit]  # the authority is no government unit; the producer has one


def test_the_page_files_a_change_and_the_authority_approves_it(client, producer, newcomer, reviewer):
    client.force_login(producer)
    page = client.get("/units/administrators/").content.decode()
    assert f'data-unit="{producer.unit_id}"' in page and 'data-testid="file-change"' in page
    client.post(
        "/units/administrators/changes/",
        {"unit": producer.unit_id, "role": "data_admin", "incoming": newcomer.pk, "phone": "13800000004"},
    )
    change = PersonnelChange.objects.get()
    client.force_login(reviewer)
    assert 'data-testid="approve"' in client.get("/units/administrators/").content.decode()
    client.post(f"/units/administrators/changes/{change.pk}/decide/", {"approve": "1"})
    assert fresh(newcomer).has_role(Role.DATA_ADMIN)


def test_a_citizen_has_no_register_page(client):
    client.force_login(factories.person(None, username="citizen"))
    assert client.get("/units/administrators/").status_code == 403


def test_a_filed_change_is_on_the_authoritys_home_page(client, producer, newcomer, reviewer, county_reviewer):
    hand_over(producer, newcomer)
    client.force_login(reviewer)
    assert 'href="/units/administrators/"' in client.get("/").content.decode().split("<main", 1)[-1]
    client.force_login(county_reviewer)
    assert 'data-testid="no-pending-work"' in client.get("/").content.decode()
