"""Bad uploads (issue 9, item 3): path tricks in file names are stored under safe names inside the upload
folder, too-large files and bodies get a clear 400, and nothing partial is stored. Issue 18, item 6: a file
that is not what it says is refused at once; values, workbooks and memory are bounded; a lost upload is taken
up again in minutes; files are removed once used; a long name keeps its extension."""

import datetime as dt
import io
import json
import threading
import time
import tracemalloc
import zipfile
from pathlib import Path, PurePosixPath

import pytest
from django.core.files.base import ContentFile
from django.db import connections, transaction
from django.urls import reverse
from django.utils import timezone

from catalog.aggregation import claims
from catalog.aggregation import services as aggregation
from catalog.aggregation.claims import heartbeat
from catalog.models import AggregationBatch
from catalog.records import all_records, has_records, record_count
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


# --- Issue 18, item 6: uploads that lie, hog or linger ----------------------------------------------

CSV = "credit_code,company_name\n91350500MA0000001X,泉州测试有限公司\n"


def upload(api, resource, filename: str, content: bytes):
    body, content_type = multipart({}, "file", filename, content)
    url = reverse("api-resource-uploads", args=[resource.pk])
    return api.generic("POST", url, body, content_type=content_type)


def aggregated(api, resource, filename: str, content: bytes, capture) -> AggregationBatch:
    """Upload over the API and run the batch's task as the commit would: the finished batch."""
    with capture(execute=True):
        response = upload(api, resource, filename, content)
    assert response.status_code == 202, response.content
    return AggregationBatch.objects.get(pk=response.json()["id"])


def nothing_stored(settings) -> bool:
    media = Path(settings.MEDIA_ROOT)
    return not AggregationBatch.objects.exists() and not (media.exists() and any(media.rglob("*.*")))


def zip_of(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
    b'spreadsheetml.sheet.main+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/'
    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
)


def shared_strings(count: int, text: bytes = b"x") -> bytes:
    return b"<sst>" + (b"<si><t>" + text + b"</t></si>") * count + b"</sst>"


def hostile_xlsx(count: int) -> bytes:
    """The attack's workbook: a sheet of two cells and millions of shared strings, a few hundred KB."""
    return zip_of(
        {
            "[Content_Types].xml": CONTENT_TYPES,
            "xl/workbook.xml": b"<workbook/>",
            "xl/sharedStrings.xml": shared_strings(count),
        }
    )


NOT_WHAT_THEY_SAY = [
    ("records.xlsx", CSV.encode(), "不是 Excel 工作簿"),
    ("records.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "不是 Excel 工作簿"),
    ("records.xlsx", zip_of({"word/document.xml": b"<w/>"}), "不是可读取的 XLSX"),
    ("records.xlsx", b"PK\x03\x04 a zip cut short", "不是可读取的 XLSX"),
    ("records.csv", b"%PDF-1.4 a report", "不是文本文件"),
    ("records.csv", CSV.encode("utf-16"), "不是文本文件"),
    ("records.json", CSV.encode(), "不是 JSON"),
    ("records.json", b'\xef\xbb\xbf  "records"', "不是 JSON"),
]


@pytest.mark.parametrize(("filename", "content", "problem"), NOT_WHAT_THEY_SAY)
def test_a_file_that_is_not_what_its_name_says_is_refused_at_once_and_nothing_is_stored(
    api_as, producer, unconditional, settings, filename, content, problem
):
    response = upload(api_as(producer), unconditional, filename, content)
    assert response.status_code == 400, response.content
    assert problem in response.json()["file"][0]
    assert nothing_stored(settings)


def test_a_big5_file_is_refused_asking_for_utf8_and_never_stored_as_mojibake(
    api_as, producer, unconditional, settings
):
    big5 = "統一社會信用代碼,企業名稱\n91350500MA0000001X,臺北市政府資料開放平臺\n".encode("big5")
    assert big5.decode("gb18030")  # the finding: Big5 bytes decode as GBK without an error, as mojibake
    response = upload(api_as(producer), unconditional, "records.csv", big5)
    assert response.status_code == 400
    assert "另存为 UTF-8" in response.json()["file"][0] and "Big5" in response.json()["file"][0]
    assert nothing_stored(settings)


def test_big5_past_the_head_of_a_file_is_refused_by_the_worker_and_nothing_is_stored(
    api_as, producer, unconditional, monkeypatch, django_capture_on_commit_callbacks
):
    from catalog.ingest import readers, sniff

    monkeypatch.setattr(sniff, "SAMPLE_BYTES", 64)  # the upload judges the head: ASCII, taken
    monkeypatch.setattr(readers, "_CHUNK", 256)
    rows = [f"91350500MA{n:07d}X,abc\n" for n in range(20)] + ["91350500MA9999999X,臺北市政府資料開放平臺\n"]
    content = ("credit_code,company_name\n" + "".join(rows)).encode("big5")
    batch = aggregated(
        api_as(producer), unconditional, "records.csv", content, django_capture_on_commit_callbacks
    )
    assert batch.status == "failed" and "Big5" in batch.message
    assert not has_records(resource_id=unconditional.pk)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_utf8_and_gbk_files_are_still_read_as_written(
    api_as, producer, unconditional, django_capture_on_commit_callbacks, encoding
):
    content = "统一社会信用代码,企业名称\n91350500MA0000001X,晋江市喆堃鞋业有限公司\n".encode(encoding)
    batch = aggregated(
        api_as(producer), unconditional, "records.csv", content, django_capture_on_commit_callbacks
    )
    assert batch.status == "done", batch.message
    (record,) = all_records(resource_id=unconditional.pk).values()
    assert record.data["company_name"] == "晋江市喆堃鞋业有限公司"


def test_a_json_number_of_a_million_digits_is_a_row_error_not_a_million_characters(
    api_as, producer, unconditional, django_capture_on_commit_callbacks
):
    content = (
        b'[{"credit_code": "K1", "company_name": 1e999999},'
        b' {"credit_code": "K2", "company_name": "x", "capital": 1' + b"0" * 60 + b"},"
        b' {"credit_code": "K3", "company_name": "y", "capital": NaN}]'
    )
    batch = aggregated(
        api_as(producer), unconditional, "records.json", content, django_capture_on_commit_callbacks
    )
    assert batch.status == "failed"
    assert [(error["row"], error["column"]) for error in batch.errors] == [
        (1, "company_name"),
        (2, "capital"),
        (3, "capital"),
    ]
    assert all("有效范围内" in error["message"] and len(error["message"]) < 100 for error in batch.errors)
    assert not has_records(resource_id=unconditional.pk)


def test_a_value_longer_than_its_data_items_length_is_a_row_error(
    api_as, producer, unconditional, django_capture_on_commit_callbacks
):
    long_name = "泉" * 201  # company_name is registered with a length of 200
    content = f"credit_code,company_name\n91350500MA0000001X,{long_name}\n".encode()
    batch = aggregated(
        api_as(producer), unconditional, "records.csv", content, django_capture_on_commit_callbacks
    )
    assert batch.status == "failed"
    assert [(error["row"], error["column"]) for error in batch.errors] == [(2, "company_name")]
    assert "200" in batch.errors[0]["message"]


def test_a_text_without_a_stated_length_is_bounded_all_the_same():
    from catalog.ingest import Item, RowChecker, Schema

    schema = Schema([Item("code", "代码", "string", is_key=True), Item("note", "备注", "string")])
    checker = RowChecker(schema)
    chunks = [(range(1, 3), [{"code": "K1", "note": "x" * 4000}, {"code": "K2", "note": "x" * 4001}])]
    list(checker.check_mappings(chunks))
    assert [(error["row"], error["column"]) for error in checker.errors] == [(2, "note")]


def test_a_workbook_of_three_million_shared_strings_is_refused_at_upload(
    api_as, producer, unconditional, settings
):
    content = hostile_xlsx(3_000_000)
    assert len(content) < 400_000  # the attack's few hundred KB
    response = upload(api_as(producer), unconditional, "records.xlsx", content)
    assert response.status_code == 400 and "zip" in response.json()["file"][0]
    assert nothing_stored(settings)


def test_shared_strings_are_counted_before_the_workbook_is_loaded_in_bounded_memory(monkeypatch):
    """Past the ratio check (strings that compress less), the count stops the workbook before openpyxl
    would hold three million strings: 19 s and 299 MB before, a few MB now."""
    from catalog.ingest import IngestError, read_table, sniff

    monkeypatch.setattr(sniff, "MAX_XLSX_RATIO", 10**6)
    content = hostile_xlsx(3_000_000)
    tracemalloc.start()
    try:
        with pytest.raises(IngestError, match="1,000,000"):
            read_table(io.BytesIO(content), "records.xlsx")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 32 * 2**20, f"peak {peak / 2**20:.1f} MB"


def test_a_json_file_is_read_a_record_at_a_time(monkeypatch):
    """A large JSON file never sits in memory whole, nor as one list of dicts: when the first chunk of
    records is checked, most of the file has not been read yet."""
    from catalog.ingest import RowChecker, jsonstream, read_table, readers, schema_from_items
    from tests.factories.catalog import ITEMS

    monkeypatch.setattr(jsonstream, "READ_CHARS", 1024)
    monkeypatch.setattr(readers, "CHUNK_ROWS", 100)
    records = [{"credit_code": f"K{n}", "company_name": f"企业{n}", "capital": 10.5} for n in range(5000)]
    content = json.dumps({"records": records, "count": 5000}, ensure_ascii=False).encode()
    stream = io.BytesIO(content)
    table = read_table(stream, "records.json")
    checker = RowChecker(schema_from_items(ITEMS))
    chunks = table.check(checker)
    first = next(chunks)
    assert len(first.keys) == 100 and stream.tell() < len(content) // 10
    rest = list(chunks)
    assert len(rest) == 49 and rest[-1].columns[3][-1] == "10.5" and checker.error_count == 0


def test_a_300_character_file_name_keeps_its_extension_and_is_aggregated(
    api_as, producer, unconditional, django_capture_on_commit_callbacks
):
    filename = "企业登记信息" * 49 + "x" * 6 + ".csv"
    assert len(filename) == 304
    batch = aggregated(
        api_as(producer), unconditional, filename, CSV.encode(), django_capture_on_commit_callbacks
    )
    assert batch.file_name.endswith(".csv") and len(batch.file_name) == 200
    assert batch.status == "done", batch.message


# A lost upload


def claimed(resource, producer, *, started: dt.timedelta, beat: dt.timedelta | None) -> AggregationBatch:
    now = timezone.now()
    return AggregationBatch.objects.create(
        resource=resource,
        source="file",
        file=ContentFile(CSV.encode(), name="records.csv"),
        file_name="records.csv",
        status="processing",
        created_by=producer,
        started_at=now - started,
        heartbeat_at=now - beat if beat is not None else None,
    )


def test_a_batch_whose_worker_died_is_taken_up_again_within_minutes(producer, unconditional):
    dead = claimed(unconditional, producer, started=dt.timedelta(minutes=5), beat=dt.timedelta(minutes=4))
    assert aggregation.batch_ids_waiting() == [dead.pk]  # six hours before
    batch = aggregation.batch_process(batch_id=dead.pk)
    assert batch.status == "done" and record_count(resource_id=unconditional.pk) == 1


def test_a_live_long_upload_is_not_taken_twice(producer, unconditional):
    live = claimed(unconditional, producer, started=dt.timedelta(hours=2), beat=dt.timedelta(seconds=20))
    assert aggregation.batch_ids_waiting() == []
    assert aggregation.batch_process(batch_id=live.pk) is None
    assert AggregationBatch.objects.get(pk=live.pk).status == "processing"


@pytest.mark.django_db(transaction=True)  # the heartbeat's own connection sees committed rows only
def test_the_worker_beats_while_it_holds_the_batch_and_stops_when_another_claims_it(
    producer, unconditional, settings
):
    settings.UPLOAD_STALE_SECONDS = 0.6  # a beat every 0.1 s
    batch = claimed(unconditional, producer, started=dt.timedelta(0), beat=dt.timedelta(minutes=1))
    with heartbeat(batch_id=batch.pk, claimed_at=batch.started_at):
        time.sleep(0.5)
        beaten = AggregationBatch.objects.get(pk=batch.pk).heartbeat_at
        assert beaten > timezone.now() - dt.timedelta(seconds=0.4)
        # Another worker's claim (a new started_at): this worker's beats no longer count for it.
        AggregationBatch.objects.filter(pk=batch.pk).update(started_at=timezone.now())
        time.sleep(0.3)
        latest = AggregationBatch.objects.get(pk=batch.pk).heartbeat_at
    assert latest - beaten < dt.timedelta(seconds=0.15)


@pytest.mark.django_db(transaction=True)  # the lock is held by another connection, on a committed row
def test_a_heartbeat_never_waits_for_the_row_its_worker_is_concluding(producer, unconditional):
    """The worker locks the batch row to conclude it; a beat that waited for that lock could never be
    joined by a worker inside a transaction. It skips the beat instead."""
    batch = claimed(unconditional, producer, started=dt.timedelta(0), beat=dt.timedelta(minutes=1))
    locked, release = threading.Event(), threading.Event()

    def conclude() -> None:
        with transaction.atomic():
            AggregationBatch.objects.select_for_update().get(pk=batch.pk)
            locked.set()
            release.wait(5)
        connections.close_all()

    worker = threading.Thread(target=conclude)
    worker.start()
    assert locked.wait(5)
    start = time.monotonic()
    claims._beat(batch.pk, batch.started_at)
    waited = time.monotonic() - start
    release.set()
    worker.join()
    assert waited < 1
    assert AggregationBatch.objects.get(pk=batch.pk).heartbeat_at == batch.heartbeat_at


# Files removed once used


def test_an_uploaded_file_is_removed_once_aggregated_or_refused_and_the_page_says_so(
    api_as, client, producer, unconditional, settings, django_capture_on_commit_callbacks
):
    media = Path(settings.MEDIA_ROOT)
    done = aggregated(
        api_as(producer), unconditional, "a.csv", CSV.encode(), django_capture_on_commit_callbacks
    )
    bad = CSV.replace("泉州测试有限公司", "").encode()
    failed = aggregated(api_as(producer), unconditional, "b.csv", bad, django_capture_on_commit_callbacks)
    assert (done.status, failed.status) == ("done", "failed")
    assert not done.file and not failed.file
    assert not any(path.is_file() for path in media.rglob("*"))
    client.force_login(producer)
    page = client.get(reverse("catalog-batch", args=[done.pk])).content.decode()
    assert "上传的文件已不再保留" in page


def test_uploaded_files_can_be_kept_for_hours_and_a_timer_removes_them(
    api_as, producer, unconditional, settings, django_capture_on_commit_callbacks
):
    from catalog.aggregation.tasks import remove_kept_upload_files

    settings.UPLOAD_KEEP_HOURS = 2
    batch = aggregated(
        api_as(producer), unconditional, "a.csv", CSV.encode(), django_capture_on_commit_callbacks
    )
    stored = Path(settings.MEDIA_ROOT) / batch.file.name
    assert stored.is_file()
    assert remove_kept_upload_files() == 0 and stored.is_file()
    AggregationBatch.objects.filter(pk=batch.pk).update(finished_at=timezone.now() - dt.timedelta(hours=3))
    assert remove_kept_upload_files() == 1
    assert not stored.exists() and not AggregationBatch.objects.get(pk=batch.pk).file
