"""Aggregation end to end: uploads, the task, the API, rights, audit, and both ways of upserting."""

import datetime as dt
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone
from openpyxl import Workbook

from audit.models import AuditEvent, Outcome
from catalog.aggregation import services as aggregation
from catalog.aggregation.services import batch_ids_waiting, batch_process, batch_upload, records_upsert
from catalog.aggregation.tasks import aggregate_batch
from catalog.ingest import readers as ingest
from catalog.ingest import rows as ingest_rows
from catalog.models import AggregationBatch, BatchStatus, Resource
from catalog.records import RecordRow, all_records, has_records, record_count, staging
from catalog.services import resource_create, resource_update
from catalog.workflow import resource_transition
from dataplatform import celery_app
from dataplatform.core.apikeys import api_key_issue
from dataplatform.core.errors import ApplicationError
from tests import factories
from tests.factories.catalog import entry_fields

pytestmark = pytest.mark.django_db

ITEMS = [
    {
        "name": "id_number",
        "label": "公民身份号码",
        "item_type": "string",
        "length": 18,
        "is_key": True,
        "required": True,
    },
    {"name": "full_name", "label": "姓名", "item_type": "string", "length": 50, "required": True},
    {"name": "birth_date", "label": "出生日期", "item_type": "date"},
    {"name": "children", "label": "子女数", "item_type": "integer"},
    {"name": "income", "label": "年收入", "item_type": "decimal"},
    {"name": "registered_at", "label": "登记时间", "item_type": "datetime"},
    {"name": "resident", "label": "是否常住", "item_type": "boolean"},
]
HEADER = "id_number,full_name,birth_date,children,income,registered_at,resident\n"
ROWS = [
    "350500199001011234,张三,1990-01-01,2,120000.50,2024-03-01 09:30:00,是\n",
    "350500198505052345,李四,1985-05-05,0,98000,2024-03-02 10:00:00,否\n",
    "350500200012123456,王五,2000-12-12,,,,\n",
]
GOOD_CSV = (HEADER + "".join(ROWS)).encode()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def eager():
    """Tasks run in-process, as in the embedded demo, even when the suite runs beside Redis."""
    saved = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = saved


def new_entry(producer, code: str = "QZ-RK-0001") -> Resource:
    fields = entry_fields(code=code, name="人口基本信息", category="population", open_type="on_application")
    return resource_create(actor=producer, producer=producer.unit, **{**fields, "items": ITEMS})


@pytest.fixture
def draft(producer):
    return new_entry(producer)


@pytest.fixture
def entry(producer, reviewer):
    resource = resource_transition(resource=new_entry(producer), to="submitted", actor=producer)
    return resource_transition(resource=resource, to="published", actor=reviewer)


@pytest.fixture
def aggregate(django_capture_on_commit_callbacks, producer):
    """Upload a file as the producer and run its task as the commit would: the finished batch."""

    def run(resource, content: bytes, name: str = "people.csv", actor=None) -> AggregationBatch:
        with django_capture_on_commit_callbacks(execute=True):
            batch = batch_upload(
                actor=actor or producer, resource=resource, file=SimpleUploadedFile(name, content)
            )
        batch.refresh_from_db()
        return batch

    return run


def records(resource) -> dict[str, RecordRow]:
    return all_records(resource_id=resource.pk)


def xlsx(rows: list[list]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- Files ------------------------------------------------------------------------------------------


def test_a_good_csv_uploaded_on_the_page_is_aggregated_keyed_by_the_key_item(
    client, producer, entry, django_capture_on_commit_callbacks
):
    client.force_login(producer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/catalog/{entry.pk}/upload/", {"file": SimpleUploadedFile("people.csv", GOOD_CSV)}
        )
    batch = AggregationBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/catalog/uploads/{batch.pk}/"
    assert (batch.status, batch.inserted, batch.updated, batch.unchanged) == ("done", 3, 0, 0)
    assert (batch.total_rows, batch.processed_rows, batch.progress) == (3, 3, 100)
    stored = records(entry)
    assert stored["350500199001011234"].data == {
        "id_number": "350500199001011234",
        "full_name": "张三",
        "birth_date": "1990-01-01",
        "children": 2,
        "income": "120000.5",
        "registered_at": "2024-03-01T01:30:00+00:00",  # China Standard Time, stored in UTC
        "resident": True,
    }
    assert stored["350500200012123456"].data["children"] is None
    assert {record.batch_id for record in stored.values()} == {batch.pk}
    entry.refresh_from_db()
    assert entry.record_count == 3 and entry.last_aggregated_at == batch.finished_at


def test_the_same_file_again_leaves_every_record_unchanged_with_its_timestamps(aggregate, entry):
    first = aggregate(entry, GOOD_CSV)
    before = {key: (r.updated_at, r.batch_id) for key, r in records(entry).items()}
    again = aggregate(entry, GOOD_CSV)
    assert (again.status, again.inserted, again.updated, again.unchanged) == ("done", 0, 0, 3)
    assert {key: (r.updated_at, r.batch_id) for key, r in records(entry).items()} == before
    assert all(batch_id == first.pk for _, batch_id in before.values())


def test_the_same_data_in_another_spelling_is_unchanged(aggregate, entry):
    aggregate(entry, GOOD_CSV)
    respelled = (
        "公民身份号码,姓名,出生日期,子女数,年收入,登记时间,是否常住\n"
        '350500199001011234, 张三 ,1990/1/1,2.0,"120,000.500",2024-03-01T09:30:00+08:00,TRUE\n'
    ).encode()
    batch = aggregate(entry, respelled)
    assert (batch.inserted, batch.updated, batch.unchanged) == (0, 0, 1)


def test_a_changed_row_is_updated_in_place_and_only_its_updated_at_moves(aggregate, entry):
    first = aggregate(entry, GOOD_CSV)
    before = records(entry)
    changed = (HEADER + ROWS[0].replace(",2,", ",3,") + ROWS[1] + ROWS[2]).encode()
    second = aggregate(entry, changed)
    assert (second.inserted, second.updated, second.unchanged) == (0, 1, 2)
    after = records(entry)
    moved = after["350500199001011234"]
    assert moved.data["children"] == 3
    assert moved.created_at == before["350500199001011234"].created_at
    assert moved.updated_at > before["350500199001011234"].updated_at and moved.batch_id == second.pk
    assert after["350500198505052345"].updated_at == before["350500198505052345"].updated_at
    assert after["350500198505052345"].batch_id == first.pk
    entry.refresh_from_db()
    assert entry.record_count == 3


def test_a_file_with_bad_rows_is_refused_whole_with_an_error_for_each_row(aggregate, entry):
    bad = (
        HEADER
        + ROWS[0]
        + "350500198505052345,李四,1985-05-05,two,,,\n"  # row 3: not an integer
        + "350500200012123456,王五,2000-13-01,,,,\n"  # row 4: no such date
        + "350500200101014567,,2001-01-01,,,,\n"  # row 5: a required value is missing
        + "350500199001011234,张三丰,1990-01-01,,,,\n"  # row 6: the key of row 2 again
        + ",无名,1990-01-01,,,,\n"  # row 7: no key
    ).encode()
    batch = aggregate(entry, bad)
    assert batch.status == BatchStatus.FAILED
    assert not has_records(resource_id=entry.pk)
    assert [(e["row"], e["column"]) for e in batch.errors] == [
        (3, "children"),
        (4, "birth_date"),
        (5, "full_name"),
        (6, "id_number"),
        (7, "id_number"),
    ]
    assert (
        "'two' 不是整数" in batch.errors[0]["message"]
    )  # in the platform's language, as the worker writes it
    assert "也出现在第 2 行" in batch.errors[3]["message"]
    assert "未保存任何数据：5 行中有 5 处错误" in batch.message
    entry.refresh_from_db()
    assert entry.record_count == 0 and entry.last_aggregated_at is None


def test_a_file_with_an_unknown_column_is_refused_naming_the_column(aggregate, entry):
    batch = aggregate(entry, ("id_number,full_name,shoe_size\n350500199001011234,张三,42\n").encode())
    assert batch.status == BatchStatus.FAILED
    assert batch.errors[0]["row"] == 1 and batch.errors[0]["column"] == "shoe_size"
    assert "未知列" in batch.errors[0]["message"]
    assert not has_records(resource_id=entry.pk)


def test_a_gbk_csv_with_labels_for_a_header_is_read(aggregate, entry):
    content = "公民身份号码,姓名,出生日期\n350500199001011234,张三,1990-01-01\n".encode("gbk")
    batch = aggregate(entry, content)
    assert batch.status == BatchStatus.DONE, batch.errors or batch.message
    assert records(entry)["350500199001011234"].data["full_name"] == "张三"


def test_a_utf8_csv_with_a_byte_order_mark_is_read(aggregate, entry):
    batch = aggregate(entry, b"\xef\xbb\xbf" + GOOD_CSV)
    assert (batch.status, batch.inserted) == ("done", 3)


def test_an_xlsx_workbook_is_read_with_its_typed_cells(aggregate, entry):
    content = xlsx(
        [
            ["公民身份号码", "姓名", "出生日期", "子女数", "年收入", "登记时间", "是否常住"],
            [
                "350500199001011234",
                "张三",
                dt.datetime(1990, 1, 1),
                2,
                120000.5,
                dt.datetime(2024, 3, 1, 9, 30),
                True,
            ],
            [None, None, None, None, None, None, None],
        ]
    )
    batch = aggregate(entry, content, name="people.xlsx")
    assert (batch.status, batch.inserted) == ("done", 1), batch.errors or batch.message
    csv_again = aggregate(entry, (HEADER + ROWS[0]).encode())
    assert csv_again.unchanged == 1  # the same values, typed in a sheet or written in text


def test_a_json_file_of_objects_is_read(aggregate, entry):
    content = json.dumps(
        [{"id_number": "350500199001011234", "full_name": "张三", "children": 2, "income": 120000.50}],
        ensure_ascii=False,
    ).encode()
    batch = aggregate(entry, content, name="people.json")
    assert (batch.status, batch.inserted) == ("done", 1), batch.errors or batch.message
    assert records(entry)["350500199001011234"].data["income"] == "120000.5"


def test_a_malformed_json_file_fails_with_a_clear_message(aggregate, entry):
    batch = aggregate(entry, b'[{"id_number": "1",}]', name="people.json")
    assert batch.status == BatchStatus.FAILED
    assert batch.message.startswith("文件不是有效的 JSON") and "第 1 行" in batch.message


def test_a_file_that_is_not_csv_xlsx_or_json_is_refused_at_once(client, producer, entry):
    client.force_login(producer)
    response = client.post(f"/catalog/{entry.pk}/upload/", {"file": SimpleUploadedFile("people.txt", b"x")})
    assert response.status_code == 200
    assert "请上传 CSV、XLSX 或 JSON 文件" in response.content.decode()
    assert not AggregationBatch.objects.exists()


def test_the_published_items_rule_while_a_revision_is_drafted(aggregate, entry, producer):
    revised = resource_transition(resource=entry, to="draft", actor=producer)
    resource_update(actor=producer, resource=revised, items=[{**ITEMS[0], "name": "citizen_id"}, *ITEMS[1:]])
    batch = aggregate(Resource.objects.get(pk=entry.pk), GOOD_CSV)
    assert (batch.status, batch.inserted) == ("done", 3), batch.errors


# --- The task ---------------------------------------------------------------------------------------


def test_an_upload_is_a_waiting_batch_first_and_its_task_is_queued_after_commit(
    producer, entry, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        batch = batch_upload(actor=producer, resource=entry, file=SimpleUploadedFile("people.csv", GOOD_CSV))
    assert batch.status == BatchStatus.PENDING and batch.file.name.endswith(".csv")
    assert len(callbacks) == 1 and not has_records(resource_id=entry.pk)
    callbacks[0]()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE


def test_a_batch_is_aggregated_once_however_often_its_task_runs(
    producer, entry, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        batch = batch_upload(actor=producer, resource=entry, file=SimpleUploadedFile("people.csv", GOOD_CSV))
    assert aggregate_batch(batch.pk) == "done"
    assert aggregate_batch(batch.pk) is None
    assert batch_process(batch_id=batch.pk) is None
    assert AuditEvent.objects.filter(action="resource.aggregate").count() == 1


def test_a_batch_another_worker_has_claimed_is_left_alone_until_the_claim_is_stale(
    producer, entry, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        batch = batch_upload(actor=producer, resource=entry, file=SimpleUploadedFile("people.csv", GOOD_CSV))
    AggregationBatch.objects.filter(pk=batch.pk).update(
        status=BatchStatus.PROCESSING, started_at=timezone.now()
    )
    assert batch_process(batch_id=batch.pk) is None and batch_ids_waiting() == []
    AggregationBatch.objects.filter(pk=batch.pk).update(started_at=timezone.now() - dt.timedelta(hours=7))
    assert batch_ids_waiting() == [batch.pk]
    assert batch_process(batch_id=batch.pk).status == BatchStatus.DONE


def test_a_batch_whose_entry_was_retired_meanwhile_fails(producer, entry, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        batch = batch_upload(actor=producer, resource=entry, file=SimpleUploadedFile("people.csv", GOOD_CSV))
    resource_transition(resource=entry, to="retired", actor=producer, reason="撤销")
    batch = batch_process(batch_id=batch.pk)
    assert batch.status == BatchStatus.FAILED and "已停用" in batch.message


def test_a_batch_whose_file_is_gone_fails_saying_so(producer, entry, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        batch = batch_upload(actor=producer, resource=entry, file=SimpleUploadedFile("people.csv", GOOD_CSV))
    batch.file.storage.delete(batch.file.name)
    batch = batch_process(batch_id=batch.pk)
    assert batch.status == BatchStatus.FAILED and "无法读取" in batch.message
    assert AuditEvent.objects.get(action="resource.aggregate").outcome == Outcome.FAILED


# --- The API ----------------------------------------------------------------------------------------

PEOPLE = [
    {"id_number": "350500199001011234", "full_name": "张三", "birth_date": "1990-01-01", "children": 2},
    {"id_number": "350500198505052345", "姓名": "李四", "resident": False},
]


def test_the_api_upserts_a_batch_of_records_and_answers_the_counts(api_as, producer, entry):
    url = f"/api/v1/catalog/resources/{entry.pk}/records/"
    response = api_as(producer).post(url, {"records": PEOPLE}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["source"], body["inserted"], body["updated"], body["unchanged"]) == (
        "done",
        "api",
        2,
        0,
        0,
    )
    changed = [{**PEOPLE[0], "children": 3}, PEOPLE[1]]
    body = api_as(producer).post(url, {"records": changed}, format="json").json()
    assert (body["inserted"], body["updated"], body["unchanged"]) == (0, 1, 1)
    assert records(entry)["350500199001011234"].data["children"] == 3


def test_text_with_backslashes_quotes_tabs_and_line_breaks_is_stored_as_written(producer, entry):
    tricky = 'C:\\数据\\"引号"\t制表\n换行 \\N {"json": [1]}'
    records_upsert(
        actor=producer,
        resource=entry,
        records=[{"id_number": 'K\\1"', "full_name": tricky, "children": 2**63 - 1}],
    )
    (record,) = records(entry).values()
    stored = record.data
    assert (
        stored["id_number"] == 'K\\1"' and stored["full_name"] == tricky and stored["children"] == 2**63 - 1
    )
    assert record.key == 'K\\1"'


def test_the_api_refuses_a_batch_with_bad_rows_whole_and_lists_them(api_as, producer, entry):
    bad = [PEOPLE[0], {"id_number": "350500198505052345", "children": "many"}, "not an object"]
    response = api_as(producer).post(
        f"/api/v1/catalog/resources/{entry.pk}/records/", {"records": bad}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert [(e["row"], e["column"]) for e in body["errors"]] == [(2, "children"), (3, "")]
    assert body["error_count"] == len(body["errors"]) and "未保存任何数据" in body["detail"]
    assert not has_records(resource_id=entry.pk)
    assert AggregationBatch.objects.get(pk=body["batch"]).status == BatchStatus.FAILED


@pytest.mark.parametrize("body", [{}, {"records": []}, {"records": "x"}])
def test_the_api_wants_a_list_of_records(api_as, producer, entry, body):
    response = api_as(producer).post(f"/api/v1/catalog/resources/{entry.pk}/records/", body, format="json")
    assert response.status_code == 400 and "records" in response.json()


def test_the_api_takes_at_most_ten_thousand_records_per_call(producer, entry):
    with pytest.raises(ApplicationError, match="最多提交 10000 条记录"):
        records_upsert(actor=producer, resource=entry, records=[{}] * 10_001)


def test_a_file_uploaded_over_the_api_is_aggregated_and_followed_by_its_url(
    api_as, producer, entry, django_capture_on_commit_callbacks
):
    client = api_as(producer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/v1/catalog/resources/{entry.pk}/uploads/",
            {"file": SimpleUploadedFile("people.csv", GOOD_CSV)},
            format="multipart",
        )
    assert response.status_code == 202, response.json()
    assert response["Location"] == f"/api/v1/catalog/uploads/{response.json()['id']}/"
    followed = client.get(response["Location"]).json()
    assert (followed["status"], followed["inserted"]) == ("done", 3)
    listed = client.get(f"/api/v1/catalog/resources/{entry.pk}/uploads/").json()
    assert [batch["id"] for batch in listed] == [response.json()["id"]]


def test_the_progress_api_answers_status_progress_counts_and_errors(
    api_as, producer, entry, aggregate, django_assert_max_num_queries
):
    batch = aggregate(entry, GOOD_CSV)
    client = api_as(producer)
    with django_assert_max_num_queries(8):
        body = client.get(f"/api/v1/catalog/uploads/{batch.pk}/").json()
    assert set(body) == {
        "id",
        "url",
        "resource",
        "source",
        "file_name",
        "status",
        "status_display",
        "progress",
        "total_rows",
        "processed_rows",
        "inserted",
        "updated",
        "unchanged",
        "deleted",
        "message",
        "errors",
        "created_by",
        "created_at",
        "started_at",
        "finished_at",
    }
    assert (body["status"], body["progress"], body["total_rows"], body["inserted"], body["errors"]) == (
        "done",
        100,
        3,
        3,
        [],
    )
    assert body["file_name"] == "people.csv" and body["created_by"] == producer.real_name


def test_a_waiting_batch_shows_its_partial_progress(
    api_as, producer, entry, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        batch = batch_upload(actor=producer, resource=entry, file=SimpleUploadedFile("people.csv", GOOD_CSV))
    AggregationBatch.objects.filter(pk=batch.pk).update(
        status=BatchStatus.PROCESSING, total_rows=200, processed_rows=50
    )
    body = api_as(producer).get(f"/api/v1/catalog/uploads/{batch.pk}/").json()
    assert (body["status"], body["progress"], body["processed_rows"]) == ("processing", 25, 50)


# --- Who may aggregate ------------------------------------------------------------------------------


def test_a_key_of_the_producing_unit_may_aggregate(api, producer, entry):
    issued = api_key_issue(actor=producer, unit=producer.unit, name="人口库")
    response = api.post(
        f"/api/v1/catalog/resources/{entry.pk}/records/",
        {"records": PEOPLE},
        format="json",
        HTTP_AUTHORIZATION=f"Api-Key {issued.key}",
    )
    assert response.status_code == 200, response.json()
    batch = AggregationBatch.objects.get()
    assert batch.api_key == issued.api_key and batch.created_by is None
    event = AuditEvent.objects.get(action="resource.aggregate")
    assert event.api_key == issued.api_key and event.actor_unit == producer.unit


def test_a_key_of_another_unit_gets_403_for_a_published_entry_and_404_for_a_draft(
    api, applicant, entry, producer
):
    issued = api_key_issue(actor=applicant, unit=applicant.unit, name="社保系统")
    auth = {"HTTP_AUTHORIZATION": f"Api-Key {issued.key}"}
    published = api.post(
        f"/api/v1/catalog/resources/{entry.pk}/records/", {"records": PEOPLE}, format="json", **auth
    )
    assert published.status_code == 403
    draft = new_entry(producer, code="QZ-RK-0002")
    unseen = api.post(
        f"/api/v1/catalog/resources/{draft.pk}/records/", {"records": PEOPLE}, format="json", **auth
    )
    assert unseen.status_code == 404
    assert not has_records(resource_id=entry.pk)


def test_an_applicant_cannot_upload_or_follow_a_batch(client, api_as, applicant, entry, aggregate):
    batch = aggregate(entry, GOOD_CSV)
    client.force_login(applicant)
    assert client.get(f"/catalog/{entry.pk}/upload/").status_code == 403
    assert (
        client.post(
            f"/catalog/{entry.pk}/upload/", {"file": SimpleUploadedFile("a.csv", GOOD_CSV)}
        ).status_code
        == 403
    )
    # Another unit's batch is not found, as a missing one is (issue 18): its id is no probe.
    assert client.get(f"/catalog/uploads/{batch.pk}/").status_code == 404
    assert api_as(applicant).get(f"/api/v1/catalog/uploads/{batch.pk}/").status_code == 404
    assert AggregationBatch.objects.count() == 1


def test_an_outsider_does_not_learn_of_a_draft_entry_or_its_batches(client, outsider, draft):
    client.force_login(outsider)
    assert client.get(f"/catalog/{draft.pk}/upload/").status_code == 404


def test_a_leader_of_the_producing_unit_may_not_aggregate(client, producer_unit, entry):
    leader = factories.person(producer_unit, "leader", username="leader")
    client.force_login(leader)
    assert client.get(f"/catalog/{entry.pk}/upload/").status_code == 403


def test_an_unpublished_entry_refuses_aggregation_with_a_400(api_as, client, producer, draft):
    api = api_as(producer)
    response = api.post(f"/api/v1/catalog/resources/{draft.pk}/records/", {"records": PEOPLE}, format="json")
    assert response.status_code == 400 and "尚未发布" in response.json()["detail"]
    upload = api.post(
        f"/api/v1/catalog/resources/{draft.pk}/uploads/",
        {"file": SimpleUploadedFile("people.csv", GOOD_CSV)},
        format="multipart",
    )
    assert upload.status_code == 400 and "尚未发布" in upload.json()["detail"]
    client.force_login(producer)
    page = client.get(f"/catalog/{draft.pk}/upload/")
    assert page.status_code == 200 and b'data-testid="not-available"' in page.content
    assert not AggregationBatch.objects.exists()


# --- Audit ------------------------------------------------------------------------------------------


def test_an_aggregation_is_audited_once_with_its_counts(aggregate, producer, entry):
    batch = aggregate(entry, GOOD_CSV)
    event = AuditEvent.objects.get(action="resource.aggregate")
    assert (event.outcome, event.actor, event.owner_unit, event.record_count) == (
        "ok",
        producer,
        entry.producer,
        3,
    )
    assert (event.object_type, event.object_id) == ("catalog.resource", str(entry.pk))
    assert event.data_items == [item["name"] for item in ITEMS]
    assert event.detail == {"batch": batch.pk, "source": "file", "inserted": 3, "updated": 0, "unchanged": 0}


def test_a_refused_batch_is_audited_as_failed(aggregate, entry):
    batch = aggregate(entry, (HEADER + "1,,x,,,,\n").encode())
    event = AuditEvent.objects.get(action="resource.aggregate")
    assert event.outcome == Outcome.FAILED and event.detail["batch"] == batch.pk
    assert event.detail["message"] == batch.message and event.record_count == 0


# --- Pages ------------------------------------------------------------------------------------------


def test_the_batch_page_shows_the_progress_bar_and_the_error_table(client, producer, entry, aggregate):
    batch = aggregate(entry, (HEADER + "350500199001011234,张三,1990-02-30,,,,\n").encode())
    client.force_login(producer)
    page = client.get(f"/catalog/uploads/{batch.pk}/").content.decode()
    assert 'data-testid="progress"' in page and 'data-testid="errors"' in page
    assert "1990-02-30" in page and f'data-api-url="/api/v1/catalog/uploads/{batch.pk}/"' in page


def test_the_upload_page_lists_the_columns_and_recent_batches(client, producer, entry, aggregate):
    batch = aggregate(entry, GOOD_CSV)
    client.force_login(producer)
    page = client.get(f"/catalog/{entry.pk}/upload/").content.decode()
    assert "公民身份号码" in page and 'enctype="multipart/form-data"' in page
    assert f'href="/catalog/uploads/{batch.pk}/"' in page and "text-bg-success" in page


# --- PostgreSQL's COPY path and the ORM path agree ----------------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the COPY path needs PostgreSQL")
def test_the_copy_path_and_the_orm_path_store_the_same(aggregate, producer, reviewer, entry, monkeypatch):
    other = resource_transition(
        resource=resource_transition(
            resource=new_entry(producer, code="QZ-RK-0009"), to="submitted", actor=producer
        ),
        to="published",
        actor=reviewer,
    )
    changed = (
        HEADER + ROWS[0].replace("张三", "张三三") + ROWS[1] + "350500201001010000,赵六,,,,,\n"
    ).encode()
    by_copy = [aggregate(entry, GOOD_CSV), aggregate(entry, GOOD_CSV), aggregate(entry, changed)]
    monkeypatch.setattr(staging, "stage_for", staging.MemoryStage)
    by_orm = [aggregate(other, GOOD_CSV), aggregate(other, GOOD_CSV), aggregate(other, changed)]
    counts = [[(b.inserted, b.updated, b.unchanged) for b in batches] for batches in (by_copy, by_orm)]
    assert counts[0] == counts[1] == [(3, 0, 0), (0, 0, 3), (1, 1, 1)]
    copied, orm = records(entry), records(other)
    assert {k: r.data for k, r in copied.items()} == {k: r.data for k, r in orm.items()}
    for result, batches in ((copied, by_copy), (orm, by_orm)):
        assert result["350500199001011234"].batch_id == batches[2].pk
        assert result["350500198505052345"].batch_id == batches[0].pk
        assert result["350500198505052345"].updated_at == result["350500198505052345"].created_at


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the COPY path needs PostgreSQL")
def test_the_copy_path_finds_the_same_repeated_keys_as_the_orm_path(
    aggregate, producer, reviewer, entry, monkeypatch
):
    """PostgreSQL finds repeated keys in its stage table, not in the worker's memory: the same errors,
    in the same order, across chunks, before and after the first other error."""
    monkeypatch.setattr(ingest, "CHUNK_ROWS", 2)
    other = resource_transition(
        resource=resource_transition(
            resource=new_entry(producer, code="QZ-RK-0009"), to="submitted", actor=producer
        ),
        to="published",
        actor=reviewer,
    )
    repeated = (
        "公民身份号码,姓名\n"
        "K1,甲\n"  # row 2
        "K2,乙\n"  # row 3
        "K1,丙\n"  # row 4: the key of row 2, in a chunk still whole
        "K\\3,丁\n"  # row 5
        "K\\3,戊\n"  # row 6: a key with a backslash again
        "K2,\n"  # row 7: a required value missing, and the key of row 3
        "K1,己\n"  # row 8: the key of row 2 a third time, after the first other error
    ).encode()
    by_copy = aggregate(entry, repeated)
    monkeypatch.setattr(staging, "stage_for", staging.MemoryStage)
    by_orm = aggregate(other, repeated)
    assert [(e["row"], e["column"]) for e in by_copy.errors] == [
        (4, "公民身份号码"),
        (6, "公民身份号码"),
        (7, "姓名"),
        (7, "公民身份号码"),
        (8, "公民身份号码"),
    ]
    assert "'K\\3' 也出现在第 5 行" in by_copy.errors[1]["message"]
    assert "也出现在第 2 行" in by_copy.errors[4]["message"]
    assert "5 行中有 5 处错误" not in by_copy.message and "4 行中有 5 处错误" in by_copy.message
    assert (by_copy.errors, by_copy.message) == (by_orm.errors, by_orm.message)
    assert not has_records(resource_id=entry.pk)


def test_repeated_keys_beyond_the_listed_errors_are_counted(producer, entry, monkeypatch):
    monkeypatch.setattr(ingest_rows, "MAX_LISTED_ERRORS", 2)
    monkeypatch.setattr(staging, "MAX_LISTED_ERRORS", 2)
    same = [{"id_number": "K1", "full_name": "甲"}] * 4  # rows 2 to 5: three repeats of row 2's key
    bad = {"id_number": "K0", "full_name": "乙", "children": "x"}  # row 1: not an integer
    with pytest.raises(ApplicationError) as refused:
        records_upsert(actor=producer, resource=entry, records=[bad, *same])
    extra = refused.value.extra
    assert [(e["row"], e["column"]) for e in extra["errors"]] == [(1, "children"), (3, "id_number")]
    assert extra["errors"][1]["message"] == "主键 'K1' 也出现在第 2 行。"
    assert extra["error_count"] == 4
    assert "4 行中有 4 处错误，下面列出前 2 处" in refused.value.message


def test_progress_is_written_as_the_rows_are_checked(aggregate, entry, monkeypatch):
    monkeypatch.setattr(ingest, "CHUNK_ROWS", 1)
    monkeypatch.setattr(staging, "PROGRESS_SECONDS", 0)
    written = []
    progress = aggregation._progress
    monkeypatch.setattr(
        aggregation,
        "_progress",
        lambda batch, done, estimate: written.append(done) or progress(batch, done, estimate),
    )
    batch = aggregate(entry, GOOD_CSV)
    assert written == [0, 1, 2, 3, 3]  # the last: the end of the file
    assert (batch.processed_rows, batch.total_rows, batch.inserted) == (3, 3, 3)


def test_deleting_records_leaves_tombstones_and_counts(api_as, producer, entry, aggregate):
    from catalog.models import RecordDeletion

    aggregate(entry, GOOD_CSV)
    response = api_as(producer).post(
        f"/api/v1/catalog/resources/{entry.pk}/records/delete/",
        {"keys": ["350500199001011234", "no-such-key"]},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["source"], body["deleted"], body["unchanged"]) == ("deletion", 1, 1)
    assert set(records(entry)) == {
        "350500198505052345",
        "350500200012123456",
    }
    tombstone = RecordDeletion.objects.get(resource=entry)
    assert tombstone.key == "350500199001011234" and tombstone.batch_id == body["id"]
    entry.refresh_from_db()
    assert entry.record_count == 2
    event = AuditEvent.objects.get(action="resource.records_delete")
    assert event.record_count == 1 and event.owner_unit == producer.unit


def test_only_the_producer_deletes_records(api_as, applicant, producer, entry, aggregate):
    aggregate(entry, GOOD_CSV)
    response = api_as(applicant).post(
        f"/api/v1/catalog/resources/{entry.pk}/records/delete/",
        {"keys": ["350500199001011234"]},
        format="json",
    )
    assert response.status_code in (403, 404)
    assert record_count(resource_id=entry.pk) == 3
