"""The platform's identity on the web: its name on the login page, its icon, and the public address
(SITE_URL) that e-mails link to."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.test import override_settings

from dataplatform.core.notifications import notification_send_email, notify
from dataplatform.core.site import absolute_url

REPO = Path(__file__).resolve().parent.parent.parent
SITE = "https://data.quanzhou.gov.cn"


@pytest.mark.django_db
@override_settings(SITE_URL=SITE)
def test_a_notification_email_links_to_the_page_at_the_site_address(producer):
    producer.email = "p@example.org"
    producer.save()
    [notification] = notify(recipients=[producer], title="目录已发布", body="请查看", url="/catalog/1/")
    assert notification.url == "/catalog/1/"  # the app links within itself
    assert notification_send_email(notification.pk)
    assert mail.outbox[0].body == f"请查看\n\n{SITE}/catalog/1/"


@pytest.mark.django_db
def test_a_notification_without_a_page_sends_no_address(producer):
    producer.email = "p@example.org"
    producer.save()
    [notification] = notify(recipients=[producer], title="x", body="请查看")
    notification_send_email(notification.pk)
    assert mail.outbox[0].body == "请查看"


@override_settings(SITE_URL=SITE)
def test_absolute_url_puts_a_path_at_the_site_address_and_leaves_a_whole_address_alone():
    assert absolute_url("/open/") == f"{SITE}/open/"
    assert absolute_url("open/") == f"{SITE}/open/"
    assert absolute_url("https://example.org/x") == "https://example.org/x"
    assert absolute_url("") == ""


@pytest.mark.parametrize("value", ["data.quanzhou.gov.cn", "ftp://data.quanzhou.gov.cn", f"{SITE}/portal"])
def test_the_settings_refuse_a_site_url_that_is_not_an_origin(value):
    env = {**os.environ, "SITE_URL": value, "DJANGO_SETTINGS_MODULE": "dataplatform.settings"}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SITE_URL must be an origin" in result.stderr


@pytest.mark.django_db
def test_the_favicon_answers_at_the_address_browsers_ask_first(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert "max-age" in response["Cache-Control"]
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file's header


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/accounts/login/", "/open/"])
def test_both_site_templates_name_their_icon(client, path):
    content = client.get(path).content.decode()
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in content
    assert '<link rel="icon" href="/static/favicon.ico" sizes="48x48">' in content


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "name"),
    [("zh-hans", "泉州市政务数据汇聚共享平台"), ("en", "Quanzhou Government Data Sharing Platform")],
)
def test_the_login_page_shows_the_platform_name(client, language, name):
    content = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert f'<h1 class="h4 mt-1 mb-1" data-testid="login-platform-name">{name}</h1>' in content
    assert 'href="/open/"' in content  # the public's way to open data, which needs no login
