"""Disputes between units (G51): negotiation, coordination, joint consultation, the report."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import AuditEvent
from dataplatform.core.errors import ApplicationError
from governance.disputes import dispute_record
from governance.models import DisputeStatus, Step, StepDocument
from governance.workflow import act, allowed_actions
from tests import factories

pytestmark = pytest.mark.django_db


def pdf(name: str = "协商纪要.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 minutes", content_type="application/pdf")


@pytest.fixture
def dispute(producer, other_unit_admin, authority):
    return dispute_record(
        actor=producer,
        other_party=other_unit_admin.unit,
        title="企业登记数据的采集职责争议",
        matter="collection",
        description="双方均认为对方应采集该数据项",
        documents=[pdf("情况说明.pdf")],
    )


def test_a_unit_records_a_dispute_with_the_authority_of_its_level(dispute, producer, authority):
    assert dispute.status == DisputeStatus.NEGOTIATING and dispute.authority == authority
    step = Step.objects.get(subject="dispute", object_id=dispute.pk)
    assert step.action == "record" and step.documents.get().original_name == "情况说明.pdf"
    assert AuditEvent.objects.filter(action="governance.dispute.record", actor=producer).exists()


def test_a_dispute_between_a_county_unit_and_a_city_unit_goes_to_the_city(
    producer, jinjiang, county_authority, authority
):
    county = factories.person(factories.unit("晋江市某局", region_=jinjiang), "data_admin")
    dispute = dispute_record(
        actor=county, other_party=producer.unit, title="t", matter="use", description="d"
    )
    assert dispute.authority == authority
    same_county = factories.unit("晋江市另一局", region_=jinjiang)
    dispute = dispute_record(actor=county, other_party=same_county, title="t", matter="use", description="d")
    assert dispute.authority == county_authority


def test_the_full_path_to_the_governments_decision(dispute, producer, other_unit_admin, reviewer):
    dispute = act(obj=dispute, action="ask_coordination", actor=other_unit_admin, opinion="协商未果")
    dispute = act(
        obj=dispute, action="convene_consultation", actor=reviewer, opinion="协调未果，会同编办会商"
    )
    dispute = act(obj=dispute, action="prepare_report", actor=reviewer, opinion="会商未果")
    with pytest.raises(ApplicationError):  # the report lists both sides' grounds
        act(obj=dispute, action="report", actor=reviewer, opinion="倾向性意见")
    dispute = act(
        obj=dispute,
        action="state_grounds",
        actor=producer,
        opinion="依据《条例》第十条",
        documents=[pdf("理据.pdf")],
    )
    dispute = act(obj=dispute, action="state_grounds", actor=other_unit_admin, opinion="依据三定方案")
    assert dispute.status == DisputeStatus.REPORTING
    dispute = act(obj=dispute, action="report", actor=reviewer, opinion="建议由市场监管局采集")
    assert (dispute.raised_by_grounds, dispute.other_party_grounds) == ("依据《条例》第十条", "依据三定方案")
    assert dispute.authority_opinion == "建议由市场监管局采集"
    dispute = act(obj=dispute, action="record_decision", actor=reviewer, opinion="市政府决定由市场监管局采集")
    assert dispute.status == DisputeStatus.DECIDED and dispute.closed_at is not None
    actions = list(
        Step.objects.filter(subject="dispute", object_id=dispute.pk).values_list("action", flat=True)
    )
    assert actions == [
        "record",
        "ask_coordination",
        "convene_consultation",
        "prepare_report",
        "state_grounds",
        "state_grounds",
        "report",
        "record_decision",
    ]
    assert all(step.at is not None for step in Step.objects.filter(object_id=dispute.pk))


def test_negotiation_can_settle_it(dispute, other_unit_admin):
    dispute = act(obj=dispute, action="settle", actor=other_unit_admin, opinion="双方商定由我方采集")
    assert dispute.status == DisputeStatus.SETTLED and dispute.outcome == "双方商定由我方采集"
    assert allowed_actions(other_unit_admin, dispute) == []


def test_only_the_authority_coordinates(dispute, producer, other_unit_admin, outsider):
    dispute = act(obj=dispute, action="ask_coordination", actor=producer, opinion="协商未果")
    with pytest.raises(ApplicationError) as refused:
        act(obj=dispute, action="coordinate_settle", actor=other_unit_admin, opinion="x")
    assert refused.value.extra["code"] == "forbidden"
    with pytest.raises(ApplicationError):
        act(obj=dispute, action="add_documents", actor=outsider, documents=[pdf()])


def test_documents_get_safe_names_under_media_root(dispute, producer, settings):
    act(obj=dispute, action="add_documents", actor=producer, documents=[pdf("../../etc/passwd.pdf")])
    document = StepDocument.objects.get(original_name="passwd.pdf")
    assert document.file.name.startswith("governance/") and ".." not in document.file.name
    assert document.file.name.endswith(".pdf") and "passwd" not in document.file.name
    assert document.file.path.startswith(str(settings.MEDIA_ROOT))


def test_a_file_of_another_kind_is_refused(dispute, producer):
    bad = SimpleUploadedFile("run.sh", b"#!/bin/sh", content_type="text/x-sh")
    with pytest.raises(ApplicationError):
        act(obj=dispute, action="add_documents", actor=producer, documents=[bad])
    assert StepDocument.objects.count() == 1  # the one recorded with the dispute


def test_documents_are_downloaded_by_the_parties_only(client, dispute, other_unit_admin, outsider):
    document = StepDocument.objects.get()
    client.force_login(other_unit_admin)
    response = client.get(f"/governance/documents/{document.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.4 minutes"
    read = AuditEvent.objects.get(action="governance.document.download")  # issue 18: the read is audited
    assert read.actor == other_unit_admin and read.detail["document"] == document.pk
    client.force_login(outsider)
    assert client.get(f"/governance/documents/{document.pk}/").status_code == 404
    assert AuditEvent.objects.filter(action="governance.document.download").count() == 1


def test_disputes_over_the_api_with_documents(api_as, producer, other_unit_admin, reviewer, authority):
    response = api_as(producer).post(
        "/api/v1/governance/disputes/",
        {
            "other_party": other_unit_admin.unit.pk,
            "title": "使用争议",
            "matter": "use",
            "description": "d",
            "documents": [pdf()],
        },
        format="multipart",
    )
    assert response.status_code == 201
    pk = response.json()["id"]
    response = api_as(other_unit_admin).post(
        f"/api/v1/governance/disputes/{pk}/act/",
        {"action": "ask_coordination", "opinion": "协商未果", "documents": [pdf("函.pdf")]},
        format="multipart",
    )
    assert response.status_code == 200 and response.json()["status"] == "coordinating"
    assert [d["original_name"] for d in response.json()["steps"][1]["documents"]] == ["函.pdf"]
    assert api_as(reviewer).get(f"/api/v1/governance/disputes/{pk}/").json()["allowed_actions"] == [
        "coordinate_settle",
        "convene_consultation",
        "add_documents",
    ]


def test_an_outsider_does_not_see_a_dispute(api_as, dispute, outsider):
    assert api_as(outsider).get(f"/api/v1/governance/disputes/{dispute.pk}/").status_code == 404


def test_the_dispute_pages(client, producer, other_unit_admin, reviewer):
    client.force_login(producer)
    assert client.get("/governance/disputes/").status_code == 200
    response = client.post(
        "/governance/disputes/",
        {
            "other_party": other_unit_admin.unit.pk,
            "title": "管理争议",
            "matter": "management",
            "description": "d",
            "documents": [pdf(), pdf("附件二.docx")],
        },
    )
    assert response.status_code == 302
    pk = int(response.url.rstrip("/").split("/")[-1])
    assert StepDocument.objects.filter(step__object_id=pk).count() == 2
    client.force_login(other_unit_admin)
    page = client.get(f"/governance/disputes/{pk}/")
    assert page.status_code == 200 and b'data-testid="action-ask_coordination"' in page.content
    response = client.post(
        f"/governance/dispute/{pk}/act/", {"action": "ask_coordination", "opinion": "未果"}
    )
    assert response.status_code == 302
    client.force_login(reviewer)
    assert b'data-testid="action-convene_consultation"' in client.get(f"/governance/disputes/{pk}/").content
