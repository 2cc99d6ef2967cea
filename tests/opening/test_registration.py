"""A public organization registers, with its data administrator by real name."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import AuditEvent
from dataplatform.core.demo.core import credit_code
from dataplatform.core.errors import ApplicationError
from dataplatform.core.models import Role, Unit, User
from opening.registration import organization_register

pytestmark = pytest.mark.django_db

PASSWORD = "Kaifang-2026-sj"


def fields(**overrides) -> dict:
    base = {
        "name": "泉州数联科技有限公司",
        "kind": "enterprise",
        "credit_code": credit_code("91", "350500", "MA0000999"),
        "real_name": "王数联",
        "phone": "13800001234",
        "username": "shulian",
        "password": PASSWORD,
        "declares_domestic_controlled": True,
        "proof": SimpleUploadedFile("营业执照.pdf", b"%PDF-1.7 licence scan", content_type="application/pdf"),
    }
    return {**base, **overrides}


def test_an_enterprise_registers_declaring_domestic_control(city):
    user = organization_register(**fields())
    assert user.unit.kind == "enterprise" and user.unit.declares_domestic_controlled
    assert user.has_role(Role.DATA_ADMIN)
    assert AuditEvent.objects.filter(action="open_organization.register", actor=user).exists()


def test_an_enterprise_that_does_not_declare_is_refused(city):
    with pytest.raises(ApplicationError):
        organization_register(**fields(declares_domestic_controlled=False))
    assert not Unit.objects.filter(name="泉州数联科技有限公司").exists()


def test_a_university_registers_with_an_institution_code(city):
    user = organization_register(
        **fields(name="泉州某学院", kind="university", credit_code=credit_code("12", "350500", "MB0000998"))
    )
    assert user.unit.kind == "university" and not user.unit.declares_domestic_controlled


def test_a_code_of_the_wrong_kind_or_a_government_kind_is_refused(city):
    with pytest.raises(ApplicationError):
        organization_register(**fields(kind="university"))
    with pytest.raises(ApplicationError):
        organization_register(**fields(kind="government"))


def test_the_register_page(city, client):
    assert client.get("/open/register/").status_code == 200
    response = client.post("/open/register/", fields())
    assert response.status_code == 302
    assert User.objects.get(username="shulian").unit.name == "泉州数联科技有限公司"
    page = client.post("/open/register/", fields(username="other", declares_domestic_controlled=""))
    assert page.status_code == 200 and b'data-testid="form-error"' in page.content
