"""A small platform with one of everything the access matrix looks up, owned by known units, and the
personas that try to reach it (issue 9, item 4)."""

from dataclasses import dataclass, field

from django.core.files.uploadedfile import SimpleUploadedFile

from catalog.aggregation.services import batch_upload, records_upsert
from catalog.services import resource_create
from correction.services import ticket_report
from dataplatform.core.apikeys import api_key_issue
from dataplatform.core.demo.core import credit_code
from dataplatform.core.models import Role
from dataplatform.core.models.units import UnitKind
from dataplatform.core.notifications import notify
from opening.registration import organization_register
from sharing.models import Grant
from sharing.services import attachment_add
from sharing.workflow import application_act
from tests import factories
from tests.factories.catalog import entry_fields
from tests.factories.sharing import apply, publish

PERSONAS = [
    "anonymous",
    "citizen",  # a member of the public, of no unit
    "applicant",  # data administrator of the applying unit
    "producer",  # data administrator of the producing unit
    "evaluator",  # technical service unit
    "county_reviewer",  # Jinjiang county authority
    "reviewer",  # city authority
    "platform_admin",
    "other_county",  # data administrator of a unit in Jinjiang, party to nothing here
]
MISSING = 987654  # a primary key no object has


@dataclass
class World:
    people: dict = field(default_factory=dict)
    ids: dict = field(default_factory=dict)  # name -> primary key of an object owned by the city's units


def build_world(
    *, producer, applicant, evaluator, reviewer, county_reviewer, platform_admin, jinjiang
) -> World:
    published = publish(producer, reviewer, code="MX-PUB-1")
    records_upsert(
        actor=producer,
        resource=published,
        records=[{"credit_code": "91350500MA0000001X", "company_name": "泉州测试"}],
    )
    draft = resource_create(actor=producer, producer=producer.unit, **entry_fields(code="MX-DRAFT-1"))
    application = apply(applicant, published)  # a draft application
    attachment = attachment_add(
        actor=applicant, application=application, title="方案", file=SimpleUploadedFile("p.pdf", b"%PDF")
    )
    granted = application_act(application=apply(applicant, published), action="submit", actor=applicant)
    grant = Grant.objects.get(application=granted)
    ticket = ticket_report(
        actor=applicant,
        resource=published,
        keys=["91350500MA0000001X"],
        items=["company_name"],
        description="名称有误",
        attachment=SimpleUploadedFile("evidence.pdf", b"%PDF"),
    )
    batch = batch_upload(
        actor=producer,
        resource=published,
        file=SimpleUploadedFile("r.csv", "credit_code,company_name\n91350500MA0000002X,乙\n".encode()),
    )
    key = api_key_issue(actor=applicant, unit=applicant.unit, name="一网通办系统").api_key
    notify(recipients=[applicant], title="测试通知")
    other_county = factories.person(
        factories.unit("晋江市某局", UnitKind.GOVERNMENT, jinjiang), Role.DATA_ADMIN, username="other_county"
    )
    citizen = factories.person(None, username="citizen")
    organization = organization_register(  # a city enterprise awaiting verification (issue 18)
        name="泉州矩阵科技有限公司",
        kind=UnitKind.ENTERPRISE,
        credit_code=credit_code("91", "350500", "MA0000M01"),
        real_name="矩阵",
        username="matrix_org",
        password="Kaifang-2026-sj",
        declares_domestic_controlled=True,
        proof=SimpleUploadedFile("licence.pdf", b"%PDF-1.7 licence"),
    ).unit
    people = {
        "anonymous": None,
        "citizen": citizen,
        "applicant": applicant,
        "producer": producer,
        "evaluator": evaluator,
        "county_reviewer": county_reviewer,
        "reviewer": reviewer,
        "platform_admin": platform_admin,
        "other_county": other_county,
    }
    ids = {
        "published": published.pk,
        "draft": draft.pk,
        "application": application.pk,
        "attachment": attachment.pk,
        "granted_application": granted.pk,
        "grant": grant.pk,
        "ticket": ticket.pk,
        "batch": batch.pk,
        "api_key": key.pk,
        "applicant_unit": applicant.unit_id,
        "organization": organization.pk,
        "identity_proof": organization.identity_proofs.get().pk,
        "missing": MISSING,
    }
    return World(people=people, ids=ids)
