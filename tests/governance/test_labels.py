"""A dispute's timeline reads its steps by their titles, in the reader's language, never by their codes
("convene_consultation"); the notification of a step reads in the reader's language too."""

import pytest

from dataplatform.core.models import Notification
from governance.disputes import dispute_record
from governance.workflow import act

pytestmark = pytest.mark.django_db


@pytest.fixture
def consulting(producer, other_unit_admin, reviewer):
    dispute = dispute_record(
        actor=producer,
        other_party=other_unit_admin.unit,
        title="采集职责争议",
        matter="collection",
        description="d",
    )
    dispute = act(obj=dispute, action="ask_coordination", actor=other_unit_admin, opinion="协商未果")
    return act(obj=dispute, action="convene_consultation", actor=reviewer, opinion="协调未果")


def timeline(page) -> str:
    text = page.content.decode()
    return text[text.index('data-testid="timeline"') :]


def test_the_chinese_timeline_names_each_step_in_chinese(client, consulting, producer):
    client.force_login(producer)

    steps = timeline(client.get(f"/governance/disputes/{consulting.pk}/"))

    assert "<strong>协调不成：召开联席会商</strong>" in steps
    assert "<strong>登记</strong>" in steps  # the dispute's first step, taken outside the table
    assert ">convene_consultation<" not in steps and ">record<" not in steps


def test_the_english_timeline_names_each_step_in_english(client, consulting, producer):
    client.force_login(producer)

    steps = timeline(client.get(f"/governance/disputes/{consulting.pk}/", HTTP_ACCEPT_LANGUAGE="en"))

    assert "<strong>Coordination failed: convene a joint consultation</strong>" in steps
    assert "<strong>Recorded</strong>" in steps


def test_the_notification_of_a_step_reads_in_each_readers_language(client, consulting, producer):
    notification = Notification.objects.filter(recipient=producer, message__contains="%(action)s").latest(
        "id"
    )
    client.force_login(producer)

    chinese = client.get("/notifications/").content.decode()
    english = client.get("/notifications/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    subject = f"联合会商（协调不成：召开联席会商）：争议 #{consulting.pk}"
    assert subject in chinese
    assert (
        f"Joint consultation (Coordination failed: convene a joint consultation): dispute #{consulting.pk}"
        in english
    )
    assert notification.title == subject  # the e-mail's subject, in the platform's language
