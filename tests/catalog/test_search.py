"""Catalog search (SPEC 2, "Search"): applicants find available entries by words and filters."""

import itertools

import jieba
import pytest
from django.utils import timezone

from catalog.models import (
    Category,
    DataFormat,
    OpenType,
    Resource,
    ResourceStatus,
    ServiceMethod,
    ShareType,
    UpdateFrequency,
)
from catalog.search.text import CappedPaginator, query_terms, resource_index
from catalog.services import resource_create
from catalog.workflow import resource_transition
from dataplatform.core.apikeys import api_key_issue
from dataplatform.core.models import Role, User
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/api/v1/catalog/search/"
_codes = itertools.count(1)


@pytest.fixture
def police(city):
    unit = factories.unit("泉州市公安局", region_=city)
    return factories.person(unit, Role.DATA_ADMIN, username="police")


def entry(
    producer,
    reviewer=None,
    name: str = "测试目录",
    *,
    items: tuple[tuple[str, str], ...] = (("record_id", "记录编号"),),
    **fields,
) -> Resource:
    """An entry made by ``producer``'s unit; published when a ``reviewer`` is given, else a draft."""
    fields = {
        "code": f"T{next(_codes):05d}",
        "category": Category.DEPARTMENTAL,
        "data_format": DataFormat.TABLE,
        "update_frequency": UpdateFrequency.DAILY,
        "share_type": ShareType.UNCONDITIONAL,
        "open_type": OpenType.UNIVERSAL,
        "grading_level": "1",
        "service_methods": [ServiceMethod.INTERFACE],
        "holds_no_classified_data": True,
        **fields,
    }
    rows = [
        {"name": n, "label": label, "length": 100, "is_key": i == 0} for i, (n, label) in enumerate(items)
    ]
    resource = resource_create(actor=producer, producer=producer.unit, name=name, items=rows, **fields)
    if reviewer is not None:
        resource_transition(resource=resource, to=ResourceStatus.SUBMITTED, actor=producer)
        resource = resource_transition(resource=resource, to=ResourceStatus.PUBLISHED, actor=reviewer)
    return resource


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [result["name"] for result in response.json()["results"]]


def search(api, **params) -> list[str]:
    return names(api.get(URL, params))


@pytest.fixture
def catalog(producer, police, reviewer):
    """A small published catalog of two units."""
    return {
        "population": entry(
            police,
            reviewer,
            "人口基本信息",
            category=Category.POPULATION,
            description="全市户籍人口和常住人口的基本情况",
            items=(("id_number", "公民身份号码"), ("full_name", "姓名"), ("birth_date", "出生日期")),
        ),
        "enterprise": entry(
            producer,
            reviewer,
            "企业登记信息",
            category=Category.LEGAL_PERSON,
            description="Enterprise registration records of market entities",
            items=(("credit_code", "统一社会信用代码"), ("company_name", "企业名称")),
        ),
        "annual_report": entry(
            producer,
            reviewer,
            "企业年报信息",
            share_type=ShareType.CONDITIONAL,
            share_conditions="用于市场监管",
            share_basis="《企业信息公示暂行条例》",
            open_type=OpenType.ON_APPLICATION,
            items=(("credit_code", "统一社会信用代码"), ("report_year", "年报年度")),
        ),
        "birth": entry(
            police,
            reviewer,
            "出生医学证明",
            category=Category.E_LICENCE,
            open_type=OpenType.NOT_OPEN,
            not_open_reason="涉及个人隐私",
            items=(("certificate_no", "证明编号"), ("mother_name", "母亲姓名")),
        ),
    }


def test_a_chinese_word_finds_the_entry_named_with_it(api_as, applicant, catalog):
    assert search(api_as(applicant), q="人口") == ["人口基本信息"]


def test_chinese_is_matched_by_words_not_by_characters(api_as, applicant, catalog):
    api = api_as(applicant)
    assert search(api, q="企业登记") == ["企业登记信息"]  # 企业 and 登记, wherever they stand
    assert search(api, q="登记企业") == ["企业登记信息"]
    assert search(api, q="业登") == []  # characters across two words are no word


def test_a_word_matches_the_smaller_words_it_is_made_of(api_as, applicant, catalog):
    # jieba keeps 出生证明 whole; the entry's text holds 出生 and 证明.
    assert search(api_as(applicant), q="出生证明") == ["出生医学证明"]


def test_a_word_only_in_a_data_item_label_finds_the_entry(api_as, applicant, catalog):
    assert search(api_as(applicant), q="身份号码") == ["人口基本信息"]
    assert set(search(api_as(applicant), q="信用代码")) == {"企业年报信息", "企业登记信息"}


def test_english_words_find_the_entry_in_any_case(api_as, applicant, catalog):
    api = api_as(applicant)
    assert search(api, q="Registration ENTERPRISE") == ["企业登记信息"]
    assert search(api, q="birth_date") == ["人口基本信息"]  # a data item's identifier


def test_the_producing_units_name_finds_its_entries(api_as, applicant, catalog):
    assert set(search(api_as(applicant), q="公安局")) == {"人口基本信息", "出生医学证明"}


def test_every_word_of_the_query_must_match(api_as, applicant, catalog):
    assert search(api_as(applicant), q="企业 人口") == []


@pytest.mark.parametrize(
    ("param", "value", "expected"),
    [
        ("category", Category.LEGAL_PERSON, ["企业登记信息"]),
        ("share_type", ShareType.CONDITIONAL, ["企业年报信息"]),
        ("open_type", OpenType.NOT_OPEN, ["出生医学证明"]),
        ("item", "信用代码", ["企业年报信息", "企业登记信息"]),
        ("item", "MOTHER", ["出生医学证明"]),  # the identifier, too
    ],
)
def test_each_filter_narrows_the_results(api_as, applicant, catalog, param, value, expected):
    api = api_as(applicant)
    assert len(search(api)) == 4
    assert sorted(search(api, **{param: value})) == expected


def test_the_unit_filter_keeps_that_units_entries(api_as, applicant, catalog, police):
    assert set(search(api_as(applicant), unit=police.unit_id)) == {"人口基本信息", "出生医学证明"}


def test_filters_and_words_combine(api_as, applicant, catalog, producer):
    api = api_as(applicant)
    assert search(api, q="企业", unit=producer.unit_id, share_type=ShareType.UNCONDITIONAL) == [
        "企业登记信息"
    ]


@pytest.mark.parametrize("persona", ["applicant", "producer", "reviewer", "outsider"])
def test_drafts_are_never_found_not_even_by_their_own_unit(request, api_as, producer, reviewer, persona):
    entry(producer, None, "人口迁移草稿")
    entry(producer, reviewer, "人口迁移信息")
    assert search(api_as(request.getfixturevalue(persona)), q="人口迁移") == ["人口迁移信息"]


def test_retired_entries_are_not_found(api_as, applicant, producer, reviewer):
    retired = entry(producer, reviewer, "人口迁移信息")
    resource_transition(resource=retired, to=ResourceStatus.RETIRED, actor=producer, reason="停用")
    assert search(api_as(applicant), q="人口迁移") == []


def test_an_entry_under_revision_stays_findable(api_as, applicant, producer, reviewer):
    revised = entry(producer, reviewer, "人口迁移信息")
    resource_transition(resource=revised, to=ResourceStatus.DRAFT, actor=producer)
    assert search(api_as(applicant), q="人口迁移") == ["人口迁移信息"]


def test_public_organizations_find_nothing_here(api_as, catalog):
    university = factories.person(factories.unit("华侨大学", kind="university"), Role.DATA_ADMIN)
    assert search(api_as(university), q="人口") == []


def test_the_entry_named_by_the_query_comes_first(api_as, applicant, producer, reviewer):
    entry(producer, reviewer, "社会保险参保信息", description="人口 人口 人口：按人口统计的参保人口")
    entry(producer, reviewer, "人口基本信息")
    results = api_as(applicant).get(URL, {"q": "人口"}).json()["results"]
    assert [r["name"] for r in results] == ["人口基本信息", "社会保险参保信息"]
    assert results[0]["rank"] > results[1]["rank"]


def test_a_result_says_what_an_applicant_needs(api_as, applicant, catalog, police):
    Resource.objects.filter(pk=catalog["population"].pk).update(last_aggregated_at=timezone.now())
    (result,) = api_as(applicant).get(URL, {"q": "人口"}).json()["results"]
    assert result == {
        "id": catalog["population"].pk,
        "code": catalog["population"].code,
        "name": "人口基本信息",
        "producer": {"id": police.unit_id, "name": "泉州市公安局"},
        "category": "population",
        "share_type": "unconditional",
        "open_type": "universal",
        "update_frequency": "daily",
        "last_aggregated_at": result["last_aggregated_at"],
        "is_stale": False,
        "items": [
            {"name": "id_number", "label": "公民身份号码", "legal_source": None},
            {"name": "full_name", "label": "姓名", "legal_source": None},
            {"name": "birth_date", "label": "出生日期", "legal_source": None},
        ],
        "rank": result["rank"],
    }
    assert result["last_aggregated_at"] is not None and result["rank"] >= 1


def bulk_published(producer, count: int, name: str = "人口统计信息") -> None:
    """``count`` published entries, made directly for speed and indexed as the services index them."""
    for n in range(count):
        resource = Resource.objects.create(
            code=f"B{next(_codes):05d}",
            name=f"{name}{n:02d}",
            producer=producer.unit,
            category=Category.POPULATION,
            data_format=DataFormat.TABLE,
            update_frequency=UpdateFrequency.MONTHLY,
            share_type=ShareType.UNCONDITIONAL,
            open_type=OpenType.UNIVERSAL,
            grading_level="1",
            status=ResourceStatus.PUBLISHED,
            published_version=1,
        )
        resource_index(resource)


def test_results_come_in_pages_of_twenty(api_as, applicant, producer):
    bulk_published(producer, 23)
    api = api_as(applicant)
    first = api.get(URL, {"q": "人口"}).json()
    assert (first["count"], len(first["results"]), first["count_capped"]) == (23, 20, False)
    assert first["previous"] is None and "page=2" in first["next"]
    second = api.get(first["next"]).json()
    assert len(second["results"]) == 3 and second["next"] is None
    assert api.get(URL, {"q": "人口", "page": 3}).status_code == 404


def test_a_huge_result_is_counted_only_up_to_the_cap(api_as, applicant, producer, monkeypatch):
    monkeypatch.setattr(CappedPaginator, "COUNT_CAP", 5)
    bulk_published(producer, 7)
    body = api_as(applicant).get(URL, {"q": "人口"}).json()
    assert (body["count"], body["count_capped"], len(body["results"])) == (5, True, 5)


def test_the_search_costs_a_fixed_number_of_queries(api_as, applicant, producer, django_assert_num_queries):
    bulk_published(producer, 15)
    bulk_published(producer, 1, name="婚姻登记信息")
    # the person's unit and roles, the page, its data items, the collection catalog's legal sources, and
    # PostgreSQL: the window of matches to rank (whose size is the count); SQLite: the count
    expected = 6
    for query, found in [("人口", 15), ("婚姻", 1)]:
        api = api_as(User.objects.get(pk=applicant.pk))  # as in a real request: roles not yet read
        with django_assert_num_queries(expected):
            assert len(search(api, q=query)) == found


def test_past_the_cap_the_entries_named_by_the_query_are_still_shown_first(
    api_as, applicant, producer, monkeypatch
):
    monkeypatch.setattr("catalog.search.selectors.RESULT_CAP", 3)
    monkeypatch.setattr(CappedPaginator, "COUNT_CAP", 3)
    for n in range(4):
        entry(producer, None, f"社会保险参保信息{n}", description="按人口统计")
    bulk_published(producer, 4, name="人口统计信息")
    Resource.objects.filter(status=ResourceStatus.DRAFT).update(
        status=ResourceStatus.PUBLISHED, published_version=1
    )
    body = api_as(applicant).get(URL, {"q": "人口"}).json()
    assert (body["count"], body["count_capped"]) == (3, True)
    assert all(result["name"].startswith("人口统计信息") for result in body["results"])


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"category": "sports"}, "category"),
        ({"share_type": "sometimes"}, "share_type"),
        ({"open_type": "ajar"}, "open_type"),
        ({"unit": "market"}, "unit"),
        ({"unit": "0"}, "unit"),
        ({"q": "人" * 101}, "q"),
    ],
)
def test_bad_parameters_get_400_naming_the_parameter(api_as, applicant, params, field):
    response = api_as(applicant).get(URL, params)
    assert response.status_code == 400
    assert field in response.json()


def test_an_information_system_searches_with_its_units_key(api, applicant, catalog):
    issued = api_key_issue(actor=applicant, unit=applicant.unit, name="社保业务系统")
    response = api.get(URL, {"q": "人口"}, HTTP_AUTHORIZATION=f"Api-Key {issued.key}")
    assert names(response) == ["人口基本信息"]


def test_the_api_needs_credentials(api):
    assert api.get(URL, {"q": "人口"}).status_code == 401


def test_the_query_is_cut_into_words_once_each_without_particles():
    assert [term.word for term in query_terms("人口的信息，人口")] == ["人口", "信息"]
    assert query_terms(" ，。 ") == []


def test_a_word_stands_for_its_smaller_words_only_when_they_spell_all_of_it():
    (birth,) = query_terms("出生证明")
    assert birth.parts == ("出生", "证明")
    (id_card,) = query_terms("身份证")
    assert id_card.parts == ()  # 身份 alone would find every 公民身份号码


def test_jieba_is_loaded_when_the_catalog_loads_not_at_the_first_query():
    assert jieba.dt.initialized


def test_the_search_page_shows_results_as_cards_linking_to_the_entry(client, applicant, catalog):
    client.force_login(applicant)
    response = client.get("/catalog/search/", {"q": "企业", "share_type": ShareType.CONDITIONAL})
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('data-testid="search-result"') == 1
    assert f'href="/catalog/{catalog["annual_report"].pk}/"' in page
    assert "企业年报信息" in page and "企业登记信息" not in page
    assert 'name="q"' in page and 'name="category"' in page and 'name="unit"' in page


def test_the_search_page_says_when_nothing_matches(client, applicant, catalog):
    client.force_login(applicant)
    page = client.get("/catalog/search/", {"q": "不存在的词语"}).content.decode()
    assert 'data-testid="no-results"' in page and 'data-testid="search-result"' not in page


def test_the_search_page_pages_and_keeps_the_query(client, applicant, producer):
    bulk_published(producer, 23)
    client.force_login(applicant)
    page = client.get("/catalog/search/", {"q": "人口", "category": Category.POPULATION}).content.decode()
    assert page.count('data-testid="search-result"') == 20
    assert "?q=%E4%BA%BA%E5%8F%A3&amp;category=population&amp;page=2" in page
    second = client.get("/catalog/search/", {"q": "人口", "category": Category.POPULATION, "page": 2})
    assert second.content.decode().count('data-testid="search-result"') == 3


def test_the_search_page_shows_a_bad_filter_instead_of_results(client, applicant, catalog):
    client.force_login(applicant)
    page = client.get("/catalog/search/", {"category": "sports"}).content.decode()
    assert 'data-testid="search-error"' in page and 'data-testid="search-result"' not in page


def test_the_search_page_needs_a_login(client):
    response = client.get("/catalog/search/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
