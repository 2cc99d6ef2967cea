"""The API answers its 404 and 500 in JSON, as its clients parse them (issue 18, item 6); pages keep HTML."""

import pytest
from django.test import Client
from django.urls import path

from dataplatform.urls import handler404, handler500


def boom(request):
    raise RuntimeError("a bug, with a secret: s3cret")


urlpatterns = [path("api/v1/boom/", boom), path("api/3/action/boom", boom), path("page/boom/", boom)]
__all__ = ["handler404", "handler500", "urlpatterns"]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


@pytest.fixture
def anyone():
    return Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="en")


def test_a_failure_under_the_api_answers_the_json_envelope_and_tells_nothing(anyone):
    response = anyone.get("/api/v1/boom/")
    assert response.status_code == 500 and response["Content-Type"] == "application/json"
    assert response.json()["code"] == "server_error"
    assert b"s3cret" not in response.content and b"RuntimeError" not in response.content


def test_a_failure_under_the_ckan_api_answers_ckan_s_envelope(anyone):
    response = anyone.get("/api/3/action/boom")
    assert response.status_code == 500
    assert response.json()["success"] is False
    assert response.json()["error"]["__type"] == "Internal Server Error"


def test_an_unknown_address_under_the_api_is_json_and_a_page_s_is_html(anyone):
    assert anyone.get("/api/v1/nowhere/").json()["code"] == "not_found"
    assert anyone.get("/api/3/action/nowhere/nothing").json()["error"]["__type"] == "Not Found Error"
    assert anyone.get("/nowhere/")["Content-Type"].startswith("text/html")


def test_a_page_s_failure_stays_the_html_error_page(anyone):
    response = anyone.get("/page/boom/")
    assert response.status_code == 500 and response["Content-Type"].startswith("text/html")
