"""The shell speaks the reader's language: notification titles are stored as English messages with their
parameters and shown in each reader's language (not hard-coded Chinese); the language switch names each
language in its own tongue; dates read 2026-12-03 in both languages."""

import datetime as dt

import pytest
from django.template import Context, Template
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from dataplatform.core.models import Notification
from dataplatform.core.notifications import notify
from sharing.models import GrantStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def suspended(applicant):
    """A title with a status label among its parameters: translated too."""
    return notify(
        recipients=[applicant],
        title=gettext_noop("Grant %(status)s: %(resource)s"),
        params={"status": GrantStatus.SUSPENDED.label, "resource": "企业登记信息"},
        url="/sharing/grants/",
    )[0]


def test_a_notification_keeps_its_message_and_parameters_and_mails_in_chinese(suspended):
    assert suspended.message == "Grant %(status)s: %(resource)s"
    assert suspended.params == {"status": {"msgid": "Suspended"}, "resource": "企业登记信息"}
    assert suspended.title == "授权已暂停：企业登记信息"  # the e-mail's subject, in the platform's language


def test_the_notifications_page_shows_the_title_in_the_readers_language(client, suspended, applicant):
    client.force_login(applicant)

    chinese = client.get("/notifications/").content.decode()
    english = client.get("/notifications/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "授权已暂停：企业登记信息" in chinese
    assert "Grant Suspended: 企业登记信息" in english and "授权已暂停" not in english


def test_the_notifications_api_gives_the_title_in_the_requests_language(api_as, suspended, applicant):
    chinese = api_as(applicant).get("/api/v1/notifications/").json()["results"][0]["title"]
    english = api_as(applicant).get("/api/v1/notifications/", HTTP_ACCEPT_LANGUAGE="en").json()

    assert chinese == "授权已暂停：企业登记信息"
    assert english["results"][0]["title"] == "Grant Suspended: 企业登记信息"


def test_a_notification_written_before_messages_keeps_its_title(applicant):
    old = Notification.objects.create(recipient=applicant, title="欢迎使用")
    with translation.override("en"):
        assert old.display_title == "欢迎使用"


def test_the_language_switch_names_each_language_in_its_own_tongue(client, applicant):
    client.force_login(applicant)

    for language in ("zh-hans", "en"):
        page = client.get("/notifications/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert ">English</option>" in page and ">简体中文</option>" in page
        assert "英语" not in page and ">Simplified Chinese<" not in page


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_dates_and_times_read_the_same_in_both_languages(language):
    moment = timezone.make_aware(dt.datetime(2026, 12, 3, 15, 57))
    with translation.override(language):
        shown = Template("{{ day }} · {{ moment }}").render(Context({"day": moment.date(), "moment": moment}))
    assert shown == "2026-12-03 · 2026-12-03 15:57"


def test_the_admin_speaks_chinese_where_its_packages_do_not(client, platform_admin):
    client.force_login(platform_admin)

    page = client.get("/admin/").content.decode()

    assert ">登录尝试</a>" in page and "Access attempts" not in page  # django-axes ships no Chinese
    assert (
        '<th scope="col">模型名称</th>' in page and "Model name" not in page
    )  # nor Django 5.2's new headers


def test_the_api_documentation_is_titled_in_the_language_of_the_request(client, applicant):
    client.force_login(applicant)

    chinese = client.get("/api/v1/docs/").content.decode()
    english = client.get("/api/v1/docs/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "<title>政务数据共享平台 API</title>" in chinese and "Government data" not in chinese
    assert "<title>Government data sharing platform API</title>" in english
