"""Information projects and their data assets (Q4.4, G50)."""

import pytest

from audit.models import AuditEvent
from catalog.aggregation.services import records_upsert
from catalog.services import resource_create
from catalog.workflow import resource_transition
from dataplatform.core.errors import ApplicationError
from governance.models import InfoProject, ProjectStage
from governance.projects import project_asset_add, project_asset_link, project_register
from governance.readiness import NOT_AGGREGATED, NOT_PUBLISHED, NOT_REGISTERED, project_readiness
from governance.workflow import act
from tests import factories
from tests.factories.catalog import entry_fields

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(producer, approving_unit):
    return project_register(
        actor=producer,
        code="XM-2026-001",
        name="市场主体智慧监管平台",
        approving_unit=approving_unit,
        assets=["企业信用档案", "抽查检查结果"],
    )


def missing(project) -> dict[str, tuple]:
    return {row.asset.name: row.missing for row in project_readiness(project).assets}


def test_a_unit_registers_a_project_with_its_data_assets_at_feasibility_stage(project, producer):
    assert project.status == ProjectStage.FEASIBILITY
    assert list(project.assets.values_list("name", flat=True)) == ["企业信用档案", "抽查检查结果"]
    event = AuditEvent.objects.get(action="governance.project.register")
    assert event.actor == producer and event.owner_unit == producer.unit
    assert event.detail["assets"] == ["企业信用档案", "抽查检查结果"]


def test_only_a_government_units_data_admin_registers(reviewer, applicant_unit, outsider):
    no_role = factories.person(outsider.unit, username="no_role")
    for actor in (reviewer, no_role):
        with pytest.raises(ApplicationError):
            project_register(actor=actor, code="X", name="x", approving_unit=applicant_unit, assets=["a"])


def test_each_asset_shows_what_is_missing_until_registered_published_and_aggregated(
    project, producer, reviewer
):
    asset = project.assets.get(name="企业信用档案")
    assert missing(project)["企业信用档案"] == (NOT_REGISTERED, NOT_AGGREGATED)

    draft = resource_create(actor=producer, producer=producer.unit, **entry_fields(code="XM-ZC-1"))
    project_asset_link(actor=producer, asset=asset, resource=draft)
    assert missing(project)["企业信用档案"] == (NOT_PUBLISHED, NOT_AGGREGATED)

    resource_transition(resource=draft, to="submitted", actor=producer)
    published = resource_transition(resource=draft, to="published", actor=reviewer)
    assert missing(project)["企业信用档案"] == (NOT_AGGREGATED,)

    records_upsert(
        actor=producer,
        resource=published,
        records=[{"credit_code": "91350500MA0000001X", "company_name": "某公司"}],
    )
    assert missing(project)["企业信用档案"] == ()
    assert not project_readiness(project).ready  # the second asset is still missing
    assert project_readiness(project).missing_count == 1


def test_an_asset_is_registered_in_the_project_units_own_catalog(project, applicant, reviewer, producer):
    from tests.factories.sharing import publish

    foreign = publish(applicant, reviewer, code="OTHER-1")
    with pytest.raises(ApplicationError):
        project_asset_link(actor=producer, asset=project.assets.first(), resource=foreign)


def test_assets_are_listed_only_at_feasibility_stage(project, producer, approver):
    project_asset_add(actor=producer, project=project, name="监管对象名录")
    act(obj=project, action="approve_feasibility", actor=approver)
    with pytest.raises(ApplicationError):
        project_asset_add(actor=producer, project=project, name="另一个")


def _make_ready(project, producer, reviewer):
    from tests.factories.sharing import publish

    for n, asset in enumerate(project.assets.all()):
        resource = publish(producer, reviewer, code=f"XM-R-{n}")
        records_upsert(
            actor=producer,
            resource=resource,
            records=[{"credit_code": "91350500MA0000001X", "company_name": "某"}],
        )
        project_asset_link(actor=producer, asset=asset, resource=resource)


def test_final_acceptance_is_refused_until_every_asset_is_ready(project, producer, reviewer, approver):
    project = act(obj=project, action="approve_feasibility", actor=approver)
    with pytest.raises(ApplicationError) as refused:
        act(obj=project, action="accept", actor=approver)
    assert refused.value.extra["code"] == "not_ready"
    _make_ready(project, producer, reviewer)
    project = act(obj=project, action="accept", actor=approver)
    assert project.status == ProjectStage.ACCEPTED and project.accepted_at is not None
    assert AuditEvent.objects.filter(action="governance.project.accept", actor=approver).exists()


def test_the_project_unit_cannot_accept_its_own_project(project, producer):
    with pytest.raises(ApplicationError) as refused:
        act(obj=project, action="approve_feasibility", actor=producer)
    assert refused.value.extra["code"] == "forbidden"


def test_the_approving_department_checks_readiness_by_api_key(api, project, approver_key):
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {approver_key}")
    response = api.get(f"/api/v1/governance/projects/{project.pk}/readiness/")
    assert response.status_code == 200
    body = response.json()
    assert body["ready"] is False and body["missing_count"] == 2
    assert body["assets"][0]["missing"] == [NOT_REGISTERED, NOT_AGGREGATED]
    event = AuditEvent.objects.get(action="governance.project.readiness_check")
    assert event.api_key is not None and event.detail["ready"] is False
    # and finds the project by its code
    assert api.get("/api/v1/governance/projects/?code=XM-2026-001").json()["results"][0]["id"] == project.pk


def test_readiness_is_true_once_every_asset_is_ready(api_as, project, producer, reviewer, approver):
    _make_ready(project, producer, reviewer)
    response = api_as(approver).get(f"/api/v1/governance/projects/{project.pk}/readiness/")
    assert response.json()["ready"] is True and response.json()["missing_count"] == 0


def test_an_outsider_does_not_see_the_project(api_as, project, outsider):
    assert api_as(outsider).get(f"/api/v1/governance/projects/{project.pk}/readiness/").status_code == 404


def test_projects_are_registered_and_accepted_over_the_api(api_as, producer, approver, approving_unit):
    response = api_as(producer).post(
        "/api/v1/governance/projects/",
        {"code": "XM-API-1", "name": "某系统", "approving_unit": approving_unit.pk, "assets": ["资产一"]},
        format="json",
    )
    assert response.status_code == 201
    project = InfoProject.objects.get(code="XM-API-1")
    response = api_as(approver).post(
        f"/api/v1/governance/projects/{project.pk}/act/", {"action": "approve_feasibility"}, format="json"
    )
    assert response.status_code == 200 and response.json()["status"] == "construction"
    refused = api_as(approver).post(
        f"/api/v1/governance/projects/{project.pk}/act/", {"action": "accept"}, format="json"
    )
    assert refused.status_code == 400 and refused.json()["code"] == "not_ready"


def test_the_project_pages(client, project, producer, approver):
    client.force_login(producer)
    assert client.get("/governance/projects/").status_code == 200
    page = client.get(f"/governance/projects/{project.pk}/")
    assert page.status_code == 200
    assert b'data-ready="0"' in page.content and b'data-testid="asset-form"' in page.content
    response = client.post(f"/governance/projects/{project.pk}/assets/", {"name": "第三项资产"})
    assert response.status_code == 302 and project.assets.filter(name="第三项资产").exists()
    client.force_login(approver)
    response = client.post(f"/governance/project/{project.pk}/act/", {"action": "approve_feasibility"})
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.status == ProjectStage.CONSTRUCTION
