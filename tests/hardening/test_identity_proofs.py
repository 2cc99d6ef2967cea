"""Identity before rights (issue 18, item 1): a visitor who registers an organization under an existing
company's credit code was its data subject at once, could authorize his own unit and read the records
about the company unmasked. Now the organization is unverified until the data authority checks its
registration document, and only browses the open data until then."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from audit.models import AuditEvent
from catalog.aggregation.services import records_upsert
from catalog.models import OpenType
from dataplatform.core import identity
from dataplatform.core.demo.core import credit_code
from dataplatform.core.errors import ApplicationError, Forbidden
from dataplatform.core.identity import identity_decide, identity_proof_submit
from dataplatform.core.models import IdentityProof, IdentityStatus, Notification, Role, Unit
from dataplatform.core.models.units import UnitKind
from dataplatform.core.navigation import navigation_links
from dataplatform.core.workbench import pending_work_for
from governance.holdings import subject_of
from governance.subjects import authorization_grant, authorized_use, subject_identity_verify
from opening.applications import open_application_submit
from opening.registration import organization_register
from opening.services import open_entry_propose
from opening.workflow import open_entry_transition
from tests import factories
from tests.factories.governance import CITIZEN_ID, COMPANY_CODE, PEOPLE_ITEMS
from tests.factories.opening import RULES, make_resource
from tests.factories.sharing import publish

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n% business licence scan"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"


def pdf(name: str = "营业执照.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def register(code: str = COMPANY_CODE, username: str = "impostor", **overrides):
    fields = {
        "name": f"泉州冒名科技有限公司{username}",
        "kind": UnitKind.ENTERPRISE,
        "credit_code": code,
        "real_name": "冒名者",
        "phone": "13800001234",
        "username": username,
        "password": "Kaifang-2026-sj",
        "declares_domestic_controlled": True,
        "proof": pdf(),
    }
    return organization_register(**{**fields, **overrides})


@pytest.fixture(autouse=True)
def in_english():
    """The refusals are matched in English (the conftest goes back to Chinese after each test)."""
    translation.activate("en")


@pytest.fixture
def company_records(producer, reviewer):
    """The market regulator's entry holding a company's records, keyed by its credit code."""
    resource = publish(producer, reviewer, code="ID-FR-1")
    records_upsert(
        actor=producer,
        resource=resource,
        records=[{"credit_code": COMPANY_CODE, "company_name": "泉州测试科技有限公司", "capital": "100"}],
    )
    return resource


def as_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def authorize_own_unit(user, resource):
    today = timezone.localdate()
    return authorization_grant(
        actor=user,
        grantee=user.unit,
        resources=[resource],
        purpose="自用",
        starts_on=today,
        ends_on=today + dt.timedelta(days=30),
    )


# --- the finding ---------------------------------------------------------------------------------


def test_a_visitor_with_another_companys_code_is_not_its_subject_and_reads_nothing(
    city, reviewer, company_records
):
    impostor = register()
    assert impostor.unit.identity_status == IdentityStatus.UNVERIFIED and not impostor.unit.identity_proven
    assert subject_of(impostor) is None
    with pytest.raises(Forbidden):
        authorize_own_unit(impostor, company_records)
    with pytest.raises(Forbidden):  # no authorization, so none of the company's records unmasked
        authorized_use(actor=impostor, subject_id=COMPANY_CODE, resource=company_records, purpose="查看")
    client = as_client(impostor)
    assert client.get("/api/v1/governance/subject/holdings/").status_code == 403
    assert client.get(reverse("api-me")).json()["unit"]["identity_status"] == "unverified"
    page = client.get(reverse("governance-subject"))
    assert b'data-testid="identity-pending"' in page.content and "泉州测试科技".encode() not in page.content


def test_after_the_authority_verifies_the_document_the_company_acts_as_its_subject(
    city, reviewer, company_records
):
    company = register(username="company")
    identity_decide(actor=reviewer, unit=company.unit, approve=True)
    company.unit.refresh_from_db()
    assert company.unit.identity_proven and company.unit.identity_decided_by == reviewer
    assert subject_of(company).identifier == COMPANY_CODE
    authorize_own_unit(company, company_records)
    records = authorized_use(actor=company, subject_id=COMPANY_CODE, resource=company_records, purpose="核对")
    assert [r["company_name"] for r in records] == ["泉州测试科技有限公司"]
    event = AuditEvent.objects.get(action="unit.identity_verify")
    assert (event.actor, event.object_id) == (reviewer, str(company.unit.pk))
    notice = Notification.objects.get(recipient=company, message__startswith="Registration %(status)s")
    assert notice.params["unit"] == company.unit.name


# --- what the registration checks ----------------------------------------------------------------


def test_a_credit_code_with_a_wrong_check_character_is_refused(city):
    code = credit_code("91", "350500", "MA0000Q12")
    wrong = code[:17] + ("0" if code[17] != "0" else "1")
    with pytest.raises(ApplicationError, match="check character"):
        register(code=wrong)
    assert not Unit.objects.filter(credit_code=wrong).exists()


@pytest.mark.parametrize(
    "name, content",
    [
        ("营业执照.pdf", b"MZ\x90\x00\x03 a program, named as a PDF"),
        ("licence.png", b"<svg onload=alert(1)>"),
        ("licence.pdf", b""),
    ],
)
def test_a_document_that_is_no_pdf_jpeg_or_png_by_its_bytes_is_refused(city, name, content):
    with pytest.raises(ApplicationError, match="PDF, JPEG or PNG"):
        register(proof=pdf(name, content))
    assert not Unit.objects.filter(credit_code=COMPANY_CODE).exists()


def test_a_document_is_typed_and_named_by_its_bytes_not_its_name(city):
    user = register(proof=pdf("scan.txt", PNG))
    proof = IdentityProof.objects.get(unit=user.unit)
    assert proof.content_type == "image/png" and proof.file.name.endswith(".png")
    assert proof.original_name == "scan.txt" and "scan" not in proof.file.name


def test_a_document_over_the_size_limit_is_refused(city, monkeypatch):
    monkeypatch.setattr(identity, "MAX_PROOF_BYTES", len(PDF) - 1)
    with pytest.raises(ApplicationError, match="larger than"):
        register()


def test_the_register_page_takes_the_document_and_says_what_is_pending(city, client):
    fields = {
        "name": "泉州数联科技有限公司",
        "kind": "enterprise",
        "credit_code": COMPANY_CODE,
        "declares_domestic_controlled": "on",
        "real_name": "王数联",
        "phone": "13800001234",
        "username": "shulian",
        "password": "Kaifang-2026-sj",
    }
    page = client.post(reverse("open-register"), fields)
    assert page.status_code == 200 and not Unit.objects.filter(credit_code=COMPANY_CODE).exists()
    response = client.post(reverse("open-register"), {**fields, "proof": pdf()})
    assert response.status_code == 302
    unit = Unit.objects.get(credit_code=COMPANY_CODE)
    assert unit.identity_status == IdentityStatus.UNVERIFIED and unit.identity_proofs.count() == 1
    home = as_client(unit.people.get()).get(reverse("home"))
    assert b'data-testid="identity-awaited"' in home.content


# --- the verification workflow -------------------------------------------------------------------


def test_the_regions_reviewers_get_a_to_do_and_a_notice_others_do_not(city, reviewer, county_reviewer):
    user = register()
    assert Notification.objects.filter(recipient=reviewer, params__unit=user.unit.name).exists()
    assert not Notification.objects.filter(recipient=county_reviewer).exists()
    assert [item.url for item in pending_work_for(reviewer) if item.kind == "identity"] == [
        "/units/verifications/"
    ]
    assert not [item for item in pending_work_for(county_reviewer) if item.kind == "identity"]
    with pytest.raises(Forbidden):
        identity_decide(actor=county_reviewer, unit=user.unit, approve=True)
    identity_decide(actor=reviewer, unit=user.unit, approve=True)
    assert not [item for item in pending_work_for(reviewer) if item.kind == "identity"]


def test_a_rejection_gives_its_reason_and_new_documents_put_it_to_the_authority_again(city, reviewer):
    user = register()
    with pytest.raises(ApplicationError):
        identity_decide(actor=reviewer, unit=user.unit, approve=False, note=" ")
    identity_decide(actor=reviewer, unit=user.unit, approve=False, note="执照名称与登记名称不符")
    unit = Unit.objects.get(pk=user.unit_id)
    assert (unit.identity_status, unit.identity_note) == (IdentityStatus.REJECTED, "执照名称与登记名称不符")
    assert AuditEvent.objects.filter(action="unit.identity_reject", object_id=str(unit.pk)).exists()
    assert Notification.objects.get(recipient=user, body="执照名称与登记名称不符")
    home = as_client(user).get(reverse("home"))
    assert "执照名称与登记名称不符".encode() in home.content
    with pytest.raises(ApplicationError):  # decided already
        identity_decide(actor=reviewer, unit=unit, approve=True)
    identity_proof_submit(actor=user, document=pdf("新执照.pdf"))
    unit.refresh_from_db()
    assert unit.identity_status == IdentityStatus.UNVERIFIED and unit.identity_proofs.count() == 2
    assert AuditEvent.objects.filter(action="unit.identity_submit", object_id=str(unit.pk)).count() == 2
    identity_decide(actor=reviewer, unit=unit, approve=True)
    with pytest.raises(ApplicationError):  # a verified identity stays verified
        identity_proof_submit(actor=user, document=pdf())


def test_the_page_and_the_api_decide_the_same(city, reviewer, producer, county_reviewer, api_as):
    first, second = register(username="first"), register(code=credit_code("91", "350500", "MA0000Q20"))
    client = as_client(reviewer)
    page = client.get(reverse("organization-verifications"))
    assert first.unit.name.encode() in page.content and b'data-testid="verify"' in page.content
    response = client.post(
        reverse("organization-verification-decide", args=[first.unit_id]), {"approve": "1"}
    )
    assert response.status_code == 302
    assert Unit.objects.get(pk=first.unit_id).identity_status == IdentityStatus.VERIFIED
    listed = api_as(reviewer).get(reverse("api-organization-verifications"), {"status": "unverified"}).json()
    assert [row["id"] for row in listed["results"]] == [second.unit_id]
    assert api_as(producer).get(reverse("api-organization-verifications")).json()["results"] == []
    url = reverse("api-organization-verification-decision", args=[second.unit_id])
    assert api_as(county_reviewer).post(url, {"approve": True}, format="json").status_code == 404
    refused = api_as(reviewer).post(url, {"approve": False}, format="json")
    assert refused.status_code == 400
    decided = api_as(reviewer).post(url, {"approve": False, "note": "代码不符"}, format="json")
    assert decided.status_code == 200 and decided.json()["identity_status"] == "rejected"


# --- who sees the documents ----------------------------------------------------------------------


def test_only_the_verifiers_and_the_organization_download_its_document(
    city, reviewer, platform_admin, county_reviewer, producer
):
    user = register()
    other = register(code=credit_code("91", "350500", "MA0000Q30"), username="other")
    proof = IdentityProof.objects.get(unit=user.unit)
    url = reverse("organization-proof", args=[proof.pk])
    for person in (reviewer, platform_admin, user):
        response = as_client(person).get(url)
        assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
        assert response["Content-Type"] == "application/pdf"
    for person in (county_reviewer, producer, other, factories.person(None)):
        assert as_client(person).get(url).status_code == 404
    assert Client().get(url).status_code == 302
    readers = AuditEvent.objects.filter(action="unit.identity_proof_download").values_list("actor", flat=True)
    assert sorted(readers) == sorted([reviewer.pk, platform_admin.pk, user.pk])


def test_the_organization_sees_its_own_registration_and_no_one_elses(city, reviewer):
    user = register()
    other = register(code=credit_code("91", "350500", "MA0000Q30"), username="other")
    page = as_client(user).get(reverse("organization-verifications"))
    assert user.unit.name.encode() in page.content and other.unit.name.encode() not in page.content
    assert b'data-testid="verify"' not in page.content and b'data-testid="proof-upload"' in page.content


# --- what an unverified organization may not do --------------------------------------------------


def test_an_unverified_organization_cannot_apply_for_open_data(city, producer, reviewer):
    resource = make_resource(producer, reviewer, code="ID-OPEN-1", open_type=OpenType.ON_APPLICATION)
    entry = open_entry_propose(
        actor=producer, resource=resource, open_type=OpenType.ON_APPLICATION, rules=RULES
    )
    entry = open_entry_transition(
        entry=entry, action="open", actor=reviewer, open_type=OpenType.ON_APPLICATION
    )
    user = register()
    today = timezone.localdate()
    with pytest.raises(Forbidden):
        open_application_submit(
            actor=user,
            entry=entry,
            scenario="研发",
            purpose="产品研发",
            use_kind="commercial",
            period_start=today,
            period_end=today + dt.timedelta(days=30),
            declares_domestic_controlled=True,
        )
    page = as_client(user).get(reverse("open-apply", args=[entry.slug]))
    assert b'data-testid="identity-pending"' in page.content and b'id="application-form"' not in page.content
    assert "/open/applications/" not in [url for _label, url in navigation_links(user)]


def test_a_subject_cannot_authorize_an_unverified_organization(city, platform_admin, reviewer, producer):
    resource = publish(producer, reviewer, code="ID-RK-1", items=PEOPLE_ITEMS, category="population")
    records_upsert(
        actor=producer, resource=resource, records=[{"id_number": CITIZEN_ID, "full_name": "苏市民"}]
    )
    citizen = factories.person(None, username="citizen")
    subject_identity_verify(actor=platform_admin, user=citizen, id_number=CITIZEN_ID, method="窗口核验")
    impostor = register()
    today = timezone.localdate()
    with pytest.raises(ApplicationError, match="not been verified"):
        authorization_grant(
            actor=citizen,
            grantee=impostor.unit,
            resources=[resource],
            purpose="办理业务",
            starts_on=today,
            ends_on=today,
        )


def test_units_made_by_an_administrator_are_verified_and_their_rights_unchanged(city):
    unit = factories.unit("泉州既有科技有限公司", UnitKind.ENTERPRISE, city)
    admin = factories.person(unit, Role.DATA_ADMIN)
    assert unit.identity_proven and subject_of(admin).identifier == unit.credit_code


def test_a_unit_the_platform_administrator_makes_in_the_admin_is_verified_by_him(city, platform_admin):
    code = credit_code("91", "350500", "MA0000Q40")
    response = as_client(platform_admin).post(
        "/admin/core/unit/add/",
        {
            "name": "泉州后台科技有限公司",
            "credit_code": code,
            "kind": "enterprise",
            "level": "city",
            "region": city.pk,
            "is_active": "on",
            "identity_status": "rejected",
        },
    )
    assert response.status_code == 302
    unit = Unit.objects.get(credit_code=code)
    assert unit.identity_proven and unit.identity_decided_by == platform_admin


def test_a_document_gone_from_storage_is_a_404_and_no_reading_is_audited(city, reviewer):
    user = register()
    proof = IdentityProof.objects.get(unit=user.unit)
    proof.file.storage.delete(proof.file.name)
    assert as_client(reviewer).get(reverse("organization-proof", args=[proof.pk])).status_code == 404
    assert not AuditEvent.objects.filter(action="unit.identity_proof_download").exists()
