"""The CKAN Action API's routes, parameters, search syntax and dictionaries, as CKAN 2.10 serves them
(ckan/views/api.py, ckan/logic/action/get.py, ckan/lib/search/query.py, ckan/model/license.py)."""

import datetime as dt

import pytest
from django.db.models import Q

from opening.ckan_dicts import license_id
from opening.ckan_query import QuerySyntaxError, Range, parse_query, solr_date

NOW = dt.datetime(2026, 3, 15, 10, 30, 45, 123456, tzinfo=dt.UTC)


# --- the syntax, without a database ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("NOW", NOW),
        ("NOW-1DAY", NOW - dt.timedelta(days=1)),
        ("NOW+2HOURS", NOW + dt.timedelta(hours=2)),
        ("NOW/DAY", dt.datetime(2026, 3, 15, tzinfo=dt.UTC)),
        ("NOW-1MONTH/DAY", dt.datetime(2026, 2, 15, tzinfo=dt.UTC)),
        ("2024-05-01T10:00:00Z", dt.datetime(2024, 5, 1, 10, tzinfo=dt.UTC)),
        ("2024-05-01T09:00:00.123456Z", dt.datetime(2024, 5, 1, 9, 0, 0, 123456, tzinfo=dt.UTC)),
        ("2024-05-01T00:00:00Z+1DAY", dt.datetime(2024, 5, 2, tzinfo=dt.UTC)),
    ],
)
def test_solr_dates_and_date_maths(text, expected):
    assert solr_date(text, now=NOW) == expected


@pytest.mark.parametrize("text", ["yesterday", "NOW-DAY", "NOW+1FORTNIGHT", "2024-13-45"])
def test_a_bad_date_is_a_syntax_error(text):
    with pytest.raises(QuerySyntaxError):
        solr_date(text, now=NOW)


def clauses(text: str) -> Q:
    return parse_query(text, lambda field, value: Q(**{field or "text": value}))


def test_the_parser_reads_and_or_not_groups_and_ranges():
    assert clauses("a OR b") == Q(text="a") | Q(text="b")
    assert clauses("a b AND c") == Q(text="a") & Q(text="b") & Q(text="c")
    assert clauses("a OR b c") == Q(text="a") | (Q(text="b") & Q(text="c"))
    assert clauses("-tags:x") == ~Q(tags="x")
    assert clauses("NOT tags:x +name:y") == ~Q(tags="x") & Q(name="y")
    assert clauses('organization:(a OR "b c")') == Q(organization="a") | Q(organization="b c")
    assert clauses("tags:a && (groups:b || groups:c)") == Q(tags="a") & (Q(groups="b") | Q(groups="c"))
    ranged = clauses("metadata_modified:[2024-05-01T00:00:00Z TO *}")
    assert ranged == Q(metadata_modified=Range("2024-05-01T00:00:00Z", None, True, False))


@pytest.mark.parametrize(
    "text",
    ["(a OR b", "a OR", "name:", "metadata_modified:[NOW TO", "[* TO]", "a )", "AND", '"open', "tags:(a"],
)
def test_a_malformed_query_is_a_syntax_error(text):
    with pytest.raises(QuerySyntaxError):
        clauses(text)


def test_platform_licences_map_onto_ckans_register():
    assert license_id("CC-BY-4.0") == "cc-by"
    assert license_id("CC0-1.0") == "cc-zero"
    assert license_id("ODC-BY") == "odc-by"
    assert license_id("odc-odbl") == "odc-odbl"
    assert license_id("") == "notspecified"


# --- served ---------------------------------------------------------------------------------------


def result(response) -> object:
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["success"] is True
    return body["result"]


def search(client, **params) -> list[str]:
    return [p["name"] for p in result(client.get("/api/3/action/package_search", params))["results"]]


@pytest.mark.django_db
def test_it_is_served_with_and_without_the_version_and_a_trailing_slash(open_entry, client):
    for url in ("/api/action/package_list", "/api/3/action/package_list", "/api/action/package_list/"):
        assert result(client.get(url)) == [open_entry.slug]
    assert client.get("/api/2/action/package_list").status_code == 404  # CKAN: the action API is v3


@pytest.mark.django_db
def test_post_takes_a_form_and_a_json_body(open_entry, client):
    assert result(client.post("/api/action/package_show", {"id": open_entry.slug}))["id"] == str(
        open_entry.uuid
    )
    form = client.post(
        "/api/action/package_show", f"id={open_entry.slug}", content_type="application/x-www-form-urlencoded"
    )
    assert result(form)["name"] == open_entry.slug
    json_as_key = client.post(
        "/api/action/package_search",
        '{"fq": "tags:\\u8bc1\\u7167"}=1',  # CKAN reads a lone form key of value "1" as a JSON body
        content_type="application/x-www-form-urlencoded",
    )
    assert result(json_as_key)["count"] == 1
    bad = client.post("/api/action/package_show", "{not json", content_type="application/json")
    assert bad.status_code == 400 and bad.json().startswith("Bad request: JSON Error")


@pytest.mark.django_db
def test_or_and_not_in_q_and_fq(open_entry, on_application_entry, client):
    both = sorted([open_entry.slug, on_application_entry.slug])
    assert sorted(search(client, q="证照 OR 经营明细")) == both
    assert sorted(search(client, fq="tags:证照 OR tags:nothing OR groups:e_licence")) == both
    assert search(client, fq="groups:e_licence AND NOT tags:证照") == [on_application_entry.slug]
    assert search(client, q="*:*", fq=f"-name:{on_application_entry.slug}") == [open_entry.slug]
    repeated = client.get(f"/api/3/action/package_search?fq=groups:e_licence&fq=-name:{open_entry.slug}")
    assert [p["name"] for p in result(repeated)["results"]] == [on_application_entry.slug]
    assert search(client, fq=f"name:{open_entry.slug[:4]}*", sort="name asc") == sorted(
        s for s in both if s.startswith(open_entry.slug[:4])
    )


@pytest.mark.django_db
def test_res_format_matches_only_datasets_with_that_distribution(open_entry, on_application_entry, client):
    assert search(client, fq="res_format:CSV") == [open_entry.slug]
    assert search(client, fq='res_format:"API"') == [on_application_entry.slug]
    assert search(client, fq="res_format:PDF") == []


@pytest.mark.django_db
def test_metadata_modified_ranges_honour_both_bounds_and_date_maths(open_entry, on_application_entry, client):
    from opening.models import OpenEntry

    OpenEntry.objects.filter(pk=on_application_entry.pk).update(
        opened_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC), decided_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    )
    on_application_entry.resource.__class__.objects.filter(pk=on_application_entry.resource.pk).update(
        published_at=dt.datetime(2023, 12, 31, tzinfo=dt.UTC)
    )
    assert search(client, fq="metadata_modified:[NOW-1DAY TO NOW]") == [open_entry.slug]
    assert search(client, fq="metadata_modified:[NOW-1DAY TO NOW+2HOURS]") == [open_entry.slug]
    assert search(client, fq="metadata_modified:[* TO 2024-06-01T00:00:00Z]") == [on_application_entry.slug]
    assert search(client, fq="metadata_modified:[2024-01-01T00:00:00Z TO 2024-01-01T00:00:00Z]") == [
        on_application_entry.slug
    ]
    assert search(client, fq="metadata_modified:{2024-01-01T00:00:00Z TO 2024-06-01T00:00:00Z]") == []
    assert search(client, fq="metadata_created:[* TO NOW-1YEAR]") == [on_application_entry.slug]
    assert search(client, sort="metadata_modified desc") == [open_entry.slug, on_application_entry.slug]
    shown = result(client.get("/api/3/action/package_show", {"id": on_application_entry.slug}))
    assert shown["metadata_modified"] == "2024-01-01T00:00:00"  # UTC, no offset, as CKAN prints it
    assert shown["metadata_created"] == "2024-01-01T00:00:00"


@pytest.mark.django_db
def test_sorts_ckan_clients_send(open_entry, on_application_entry, client):
    by_id = sorted([open_entry, on_application_entry], key=lambda e: str(e.uuid))
    assert search(client, sort="id asc") == [e.slug for e in by_id]
    assert search(client, sort="id desc") == [e.slug for e in reversed(by_id)]
    assert len(search(client, sort="score desc, metadata_modified desc")) == 2
    assert search(client, sort="name asc") == sorted([open_entry.slug, on_application_entry.slug])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "status", "kind"),
    [
        ({"fq": "metadata_modified:[NOW-1DAY TO NOW"}, 409, "Search Error"),
        ({"fq": "metadata_modified:[yesterday TO NOW]"}, 409, "Search Error"),
        ({"fq": "metadata_modified:[2024-13-45T00:00:00Z TO NOW]"}, 409, "Search Error"),
        ({"q": "(证照 OR"}, 409, "Search Error"),
        ({"fq": "tags:[a TO b]"}, 400, "Search Query Error"),
        ({"sort": "id sideways"}, 400, "Search Query Error"),
        ({"facet.field": "[not json"}, 400, "Search Query Error"),
        ({"start": "-1"}, 409, "Validation Error"),
        ({"facet.field": '["tags"]', "facet.limit": "many"}, 409, "Validation Error"),
    ],
)
def test_a_bad_search_is_ckans_error_never_a_500(open_entry, client, params, status, kind):
    response = client.get("/api/3/action/package_search", params)
    assert response.status_code == status
    assert response.json()["error"]["__type"] == kind


@pytest.mark.django_db
def test_facets_count_every_match_and_honour_the_limit(open_entry, on_application_entry, client):
    found = result(
        client.get(
            "/api/3/action/package_search",
            {"facet.field": '["tags", "res_format", "groups", "license_id"]', "facet.limit": "2", "rows": 0},
        )
    )
    assert found["results"] == [] and found["count"] == 2
    assert found["facets"]["groups"] == {"e_licence": 2}
    assert found["facets"]["license_id"] == {"cc-by": 2}
    assert len(found["facets"]["res_format"]) == 2 and found["facets"]["res_format"]["API"] == 1
    assert found["facets"]["tags"] == {"个体户": 1, "证照": 1}
    groups = found["search_facets"]["groups"]
    assert groups["title"] == "groups" and groups["items"][0]["name"] == "e_licence"
    assert groups["items"][0]["count"] == 2 and groups["items"][0]["display_name"]


@pytest.mark.django_db
def test_the_other_read_actions(open_entry, on_application_entry, client):
    def action(name, **params):
        return result(client.get(f"/api/3/action/{name}", params))

    assert action("site_read") is True
    assert [lic["id"] for lic in action("license_list")][:6] == [
        "notspecified", "odc-pddl", "odc-odbl", "odc-by", "cc-zero", "cc-by",
    ]  # fmt: skip
    assert len(action("current_package_list_with_resources")) == 2
    assert len(action("current_package_list_with_resources", limit=1, offset=1)) == 1
    assert action("package_autocomplete", q=open_entry.slug[:6])[0]["match_field"] == "name"
    titled = action("package_autocomplete", q="经营明细")
    assert titled == [
        {
            "name": on_application_entry.slug,
            "title": "个体户经营明细",
            "match_field": "title",
            "match_displayed": f"个体户经营明细 ({on_application_entry.slug})",
        }
    ]
    assert action("format_autocomplete", q="s") == ["csv", "json", "xlsx"]
    assert action("format_autocomplete", q="api") == ["api"]
    csv = action("resource_search", query="format:CSV")
    assert csv["count"] == 1 and csv["results"][0]["package_id"] == str(open_entry.uuid)
    assert action("resource_search", query=["format:json", f"package_id:{open_entry.uuid}"])["count"] == 1
    assert action("tag_show", id="证照")["name"] == "证照"
    assert [p["name"] for p in action("group_package_show", id="e_licence", limit=1)] != []
    assert action("organization_list_for_user") == []
    assert action("organization_list", all_fields="true")[0]["package_count"] == 2
    assert action("group_list", all_fields="true")[0]["title"]
    assert "package_search" in result(client.get("/api/3/action/help_show", {"name": "package_search"}))


@pytest.mark.django_db
def test_missing_or_unknown_things_are_ckans_errors(open_entry, client):
    assert client.get("/api/3/action/tag_show", {"id": "nothing"}).status_code == 404
    assert client.get("/api/3/action/group_package_show", {"id": "nothing"}).status_code == 404
    refused = client.get("/api/3/action/resource_search", {"query": "secret:1"})
    assert refused.status_code == 409 and "query" in refused.json()["error"]
    assert client.get("/api/3/action/format_autocomplete").status_code == 409
    for write in ("package_update", "organization_create", "resource_create", "user_list"):
        answer = client.post(f"/api/action/{write}", {"id": "x"}, content_type="application/json")
        assert answer.status_code == 403
        assert answer.json()["error"]["__type"] == "Authorization Error"


@pytest.mark.django_db
def test_a_revision_in_draft_does_not_reach_the_api(open_entry, producer, client):
    from catalog.services import resource_update
    from catalog.workflow import resource_transition

    resource = resource_transition(resource=open_entry.resource, to="draft", actor=producer)
    resource_update(actor=producer, resource=resource, name="未审核的标题", description="未审核的说明")
    shown = result(client.get("/api/3/action/package_show", {"id": open_entry.slug}))
    assert shown["title"] == "个体工商户证照信息"
    assert "未审核" not in client.get("/api/3/action/package_search").content.decode()
