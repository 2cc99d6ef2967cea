import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import translation

from audit.models import AuditEvent
from dataplatform.core.credit_code import check_character, validate_credit_code
from dataplatform.core.errors import ApplicationError
from dataplatform.core.models import Role
from dataplatform.core.models.units import UnitKind
from dataplatform.core.people import (
    regions_reviewed_by,
    reviews_for_unit,
    role_assign,
    role_revoke,
    unit_create,
)
from tests import factories

# Published examples of unified social credit codes with their check characters.
VALID_CODES = ["91350100M000100Y43", "911100001000001234"[:17] + check_character("91110000100000123")]


@pytest.mark.parametrize("code", VALID_CODES)
def test_a_valid_credit_code_passes(code):
    validate_credit_code(code)


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("91350100M000100Y4", "length"),
        ("91350100M000100Y44", "check"),
        ("91350100M000100I43", "alphabet"),
        ("9135010OM000100Y43", "alphabet"),
        ("91AB0100M000100Y43", "division"),
    ],
)
def test_an_invalid_credit_code_says_what_is_wrong(code, error):
    with pytest.raises(ValidationError) as caught:
        validate_credit_code(code)
    assert caught.value.code == error


def test_the_check_character_error_names_the_expected_character():
    with pytest.raises(ValidationError) as caught:
        validate_credit_code("91350100M000100Y44")
    assert "3" in caught.value.messages[0]


@pytest.mark.django_db
def test_unit_create_validates_and_audits(city):
    unit = unit_create(
        actor=None,
        name="泉州市某局",
        kind=UnitKind.GOVERNMENT,
        region=city,
        level=city.level,
        credit_code="91350100M000100Y43",
    )
    assert AuditEvent.objects.filter(action="unit.create", object_id=str(unit.pk)).exists()
    with pytest.raises(ValidationError) as caught:
        unit_create(
            actor=None,
            name="坏单位",
            kind=UnitKind.GOVERNMENT,
            region=city,
            level=city.level,
            credit_code="X",
        )
    assert "credit_code" in caught.value.message_dict


@pytest.mark.django_db
def test_a_region_has_only_one_data_authority(authority, city):
    with pytest.raises(IntegrityError):
        factories.unit("另一个管理局", UnitKind.AUTHORITY, city)


@pytest.mark.django_db
def test_a_reviewer_must_work_at_an_authority(producer_unit):
    person = factories.person(producer_unit)
    with pytest.raises(ApplicationError, match=str(Role.REVIEWER.label)):
        role_assign(actor=None, user=person, role=Role.REVIEWER)


@pytest.mark.django_db
def test_an_evaluator_must_work_at_the_technical_service_unit(authority):
    with pytest.raises(ApplicationError):
        role_assign(actor=None, user=factories.person(authority), role=Role.EVALUATOR)


@pytest.mark.django_db
def test_a_citizen_holds_no_role():
    with translation.override("en"), pytest.raises(ApplicationError, match="no unit"):
        role_assign(actor=None, user=factories.person(None), role=Role.DATA_ADMIN)


@pytest.mark.django_db
def test_the_county_reviewer_reviews_the_county_and_not_the_city(county_reviewer, reviewer, jinjiang, city):
    county_unit = factories.unit("晋江市市场监督管理局", UnitKind.GOVERNMENT, jinjiang)
    city_unit = factories.unit("泉州市公安局", UnitKind.GOVERNMENT, city)
    assert reviews_for_unit(county_reviewer, county_unit)
    assert not reviews_for_unit(county_reviewer, city_unit)
    assert reviews_for_unit(reviewer, city_unit)
    assert list(regions_reviewed_by(county_reviewer)) == [jinjiang]


@pytest.mark.django_db
def test_revoking_the_reviewer_role_takes_the_region_away(county_reviewer, jinjiang):
    role_revoke(actor=None, user=county_reviewer, role=Role.REVIEWER)
    county_reviewer.refresh_from_db()
    assert not county_reviewer.has_role(Role.REVIEWER)
    assert not regions_reviewed_by(county_reviewer).exists()
    assert AuditEvent.objects.filter(action="role.revoke").exists()


@pytest.mark.django_db
def test_a_platform_administrator_may_use_the_django_admin(platform_admin, producer, client):
    platform_admin.refresh_from_db()
    assert platform_admin.is_staff
    client.force_login(platform_admin)
    assert client.get("/admin/").status_code == 200
    client.force_login(producer)
    assert client.get("/admin/").status_code == 302  # to the admin login


@pytest.mark.django_db
def test_roles_edited_in_the_admin_go_through_the_role_services(platform_admin, county_authority, client):
    person = factories.person(county_authority)
    client.force_login(platform_admin)
    response = client.post(
        f"/admin/core/user/{person.pk}/change/",
        {
            "username": person.username,
            "real_name": person.real_name,
            "phone": "",
            "email": "",
            "unit": county_authority.pk,
            "roles": [Role.REVIEWER],
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content
    person = type(person).objects.get(pk=person.pk)
    assert person.has_role(Role.REVIEWER)
    assert regions_reviewed_by(person).get() == county_authority.region
