"""Usage logs to producers (Q8.4, F24): in the app, as CSV, and by a signed webhook, once per day."""

import csv
import hashlib
import hmac
import io
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.conf import settings
from django.utils import timezone

from audit.models import PushStatus, UsagePush, UsageWebhook
from audit.tasks import push_usage_logs
from audit.usage import CST, MAX_ATTEMPTS, SIGNATURE_HEADER, usage_push_daily
from catalog.aggregation.services import records_upsert
from dataplatform.core.apikeys import api_key_issue
from dataplatform.core.models import Notification
from sharing.models import Grant
from sharing.workflow import application_act
from tests.factories.sharing import apply, publish

pytestmark = pytest.mark.django_db

RECORDS = [{"credit_code": f"91350500MA00000{n:02d}X", "company_name": f"企业{n}"} for n in range(3)]


@pytest.fixture
def unconditional(producer, reviewer):
    return publish(producer, reviewer, code="U-1")


@pytest.fixture
def granted(applicant, unconditional, producer):
    records_upsert(actor=producer, resource=unconditional, records=RECORDS)
    application = application_act(
        application=apply(applicant, unconditional), action="submit", actor=applicant
    )
    return Grant.objects.get(application=application)


@pytest.fixture
def used(api, applicant, granted, unconditional):
    """Two data calls today by the applicant's information system: one record, then the list of three."""
    key = api_key_issue(actor=applicant, unit=applicant.unit, name="一网通办系统").key
    base = f"/api/v1/data/resources/{unconditional.pk}/records/"
    for url in (f"{base}{RECORDS[0]['credit_code']}/", base):
        assert api.get(url, HTTP_AUTHORIZATION=f"Api-Key {key}").status_code == 200
    return granted


@pytest.fixture
def today():
    return timezone.now().astimezone(CST).date()


class Receiver:
    """A webhook receiver on 127.0.0.1 at a random port, answering with ``statuses`` in turn (then 200)."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses, self.received = list(statuses), []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/usage"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(producer_unit):
    made = []

    def start(*statuses: int) -> Receiver:
        made.append(Receiver(list(statuses)))
        UsageWebhook.objects.create(unit=producer_unit, url=made[-1].url, secret="s3cret")
        return made[-1]

    yield start
    for r in made:
        r.close()


def test_the_producers_people_get_a_notification_linking_to_the_days_log(used, today, producer):
    usage_push_daily(day=today)
    notification = Notification.objects.get(recipient=producer, url__startswith="/audit/usage/")
    assert notification.url == f"/audit/usage/{today.isoformat()}/"
    assert "2" in notification.title  # two calls
    push = UsagePush.objects.get(unit=producer.unit, day=today)
    assert push.event_count == 2 and push.status == PushStatus.NO_WEBHOOK


def test_the_applicant_whose_data_was_not_used_gets_nothing(used, today, applicant):
    usage_push_daily(day=today)
    assert not Notification.objects.filter(recipient=applicant, url__startswith="/audit/usage/").exists()
    assert not UsagePush.objects.filter(unit=applicant.unit).exists()


def test_the_days_csv_says_who_used_which_items_how_many_records_under_which_grant(
    client, used, today, producer, applicant
):
    client.force_login(producer)
    response = client.get(f"/audit/usage/{today.isoformat()}.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert [(r["操作"], r["记录数"]) for r in rows] == [("查询数据", "1"), ("查询数据", "3")]
    first = rows[0]
    assert first["单位"] == applicant.unit.name and first["API 密钥"] and not first["人员"]
    assert first["数据资源"] == str(used.resource) and first["授权"] == str(used.pk)
    assert (
        first["数据项"] == "统一社会信用代码;企业名称" and first["数据项标识"] == "credit_code;company_name"
    )
    assert first["结果"] == "完成" and first["操作代码"] == "data.query"


def test_the_days_page_shows_the_use_of_ones_own_units_data_only(client, used, today, producer, applicant):
    client.force_login(producer)
    assert len(client.get(f"/audit/usage/{today.isoformat()}/").context["rows"]) == 2
    client.force_login(applicant)
    assert client.get(f"/audit/usage/{today.isoformat()}/").context["rows"] == []


def test_a_citizen_has_no_usage_log(client, today, django_user_model):
    client.force_login(django_user_model.objects.create_user(username="citizen", password="pw"))
    assert client.get(f"/audit/usage/{today.isoformat()}.csv").status_code == 404


def test_the_webhook_receives_the_days_log_signed_with_the_units_secret(used, today, receiver, producer_unit):
    server = receiver()
    assert usage_push_daily(day=today) == 1
    [(headers, body)] = server.received
    expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers[SIGNATURE_HEADER], expected)
    payload = json.loads(body)
    assert payload["unit"] == producer_unit.name and payload["date"] == today.isoformat()
    assert payload["count"] == 2 and payload["events"][0]["grant"] == used.pk
    # The consumer's key by its name: its prefix would tell the producer which key to lock out (issue 18).
    assert {event["api_key"] for event in payload["events"]} == {"一网通办系统"}
    push = UsagePush.objects.get(unit=producer_unit, day=today)
    assert push.status == PushStatus.DELIVERED and push.attempts == 1 and push.delivered_at


def test_running_the_daily_task_twice_sends_and_notifies_nothing_twice(used, today, receiver, producer):
    server = receiver()
    usage_push_daily(day=today)
    assert usage_push_daily(day=today) == 0
    assert len(server.received) == 1
    assert Notification.objects.filter(recipient=producer, url__startswith="/audit/usage/").count() == 1
    assert UsagePush.objects.count() == 1


def test_a_failed_delivery_is_recorded_and_retried_by_the_next_run(used, today, receiver, producer_unit):
    server = receiver(500)
    assert usage_push_daily(day=today) == 0
    push = UsagePush.objects.get(unit=producer_unit, day=today)
    assert push.status == PushStatus.PENDING and push.attempts == 1 and "500" in push.last_error
    assert push_usage_logs.delay().get() == 1  # the timer's next run (yesterday: nothing new)
    push.refresh_from_db()
    assert push.status == PushStatus.DELIVERED and push.attempts == 2 and push.last_error == ""
    assert len(server.received) == 2


def test_a_push_that_keeps_failing_is_given_up_after_its_last_attempt(used, today, receiver, producer_unit):
    receiver(*[500] * MAX_ATTEMPTS)
    for _ in range(MAX_ATTEMPTS + 2):
        usage_push_daily(day=today)
    push = UsagePush.objects.get(unit=producer_unit, day=today)
    assert push.status == PushStatus.FAILED and push.attempts == MAX_ATTEMPTS


def test_the_push_runs_on_a_timer():
    assert settings.CELERY_BEAT_SCHEDULE["push-usage-logs"]["task"] == "audit.tasks.push_usage_logs"
