"""Each entry's records in a typed table of its own (issue 19): the table follows the entry's life and the
items of its published version; the authority sees beforehand what a publication drops or converts."""

import importlib
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.apps import apps
from django.db import connection

from audit.models import AuditEvent
from catalog.aggregation.services import records_upsert
from catalog.models import Resource
from catalog.records import Column, all_records, drop_table, ensure_table, layout_changes, record_by_key
from catalog.records.review import publication_changes
from catalog.services import resource_create, resource_update
from catalog.workflow import LIFECYCLE, resource_transition
from dataplatform.core.apikeys import api_key_issue
from dataplatform.core.workflow import act
from sharing.models import Grant
from sharing.workflow import application_act
from tests.factories.catalog import entry_fields
from tests.factories.sharing import apply

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[2]

ITEMS = [
    {"name": "code", "label": "编码", "item_type": "string", "length": 18, "is_key": True, "required": True},
    {"name": "title", "label": "名称", "item_type": "string", "length": 50, "is_query": True},
    {"name": "note", "label": "备注", "item_type": "string", "length": 20},
    {"name": "count", "label": "数量", "item_type": "integer"},
    {"name": "amount", "label": "金额", "item_type": "decimal"},
    {"name": "day", "label": "日期", "item_type": "date"},
    {"name": "at", "label": "时间", "item_type": "datetime"},
    {"name": "flag", "label": "标志", "item_type": "boolean"},
]
ROWS = [
    {"code": "A1", "title": "张三丰子", "note": "12", "count": 5, "amount": "1.50", "flag": True},
    {"code": "A2", "title": "李四", "note": "abc", "count": -7, "day": "2024-02-29"},
    {"code": "A3", "title": "王五", "note": " 7 ", "at": "2024-03-01T09:30:00+08:00", "flag": False},
]


def items_with(**changes_by_name) -> list[dict]:
    """ITEMS with some changed (a dict of fields) or removed (None)."""
    return [
        {**item, **changes_by_name[item["name"]]} if changes_by_name.get(item["name"]) else item
        for item in ITEMS
        if item["name"] not in changes_by_name or changes_by_name[item["name"]] is not None
    ]


@pytest.fixture
def entry(producer, reviewer):
    draft = resource_create(actor=producer, producer=producer.unit, **entry_fields(items=ITEMS))
    submitted = resource_transition(resource=draft, to="submitted", actor=producer)
    return resource_transition(resource=submitted, to="published", actor=reviewer)


@pytest.fixture
def stored(entry, producer):
    records_upsert(actor=producer, resource=entry, records=ROWS)
    return entry


def submit_revision(resource: Resource, items: list[dict], producer) -> Resource:
    resource = resource_transition(resource=resource, to="draft", actor=producer)
    resource_update(actor=producer, resource=resource, items=items)
    return resource_transition(resource=resource, to="submitted", actor=producer)


def republish(resource: Resource, items: list[dict], producer, reviewer) -> Resource:
    submitted = submit_revision(resource, items, producer)
    return act(LIFECYCLE, obj=submitted, action="publish", actor=reviewer)


def column_types(resource_id: int) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name, data_type, character_maximum_length FROM information_schema.columns "
            "WHERE table_schema = 'records' AND table_name = %s",
            [f"r{resource_id}"],
        )
        return {name: f"{kind}({length})" if length else kind for name, kind, length in cursor.fetchall()}


def indexed_columns(resource_id: int) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = 'records' AND tablename = %s",
            [f"r{resource_id}"],
        )
        definitions = [row[0] for row in cursor.fetchall()]
    # Each index by its first column (a query item's also holds the key, for keyset pages).
    return {d.rsplit("(", 1)[1].rstrip(")").split(",")[0].strip('"') for d in definitions}


def table_exists(resource_id: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [f'records."r{resource_id}"'])
        return cursor.fetchone()[0] is not None


def data(resource: Resource) -> dict[str, dict]:
    return {key: row.data for key, row in all_records(resource_id=resource.pk).items()}


# --- the table and its columns (PostgreSQL) ---------------------------------------------------------


def test_a_new_entry_gets_a_table_and_deleting_the_entry_drops_it(producer):
    resource = resource_create(actor=producer, producer=producer.unit, **entry_fields(items=ITEMS))
    assert table_exists(resource.pk)
    pk = resource.pk
    Resource.objects.filter(pk=pk).delete()
    assert not table_exists(pk)


def test_each_item_type_has_its_column_type(entry):
    assert column_types(entry.pk) == {
        "_key": "text",
        "code": "character varying(18)",
        "title": "character varying(50)",
        "note": "character varying(20)",
        "count": "bigint",
        "amount": "numeric",
        "day": "date",
        "at": "timestamp with time zone",
        "flag": "boolean",
        "_created_at": "timestamp with time zone",
        "_updated_at": "timestamp with time zone",
        "_batch_id": "bigint",
    }


def test_a_query_item_is_indexed_and_unmarking_it_drops_the_index(entry):
    # The key is the primary key; title is the entry's one other query item.
    assert indexed_columns(entry.pk) == {"_key", "_updated_at", "title"}
    ensure_table(
        entry.pk, [Column("code", length=18, is_key=True, is_query=True), Column("title", length=50)]
    )
    assert indexed_columns(entry.pk) == {"_key", "_updated_at"}
    ensure_table(entry.pk, [Column("title", length=50, is_query=True)])
    assert indexed_columns(entry.pk) == {"_key", "_updated_at", "title"}


def test_drop_table_leaves_no_table_and_may_be_called_again(entry):
    drop_table(entry.pk)
    drop_table(entry.pk)
    assert not table_exists(entry.pk)


# --- a new published version ------------------------------------------------------------------------


def test_publishing_a_version_adds_and_drops_item_columns(stored, producer, reviewer):
    added = {"name": "extra", "label": "附加", "item_type": "integer"}
    republish(stored, [*items_with(flag=None), added], producer, reviewer)
    columns = column_types(stored.pk)
    assert columns["extra"] == "bigint" and "flag" not in columns
    assert data(stored)["A1"]["extra"] is None and "flag" not in data(stored)["A1"]
    assert data(stored)["A1"]["title"] == "张三丰子"


def test_text_made_integer_keeps_the_numbers_and_empties_the_rest(stored, producer, reviewer):
    republish(stored, items_with(note={"item_type": "integer", "length": None}), producer, reviewer)
    assert column_types(stored.pk)["note"] == "bigint"
    assert {key: row["note"] for key, row in data(stored).items()} == {"A1": 12, "A2": None, "A3": 7}


def test_an_integer_made_decimal_keeps_its_values(stored, producer, reviewer):
    republish(stored, items_with(count={"item_type": "decimal"}), producer, reviewer)
    assert column_types(stored.pk)["count"] == "numeric"
    assert {key: row["count"] for key, row in data(stored).items()} == {"A1": "5", "A2": "-7", "A3": None}


def test_shorter_text_is_cut_to_the_new_length(stored, producer, reviewer):
    republish(stored, items_with(title={"length": 3}), producer, reviewer)
    assert column_types(stored.pk)["title"] == "character varying(3)"
    assert data(stored)["A1"]["title"] == "张三丰"
    assert "title" in indexed_columns(stored.pk)  # the index is kept through the conversion


def test_converted_records_read_through_the_data_api_and_take_new_values(
    api, applicant, stored, producer, reviewer
):
    application = application_act(
        application=apply(applicant, stored, items=("code", "title", "note", "count")),
        action="submit",
        actor=applicant,
    )
    assert Grant.objects.filter(application=application).exists()
    items = items_with(note={"item_type": "integer", "length": None}, count={"item_type": "decimal"})
    stored = republish(stored, items, producer, reviewer)
    key = api_key_issue(actor=applicant, unit=applicant.unit, name="一网通办系统").key
    answer = api.get(f"/api/v1/data/resources/{stored.pk}/records/A1/", HTTP_AUTHORIZATION=f"Api-Key {key}")
    assert answer.status_code == 200, answer.content
    body = json.dumps(answer.json(), ensure_ascii=False)
    assert '"note": 12' in body and '"count": "5"' in body and "张三丰子" in body
    records_upsert(actor=producer, resource=stored, records=[{"code": "A4", "note": 34, "count": "2.25"}])
    assert record_by_key(resource_id=stored.pk, key="A4").data | {} == {
        **dict.fromkeys(["title", "amount", "day", "at", "flag"]),
        "code": "A4",
        "note": 34,
        "count": "2.25",
    }


def test_publishing_through_the_workflow_alters_the_table(entry, producer, reviewer):
    submitted = submit_revision(entry, items_with(count={"item_type": "string", "length": 10}), producer)
    assert column_types(entry.pk)["count"] == "bigint"  # a submission leaves the table alone
    act(LIFECYCLE, obj=submitted, action="publish", actor=reviewer)
    assert column_types(entry.pk)["count"] == "character varying(10)"


# --- layout_changes ---------------------------------------------------------------------------------


def test_layout_changes_lists_added_dropped_and_converted_items():
    before = [Column("a", length=10), Column("b", "integer"), Column("c", "date"), Column("d", length=10)]
    after = [Column("a", length=5), Column("b", "string", length=4), Column("d", "integer"), Column("e")]
    assert layout_changes(before, after) == {"added": ["e"], "dropped": ["c"], "converted": ["a", "b", "d"]}


def test_widening_is_no_conversion():
    before = [Column("a", length=10), Column("b", "integer"), Column("c", "date"), Column("d", "boolean")]
    after = [
        Column("a", length=20),
        Column("b", "decimal"),
        Column("c"),
        Column("d", "boolean", is_query=True),
    ]
    assert layout_changes(before, after) == {"added": [], "dropped": [], "converted": []}


# --- aggregation into the table ---------------------------------------------------------------------


def test_text_with_tabs_line_breaks_and_backslashes_round_trips_through_copy(entry, producer):
    tricky = "a\tb\nc\r\\d \\N \\t"
    records_upsert(actor=producer, resource=entry, records=[{"code": "K\\1", "title": tricky}])
    (row,) = all_records(resource_id=entry.pk).values()
    assert (row.key, row.data["code"], row.data["title"]) == ("K\\1", "K\\1", tricky)


def test_a_record_aggregated_again_unchanged_keeps_its_updated_at(stored, producer):
    before = {key: row.updated_at for key, row in all_records(resource_id=stored.pk).items()}
    batch = records_upsert(actor=producer, resource=stored, records=[ROWS[0], {**ROWS[1], "count": 8}])
    after = all_records(resource_id=stored.pk)
    assert after["A1"].updated_at == before["A1"] and after["A3"].updated_at == before["A3"]
    assert after["A2"].updated_at > before["A2"] and after["A2"].batch_id == batch.pk
    assert after["A1"].batch_id != batch.pk


# --- the migration that moved the JSON records ------------------------------------------------------


def test_the_migration_moves_json_records_into_typed_columns(entry):
    move_records = importlib.import_module("catalog.migrations.0011_record_tables").move_records
    rows = [
        ("A1", {"code": "A1", "title": "甲" * 60, "count": 12, "amount": "3.50", "flag": True, "gone": 1}),
        ("A2", {"code": "A2", "count": "x", "day": "2024-01-02", "at": "2024-01-02T03:04:05Z"}),
    ]
    drop_table(entry.pk)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE catalog_record (id bigserial PRIMARY KEY, resource_id bigint, key varchar(200), "
            "data jsonb, created_at timestamptz, updated_at timestamptz, batch_id bigint)"
        )
        for key, values in rows:
            cursor.execute(
                "INSERT INTO catalog_record (resource_id, key, data, created_at, updated_at) "
                "VALUES (%s, %s, %s, now(), now())",
                [entry.pk, key, json.dumps(values)],
            )
    with connection.schema_editor() as editor:
        move_records(apps, editor)
    assert column_types(entry.pk)["count"] == "bigint"
    moved = data(entry)
    assert moved["A1"] == {
        **dict.fromkeys(["note", "day", "at"]),
        "code": "A1",
        "title": "甲" * 50,
        "count": 12,
        "amount": "3.5",
        "flag": True,
    }
    assert (moved["A2"]["count"], moved["A2"]["day"], moved["A2"]["at"]) == (
        None,
        "2024-01-02",
        "2024-01-02T03:04:05+00:00",
    )


# --- SQLite (the demo), in a process of its own -----------------------------------------------------

SQLITE_SCRIPT = textwrap.dedent(
    """
    import json
    from django.db import connection
    from catalog.records import Column, all_records, ensure_table, table_name
    from catalog.records.tables import existing_columns
    rid = 990001
    ensure_table(rid, [Column("code", length=18, is_key=True, is_query=True), Column("title", length=50, is_query=True),
                       Column("note", length=20), Column("count", "integer"), Column("gone")])
    with connection.cursor() as c:
        for key, note, count in [("A1", "12", 5), ("A2", "abc", -7), ("A3", " 7 ", None)]:
            c.execute(f"INSERT INTO {table_name(rid)} (_key, code, title, note, count, gone, _created_at, _updated_at) "
                      "VALUES (%s, %s, %s, %s, %s, 'x', '2024-01-01 00:00:00', '2024-01-01 00:00:00')",
                      [key, key, "张三丰子", note, count])
    after = [Column("code", length=18, is_key=True, is_query=True), Column("title", length=3),
             Column("note", "integer"), Column("count", "decimal"), Column("day", "date")]
    ensure_table(rid, after)
    def schema_version():
        with connection.cursor() as c:
            c.execute("PRAGMA schema_version")
            return c.fetchone()[0]
    version = schema_version()
    ensure_table(rid, after)  # the same layout again alters nothing
    assert schema_version() == version, "the same layout was altered again"
    with connection.cursor() as c:
        c.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL",
                  [f"records_r{rid}"])
        indexes = len(c.fetchall())
    rows = {k: r.data for k, r in all_records(resource_id=rid).items()}
    print(json.dumps({"columns": existing_columns(rid), "rows": rows, "indexes": indexes}, ensure_ascii=False))
    """
)


def test_on_sqlite_a_new_layout_adds_drops_converts_and_unindexes(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"}
    manage = [sys.executable, str(REPO / "manage.py")]
    migrated = subprocess.run([*manage, "migrate", "-v0"], env=env, cwd=REPO, capture_output=True, text=True)
    assert migrated.returncode == 0, migrated.stderr
    run = subprocess.run(
        [*manage, "shell", "-c", SQLITE_SCRIPT], env=env, cwd=REPO, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    got = json.loads(run.stdout.strip().splitlines()[-1])
    assert {name: kind.lower() for name, kind in got["columns"].items()} == {
        "_key": "text",
        "code": "text",
        "title": "text",
        "_created_at": "datetime",
        "_updated_at": "datetime",
        "_batch_id": "bigint",
        "note": "integer",
        "count": "text",
        "day": "text",
    }
    assert {key: (row["note"], row["count"]) for key, row in got["rows"].items()} == {
        "A1": (12, "5"),
        "A2": (None, "-7"),
        "A3": (7, None),
    }
    assert "gone" not in got["rows"]["A1"] and got["rows"]["A1"]["day"] is None
    assert got["indexes"] == 1  # _updated_at's: title is no query item any more


# --- the authority's review of a version that loses data --------------------------------------------


def test_the_review_page_warns_what_publishing_drops_and_converts(client, reviewer, stored, producer):
    submit_revision(stored, items_with(flag=None, note={"item_type": "integer", "length": None}), producer)
    client.force_login(reviewer)
    page = client.get(f"/catalog/{stored.pk}/").content.decode()
    assert 'data-testid="records-layout"' in page
    assert "发布此版本将改变已存储的 3 条记录" in page
    assert "数据被删除（数据项已移除）： <code>flag</code>" in page
    assert "数据被转换（不符合新类型的值将置空）： <code>note</code>" in page
    english = client.get(f"/catalog/{stored.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Publishing this version changes the 3 stored records:" in english
    assert "Values converted (values that do not fit become empty): <code>note</code>" in english


def test_the_review_page_does_not_warn_when_nothing_is_lost(client, reviewer, stored, producer):
    added = {"name": "extra", "label": "附加", "item_type": "integer"}
    submit_revision(stored, [*items_with(title={"length": 80}), added], producer)
    client.force_login(reviewer)
    assert 'data-testid="records-layout"' not in client.get(f"/catalog/{stored.pk}/").content.decode()


def test_the_review_page_does_not_warn_for_an_entry_without_records(client, reviewer, entry, producer):
    submit_revision(entry, items_with(flag=None), producer)
    client.force_login(reviewer)
    assert 'data-testid="records-layout"' not in client.get(f"/catalog/{entry.pk}/").content.decode()


def test_the_publication_audit_lists_the_lost_items(stored, producer, reviewer):
    republish(stored, items_with(flag=None, count={"item_type": "date"}), producer, reviewer)
    event = AuditEvent.objects.filter(action="resource.publish").latest("pk")
    assert event.detail["records_layout"] == {
        "added": [],
        "dropped": ["flag"],
        "converted": ["count"],
        "records": 3,
    }
    assert publication_changes(Resource.objects.get(pk=stored.pk)) is None  # published: nothing pending


def test_a_first_publication_audits_no_layout(entry):
    event = AuditEvent.objects.filter(action="resource.publish").latest("pk")
    assert "records_layout" not in event.detail


def test_the_api_gives_the_pending_layout_changes_of_a_submitted_revision(api_as, reviewer, stored, producer):
    submit_revision(stored, items_with(note={"item_type": "date"}), producer)
    client = api_as(reviewer)
    detail = client.get(f"/api/v1/catalog/resources/{stored.pk}/").json()
    assert detail["pending_layout_changes"] == {
        "added": [],
        "dropped": [],
        "converted": ["note"],
        "records": 3,
    }
    listed = client.get("/api/v1/catalog/resources/").json()
    entries = listed["results"] if isinstance(listed, dict) else listed
    assert [e["pending_layout_changes"] for e in entries if e["id"] == stored.pk] in ([None], [])


def test_a_large_fresh_entry_builds_its_indexes_after_its_rows_and_keeps_them(entry, producer, monkeypatch):
    from catalog.records import staging

    monkeypatch.setattr(staging, "REBUILD_INDEXES_FROM", 2)  # the path a million-row upload takes
    before = indexed_columns(entry.pk)
    rows = [{"code": f"K{n}", "title": f"名{n}", "count": n} for n in range(3)]
    records_upsert(actor=producer, resource=entry, records=rows)
    assert indexed_columns(entry.pk) == before and set(data(entry)) == {"K0", "K1", "K2"}
    with connection.cursor() as cursor:  # the primary key is back: a repeated key cannot get in
        cursor.execute(
            "SELECT count(*) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'p'",
            [f'records."r{entry.pk}"'],
        )
        assert cursor.fetchone()[0] == 1
    again = records_upsert(actor=producer, resource=entry, records=[{**rows[0], "count": 9}])
    assert (again.inserted, again.updated) == (0, 1)
