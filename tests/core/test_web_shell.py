import datetime as dt

import pytest
from django.core.management import call_command
from django.test import override_settings

from audit.models import AuditEvent, Outcome
from dataplatform.core.demo.core import DEMO_PASSWORD
from dataplatform.core.models import Notification, User
from dataplatform.core.pending import PendingItem

pytestmark = pytest.mark.django_db


def test_the_home_page_needs_a_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_logging_in_is_audited_and_lands_on_home(client, producer):
    response = client.post(
        "/accounts/login/", {"username": "producer", "password": "pw"}, REMOTE_ADDR="10.1.2.3"
    )
    assert response.status_code == 302 and response["Location"] == "/"
    event = AuditEvent.objects.get(action="login", outcome=Outcome.OK)
    assert event.actor == producer and event.actor_unit == producer.unit and event.client_ip == "10.1.2.3"


def test_a_failed_login_is_audited_as_refused(client, producer):
    response = client.post("/accounts/login/", {"username": "producer", "password": "wrong"})
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="login")
    assert event.outcome == Outcome.DENIED and event.detail == {"username": "producer"}


def test_the_page_speaks_chinese_by_default_and_english_on_request(client, producer):
    client.force_login(producer)
    page = client.get("/").content.decode()
    assert '<html lang="zh-hans">' in page
    assert "我的待办" in page
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/").content.decode()
    assert '<html lang="en">' in page
    assert "My pending work" in page


def fake_pending(user):
    return [
        PendingItem(title=f"审核 {user.username} 的目录", url="/x/", due=dt.date(2026, 12, 1)),
        PendingItem(title="更早的", url="/y/", due=dt.date(2026, 11, 30)),
    ]


@override_settings(PENDING_WORK_PROVIDERS=["tests.core.test_web_shell.fake_pending"])
def test_the_home_page_lists_pending_work_earliest_due_first(client, reviewer):
    client.force_login(reviewer)
    page = client.get("/").content.decode()
    assert page.index("更早的") < page.index("审核 reviewer 的目录")
    assert "2026-11-30" in page


def test_with_nothing_pending_the_home_page_says_so(client, reviewer):
    client.force_login(reviewer)
    assert 'data-testid="no-pending-work"' in client.get("/").content.decode()


def test_navigation_follows_the_roles(client, producer, reviewer, platform_admin):
    client.force_login(producer)
    assert "/api-keys/" in client.get("/").content.decode()
    client.force_login(reviewer)
    page = client.get("/").content.decode()
    assert "/api-keys/" not in page and "/admin/" not in page
    client.force_login(platform_admin)
    assert "/admin/" in client.get("/").content.decode()


def test_a_person_changes_their_password(client, producer):
    client.force_login(producer)
    response = client.post(
        "/accounts/password/",
        {"old_password": "pw", "new_password1": "泉州-Data-2026!", "new_password2": "泉州-Data-2026!"},
    )
    assert response.status_code == 302
    producer.refresh_from_db()
    assert producer.check_password("泉州-Data-2026!")


def test_logging_out_takes_a_post(client, producer):
    client.force_login(producer)
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_the_swagger_ui_is_served_without_a_cdn(client):
    page = client.get("/api/v1/docs/").content.decode()
    assert "swagger-ui" in page
    assert "cdn" not in page.lower()
    assert client.get("/api/v1/schema/").status_code == 200


def test_the_openapi_schema_generates_without_warnings(capsys):
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", "/dev/null")


def test_seed_demo_is_idempotent_and_its_logins_work(client):
    call_command("seed_demo")
    people = User.objects.count()
    call_command("seed_demo")
    assert User.objects.count() == people == 14
    assert Notification.objects.filter(title__startswith="欢迎").count() == 14  # welcomed once
    assert client.login(username="jj_reviewer", password=DEMO_PASSWORD)
    jj = User.objects.get(username="jj_reviewer")
    assert jj.unit.region.name == "晋江市"


def test_the_timer_loop_runs_every_timer_once(capsys):
    call_command("run_timers", "--once")
    out = capsys.readouterr()
    assert "send-pending-notification-emails" in out.out
    assert "failed" not in out.err


def test_links_of_one_area_share_a_menu_and_a_lone_link_stays_a_link():
    from dataplatform.core.context_processors import group_by_area

    groups = group_by_area(
        [("Home", "/"), ("Search", "/catalog/search/"), ("Mine", "/catalog/"), ("Queue", "/sharing/queue/")]
    )
    assert groups[0] == {"label": "Home", "url": "/"}
    assert [link for link in groups[1]["links"]] == [("Search", "/catalog/search/"), ("Mine", "/catalog/")]
    assert groups[2] == {"label": "Queue", "url": "/sharing/queue/"}
