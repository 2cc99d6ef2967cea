import pytest

pytestmark = pytest.mark.django_db

URL = "/api/v1/calendar/add-business-days/"


def test_add_business_days_answers_the_due_date(api):
    response = api.get(URL, {"start": "2026-09-24", "days": 5})
    assert response.status_code == 200
    assert response.json() == {"start": "2026-09-24", "days": 5, "due": "2026-10-09", "official": True}


def test_add_business_days_into_an_unknown_year_is_unofficial(api):
    body = api.get(URL, {"start": "2026-12-28", "days": 5}).json()
    assert body["due"] == "2027-01-04"
    assert body["official"] is False


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"start": "2026-09-24"},
        {"days": 5},
        {"start": "yesterday", "days": 5},
        {"start": "2026-09-24", "days": -1},
    ],
)
def test_bad_input_gets_a_400_with_a_message(api, params):
    response = api.get(URL, params)
    assert response.status_code == 400
    assert response.json()


def test_an_absurd_number_of_days_gets_a_400(api):
    response = api.get(URL, {"start": "2026-09-24", "days": 10**9})
    assert response.status_code == 400
    assert "days" in response.json()


def test_a_year_lists_its_days_off_and_adjusted_workdays(api):
    body = api.get("/api/v1/calendar/2026/").json()
    assert body["official"] is True
    assert {"date": "2026-09-25", "name": "中秋节"} in body["days_off"]
    assert {"date": "2026-10-10", "name": "国庆节调休"} in body["adjusted_workdays"]


def test_a_year_without_data_is_listed_as_unofficial_and_empty(api):
    body = api.get("/api/v1/calendar/2031/").json()
    assert body == {"year": 2031, "official": False, "notice": "", "days_off": [], "adjusted_workdays": []}
