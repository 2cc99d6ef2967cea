import pytest
from django.core import mail

from dataplatform.core.models import Notification
from dataplatform.core.notifications import notification_send_email, notify
from dataplatform.core.tasks import send_pending_notification_emails

pytestmark = pytest.mark.django_db


def test_notify_creates_a_row_and_sends_the_email_after_commit(producer, django_capture_on_commit_callbacks):
    producer.email = "p@example.org"
    producer.save()
    with django_capture_on_commit_callbacks(execute=True):
        [notification] = notify(recipients=[producer], title="目录已发布", body="请查看", url="/catalog/1/")
    assert [m.subject for m in mail.outbox] == ["目录已发布"]
    notification.refresh_from_db()
    assert notification.emailed_at is not None


def test_an_email_is_sent_only_once(producer):
    producer.email = "p@example.org"
    producer.save()
    [notification] = notify(recipients=[producer], title="x")
    assert notification_send_email(notification.pk) is True
    assert notification_send_email(notification.pk) is False
    assert send_pending_notification_emails() == 0
    assert len(mail.outbox) == 1


def test_the_timer_sends_emails_whose_task_was_lost(producer, applicant):
    notify(recipients=[producer, applicant], title="x")  # on_commit never ran: the task is lost
    assert send_pending_notification_emails() == 2
    assert not Notification.objects.filter(emailed_at=None).exists()


def test_the_api_lists_my_notifications_with_the_unread_count(api_as, producer, applicant):
    notify(recipients=[producer], title="给我的")
    notify(recipients=[applicant], title="给别人的")
    body = api_as(producer).get("/api/v1/notifications/").json()
    assert [n["title"] for n in body["results"]] == ["给我的"]
    assert body["unread"] == 1


def test_marking_read_over_the_api(api_as, producer):
    (first,) = notify(recipients=[producer], title="1")
    notify(recipients=[producer], title="2")
    client = api_as(producer)
    assert client.post("/api/v1/notifications/mark-read/", {"ids": [first.pk]}, format="json").json() == {
        "marked": 1,
        "unread": 1,
    }
    assert client.post("/api/v1/notifications/mark-read/", {}, format="json").json()["unread"] == 0


def test_no_one_marks_another_persons_notifications(api_as, producer, applicant):
    (theirs,) = notify(recipients=[applicant], title="x")
    api_as(producer).post("/api/v1/notifications/mark-read/", {"ids": [theirs.pk]}, format="json")
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_page_lists_notifications_and_the_badge_counts_unread(client, producer):
    notify(recipients=[producer], title="待审核的目录")
    client.force_login(producer)
    page = client.get("/notifications/").content.decode()
    assert "待审核的目录" in page
    assert 'data-testid="unread-count">1<' in page
    client.post("/notifications/")
    assert 'data-testid="unread-count"' not in client.get("/notifications/").content.decode()


def test_a_title_with_a_newline_is_cleaned_and_does_not_stop_the_next_email(producer, applicant):
    producer.email = "p@example.org"
    producer.save()
    applicant.email = "a@example.org"
    applicant.save()
    # A row written before titles were cleaned at creation: its line break would refuse the e-mail.
    poison = Notification.objects.create(recipient=producer, title="目录\r\n已发布\x07")
    notify(recipients=[applicant], title="第一行\n第二行")
    assert Notification.objects.get(recipient=applicant).title == "第一行 第二行"
    assert send_pending_notification_emails() == 2
    assert sorted(m.subject for m in mail.outbox) == sorted(["目录  已发布", "第一行 第二行"])
    poison.refresh_from_db()
    assert poison.emailed_at is not None


def test_a_row_whose_send_fails_is_counted_and_the_others_are_sent(producer, applicant, monkeypatch, caplog):
    from dataplatform.core import notifications

    producer.email = "p@example.org"
    producer.save()
    applicant.email = "a@example.org"
    applicant.save()
    [failing] = notify(recipients=[producer], title="坏")
    notify(recipients=[applicant], title="好")
    real_send = notifications.send_mail

    def send_mail(**kwargs):
        if kwargs["recipient_list"] == ["p@example.org"]:
            raise OSError("the mail server refused")
        return real_send(**kwargs)

    monkeypatch.setattr(notifications, "send_mail", send_mail)
    assert notifications.notification_send_pending_emails() == (1, 1)
    assert [m.subject for m in mail.outbox] == ["好"]
    assert "failed" in caplog.text
    failing.refresh_from_db()
    assert failing.emailed_at is None and failing.email_attempts == 1 and failing.email_claimed_at is None
    # Tried again on the next ticks, a bounded number of times, then given up.
    for _ in range(notifications.EMAIL_MAX_ATTEMPTS + 2):
        send_pending_notification_emails()
    failing.refresh_from_db()
    assert failing.email_attempts == notifications.EMAIL_MAX_ATTEMPTS
    assert notifications.pending_email_ids() == []


def test_a_failed_send_after_commit_does_not_fail_the_operation(
    producer, monkeypatch, django_capture_on_commit_callbacks
):
    from dataplatform.core import notifications

    producer.email = "p@example.org"
    producer.save()

    def send_mail(**kwargs):
        raise OSError("the mail server is down")

    monkeypatch.setattr(notifications, "send_mail", send_mail)
    with django_capture_on_commit_callbacks(execute=True):
        [notification] = notify(recipients=[producer], title="x")
    notification.refresh_from_db()
    assert notification.emailed_at is None and notification.pk in notifications.pending_email_ids()
