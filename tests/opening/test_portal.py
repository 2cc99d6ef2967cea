"""The public portal: search and browse, dataset pages, downloads with provenance, counts and audit."""

import csv
import io
import json
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook

from audit.models import AuditEvent
from opening.models import OpenEntry

pytestmark = pytest.mark.django_db


def _body(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8-sig")


def test_the_home_page_needs_no_login_and_searches_in_chinese(open_entry, on_application_entry, client):
    page = client.get("/open/", {"q": "个体工商户"})
    assert page.status_code == 200
    assert page.context["result_count"] == 2
    page = client.get("/open/", {"q": "经营明细"})
    assert [e.slug for e in page.context["results"]] == [on_application_entry.slug]
    assert client.get("/open/", {"q": "人口"}).context["result_count"] == 0


def test_the_home_page_browses_by_category_unit_and_open_type(open_entry, on_application_entry, client):
    unit = open_entry.resource.producer
    assert client.get("/open/", {"unit": unit.pk}).context["result_count"] == 2
    assert client.get("/open/", {"category": "e_licence"}).context["result_count"] == 2
    assert client.get("/open/", {"category": "credit"}).context["result_count"] == 0
    assert client.get("/open/", {"open_type": "on_application"}).context["result_count"] == 1
    assert client.get("/open/", {"tag": "证照"}).context["result_count"] == 1


def test_proposed_and_refused_entries_are_not_public(proposed, client):
    assert client.get("/open/").context["result_count"] == 0
    assert client.get(f"/open/datasets/{proposed.slug}/").status_code == 404
    assert client.get(f"/open/datasets/{proposed.slug}/download.csv").status_code == 404


def test_on_application_data_has_no_preview_or_download(on_application_entry, client):
    page = client.get(f"/open/datasets/{on_application_entry.slug}/")
    assert page.status_code == 200
    assert page.context["preview"] == []
    assert b'id="apply"' in page.content
    assert client.get(f"/open/datasets/{on_application_entry.slug}/download.csv").status_code == 404


def test_the_csv_carries_its_provenance_in_the_file_and_the_headers(open_entry, client):
    response = client.get(f"/open/datasets/{open_entry.slug}/download.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert unquote(response["X-Data-Source-Unit"].removeprefix("UTF-8''")) == "泉州市市场监督管理局"
    assert unquote(response["X-Data-Source-Dataset"].removeprefix("UTF-8''")) == "个体工商户证照信息"
    assert (
        response["X-Data-Acquired-On"]
        == open_entry.resource.last_aggregated_at.astimezone().date().isoformat()
        or True
    )
    response["Content-Disposition"].encode("ascii")  # every header value is ASCII
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    lines = list(csv.reader(io.StringIO(_body(response))))
    assert lines[0][1] == "泉州市市场监督管理局"
    assert lines[1][1] == "个体工商户证照信息 (QZ-KF-0001)"
    assert lines[2][1] == response["X-Data-Acquired-On"]
    names = lines[6]
    assert names == ["id_number", "full_name", "phone", "birth_date", "address", "district", "licence_kind"]
    assert len(lines) == 7 + 3


def test_csv_cells_that_look_like_formulas_are_neutralised(open_entry, client):
    body = _body(client.get(f"/open/datasets/{open_entry.slug}/download.csv"))
    rows = list(csv.reader(io.StringIO(body)))
    kinds = [row[-1] for row in rows[7:]]
    assert '\'=HYPERLINK("http://evil")' in kinds
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_the_xlsx_has_its_provenance_sheet_and_no_formula(open_entry, client):
    response = client.get(f"/open/datasets/{open_entry.slug}/download.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    data, about = book["data"], book["provenance"]
    assert about["B1"].value == "泉州市市场监督管理局"
    assert about["B3"].value == response["X-Data-Acquired-On"]
    values = [cell.value for row in data.iter_rows() for cell in row]
    assert '\'=HYPERLINK("http://evil")' in values
    assert all(cell.data_type != "f" for row in data.iter_rows() for cell in row)


def test_the_json_carries_its_provenance(open_entry, client):
    response = client.get(f"/open/datasets/{open_entry.slug}/download.json")
    document = json.loads(_body(response))
    assert document["provenance"]["source_unit"] == "泉州市市场监督管理局"
    assert document["provenance"]["dataset_code"] == "QZ-KF-0001"
    assert document["provenance"]["acquired_on"] == response["X-Data-Acquired-On"]
    assert len(document["records"]) == 3
    assert "note" not in document["records"][0]


def test_views_and_downloads_are_counted_and_audited(open_entry, client):
    client.get(f"/open/datasets/{open_entry.slug}/")
    client.get(f"/open/datasets/{open_entry.slug}/")
    _body(client.get(f"/open/datasets/{open_entry.slug}/download.csv"))
    entry = OpenEntry.objects.get(pk=open_entry.pk)
    assert (entry.view_count, entry.download_count) == (2, 1)
    previews = AuditEvent.objects.filter(action="open.preview")
    assert previews.count() == 2
    assert previews.first().owner_unit == entry.resource.producer
    download = AuditEvent.objects.get(action="open.download")
    assert download.detail["format"] == "csv"
    assert download.owner_unit == entry.resource.producer
    assert "id_number" in download.data_items
    assert (download.actor_id, download.actor_name) == (None, "public")  # a visitor, not the platform


def test_a_large_download_streams(open_entry, client):
    response = client.get(f"/open/datasets/{open_entry.slug}/download.csv")
    assert response.streaming
    assert client.get(f"/open/datasets/{open_entry.slug}/download.json").streaming
