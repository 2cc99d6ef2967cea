"""Bad uploads (issue 9, item 3): path tricks in file names are stored under safe names inside the upload
folder, too-large files and bodies get a clear 400, and nothing partial is stored."""

import json
from pathlib import Path, PurePosixPath

import pytest
from django.urls import reverse

from catalog.aggregation import services as aggregation
from catalog.models import AggregationBatch
from correction.models import CorrectionTicket
from sharing.models import Attachment
from tests.factories.sharing import apply

pytestmark = pytest.mark.django_db

TRICKS = [
    "../../../../etc/passwd.pdf",
    "..\\..\\..\\windows\\evil.pdf",
    "/etc/cron.d/evil.pdf",
    "a/b/../../../c.pdf",
    "....//....//x.pdf",
    "%2e%2e%2fencoded.pdf",
    "名称 有空格;rm -rf.pdf",
]


def multipart(fields: dict[str, str], file_field: str, filename: str, content: bytes) -> tuple[bytes, str]:
    """A multipart body written by hand: Django's test client would strip the path from the name itself."""
    boundary = "hardening-boundary-7d3"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{filename}"\r\n'
        f"Content-Type: application/octet-stream\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def assert_safely_stored(name: str, media_root: Path, folder: str) -> None:
    path = PurePosixPath(name)
    assert ".." not in path.parts and not path.is_absolute() and "\\" not in name
    assert name.startswith(folder)
    stored = (media_root / name).resolve()
    assert stored.is_file() and stored.is_relative_to(media_root.resolve())


@pytest.mark.parametrize("filename", TRICKS)
def test_an_attachment_named_with_a_path_trick_is_stored_inside_its_folder(
    api_as, applicant, unconditional, settings, filename
):
    application = apply(applicant, unconditional)
    body, content_type = multipart({"title": "方案"}, "file", filename, b"%PDF-1.4 plan")
    url = reverse("api-application-attachments", args=[application.pk])
    response = api_as(applicant).generic("POST", url, body, content_type=content_type)
    assert response.status_code == 201, response.content
    attachment = Attachment.objects.get(application=application)
    assert_safely_stored(attachment.file.name, Path(settings.MEDIA_ROOT), f"applications/{application.pk}/")


@pytest.mark.parametrize(
    "filename", ["../../../../tmp/records.csv", "..\\..\\records.csv", "/tmp/records.csv"]
)
def test_a_data_file_named_with_a_path_trick_is_stored_inside_the_upload_folder(
    api_as, producer, unconditional, settings, filename
):
    content = "credit_code,company_name\n91350500MA0000001X,泉州测试\n".encode()
    body, content_type = multipart({}, "file", filename, content)
    url = reverse("api-resource-uploads", args=[unconditional.pk])
    response = api_as(producer).generic("POST", url, body, content_type=content_type)
    assert response.status_code == 202, response.content
    batch = AggregationBatch.objects.get(resource=unconditional)
    assert_safely_stored(batch.file.name, Path(settings.MEDIA_ROOT), "uploads/")


def test_an_attachment_over_the_limit_is_refused_clearly_and_nothing_is_stored(
    api_as, applicant, unconditional, settings
):
    settings.ATTACHMENT_MAX_BYTES = 1024
    application = apply(applicant, unconditional)
    body, content_type = multipart({"title": "方案"}, "file", "plan.pdf", b"x" * 2048)
    url = reverse("api-application-attachments", args=[application.pk])
    response = api_as(applicant).generic("POST", url, body, content_type=content_type)
    assert response.status_code == 400 and response.json()["detail"]
    assert not Attachment.objects.exists()
    assert not list(Path(settings.MEDIA_ROOT).rglob("plan*"))


def test_a_data_file_over_the_limit_is_refused_clearly_and_no_batch_is_stored(
    api_as, producer, unconditional, monkeypatch
):
    monkeypatch.setattr(aggregation, "MAX_UPLOAD_BYTES", 1024)
    content = b"credit_code,company_name\n" + b"91350500MA0000001X,x\n" * 200
    body, content_type = multipart({}, "file", "records.csv", content)
    url = reverse("api-resource-uploads", args=[unconditional.pk])
    response = api_as(producer).generic("POST", url, body, content_type=content_type)
    assert response.status_code == 400 and response.json()["detail"]
    assert not AggregationBatch.objects.exists()


@pytest.fixture
def reportable(applicant, unconditional, producer):
    """Records the applicant holds a grant on, so that it may report them wrong."""
    from catalog.aggregation.services import records_upsert
    from sharing.workflow import application_act

    records_upsert(
        actor=producer, resource=unconditional, records=[{"credit_code": "K1", "company_name": "甲"}]
    )
    application_act(application=apply(applicant, unconditional), action="submit", actor=applicant)
    return unconditional


def report(api, resource, filename: str, content: bytes):
    fields = {"resource": str(resource.pk), "keys": "K1", "items": "company_name", "description": "名称有误"}
    body, content_type = multipart(fields, "attachment", filename, content)
    return api.generic("POST", reverse("api-correction-tickets"), body, content_type=content_type)


def test_a_correction_attachment_over_the_limit_is_refused_and_no_ticket_is_stored(
    api_as, applicant, reportable, monkeypatch, settings
):
    from correction import services

    monkeypatch.setattr(services, "MAX_ATTACHMENT_BYTES", 1024)
    response = report(api_as(applicant), reportable, "evidence.pdf", b"x" * 2048)
    assert response.status_code == 400 and response.json()["detail"]
    assert not CorrectionTicket.objects.exists()
    # The same report with a small file and a path trick in its name is taken, stored inside its folder.
    response = report(api_as(applicant), reportable, "../../../evidence.pdf", b"x" * 100)
    assert response.status_code == 201, response.content
    name = CorrectionTicket.objects.get().attachment.name
    assert_safely_stored(name, Path(settings.MEDIA_ROOT), "corrections/")


def test_a_json_body_over_the_request_limit_is_a_400_not_a_500(api_as, producer, unconditional, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    records = [{"credit_code": f"91350500MA{n:07d}X", "company_name": "x" * 50} for n in range(500)]
    url = reverse("api-resource-records", args=[unconditional.pk])
    response = api_as(producer).post(url, {"records": records}, format="json")
    assert response.status_code in (400, 413)
    assert not AggregationBatch.objects.exists()


def test_malformed_json_is_a_400_and_stores_nothing(api_as, producer, unconditional):
    url = reverse("api-resource-records", args=[unconditional.pk])
    body = '{"records": [{"credit_code": "91350500MA0000001X",'
    response = api_as(producer).generic("POST", url, body, content_type="application/json")
    assert response.status_code == 400 and response.json()["detail"]
    assert not AggregationBatch.objects.exists()
    assert json.dumps(response.json())  # an answer in JSON, not a page
