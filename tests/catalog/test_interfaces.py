import datetime as dt

import pytest
import time_machine
from django.utils import translation

from catalog.interfaces.services import (
    interface_register,
    interface_request_ask_extension,
    interface_request_create,
    interface_request_decide_extension,
    interface_request_fulfil,
    interface_review,
)
from catalog.models import InterfaceStatus
from dataplatform.core.errors import ApplicationError

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_english():
    """The services' messages are asserted in English here; tests/*/test_labels.py has them in Chinese."""
    with translation.override("en"):
        yield


THURSDAY = dt.datetime(2026, 9, 24, 2, 0, tzinfo=dt.UTC)
INTERFACE = {
    "name": "不动产登记查询接口",
    "specification": "GET /query?parcel=...",
    "call_instructions": "以单位证书调用",
    "upstream_url": "https://internal.example.gov.cn/query",
}


@pytest.fixture
def ask(reviewer, producer):
    with time_machine.travel(THURSDAY, tick=False):
        return interface_request_create(
            actor=reviewer, producer=producer.unit, description="需要企业信用核查接口"
        )


def test_a_registered_interface_is_reviewed_and_published_by_the_technical_service_unit(
    published, producer, evaluator, reviewer
):
    interface = interface_register(actor=producer, resource=published, **INTERFACE)
    assert interface.status == InterfaceStatus.REGISTERED
    with pytest.raises(ApplicationError):
        interface_review(actor=reviewer, interface=interface, publish=True)
    interface = interface_review(actor=evaluator, interface=interface, publish=True)
    assert interface.status == InterfaceStatus.PUBLISHED and interface.reviewed_by == evaluator
    with pytest.raises(ApplicationError, match="already"):
        interface_review(actor=evaluator, interface=interface, publish=False, note="x")


def test_a_rejected_interface_needs_a_reason(published, producer, evaluator):
    interface = interface_register(actor=producer, resource=published, **INTERFACE)
    with pytest.raises(ApplicationError):
        interface_review(actor=evaluator, interface=interface, publish=False)


def test_another_unit_cannot_register_an_interface_for_the_resource(published, applicant):
    with pytest.raises(ApplicationError):
        interface_register(actor=applicant, resource=published, **INTERFACE)


def test_a_requested_interface_is_due_in_ten_business_days(ask):
    # Q2.3: 10 business days after Thursday 24 September 2026 (Mid-Autumn, National Day, worked 10 Oct).
    assert ask.due == dt.date(2026, 10, 15)


def test_the_producer_may_ask_once_for_at_most_five_more_days(ask, producer, reviewer):
    with pytest.raises(ApplicationError):
        interface_request_ask_extension(actor=producer, ask=ask, days=6, reason="系统改造")
    with pytest.raises(ApplicationError, match="writing"):
        interface_request_ask_extension(actor=producer, ask=ask, days=5, reason=" ")
    ask = interface_request_ask_extension(actor=producer, ask=ask, days=5, reason="系统改造")
    ask = interface_request_decide_extension(actor=reviewer, ask=ask, grant=True)
    assert ask.due == dt.date(2026, 10, 22)
    with pytest.raises(ApplicationError, match="only once"):
        interface_request_ask_extension(actor=producer, ask=ask, days=1, reason="再延")


def test_a_refused_extension_keeps_the_due_date(ask, producer, reviewer):
    interface_request_ask_extension(actor=producer, ask=ask, days=3, reason="系统改造")
    ask = interface_request_decide_extension(actor=reviewer, ask=ask, grant=False)
    assert ask.due == dt.date(2026, 10, 15) and ask.extension_granted is False


def test_only_the_reviewing_authority_asks_and_decides(producer, county_reviewer, ask):
    with pytest.raises(ApplicationError):
        interface_request_create(actor=county_reviewer, producer=producer.unit, description="x")
    interface_request_ask_extension(actor=producer, ask=ask, days=2, reason="x")
    with pytest.raises(ApplicationError):
        interface_request_decide_extension(actor=county_reviewer, ask=ask, grant=True)


def test_the_request_is_fulfilled_by_an_interface_of_the_producer(ask, producer, published):
    interface = interface_register(actor=producer, resource=published, **INTERFACE)
    ask = interface_request_fulfil(actor=producer, ask=ask, interface=interface)
    assert ask.status == "fulfilled" and ask.interface == interface


def test_the_request_api_shows_the_producer_and_hides_it_from_others(
    api_as, ask, producer, applicant, published
):
    assert [
        r["id"] for r in api_as(producer).get("/api/v1/catalog/interface-requests/").json()["results"]
    ] == [ask.pk]
    assert api_as(applicant).get("/api/v1/catalog/interface-requests/").json()["results"] == []
    response = api_as(applicant).post(
        f"/api/v1/catalog/interface-requests/{ask.pk}/extension/", {"days": 2, "reason": "x"}
    )
    assert response.status_code == 404
    response = api_as(producer).post(
        f"/api/v1/catalog/interface-requests/{ask.pk}/extension/", {"days": 9, "reason": "x"}
    )
    assert response.status_code == 400
