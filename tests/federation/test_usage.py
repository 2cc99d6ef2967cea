"""Usage logs across nodes (Q8.4, docs/federation.md §14): the lower node counts each whole day's reads of a
mirror and reports them to the mirror's origin once; the upper node records each day once, on the chain of
the producer whose data it is.

Days are China Standard Time days, as in the usage log: a call at 00:30 in Quanzhou is that day's, though
it is the day before in UTC.
"""

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from audit.models import AuditEvent, Outcome
from audit.services import audit_record
from federation.envelope import Envelope
from federation.inbox import message_receive
from federation.models import (
    BackflowRequest,
    BackflowStatus,
    BackflowStep,
    Export,
    OutboxMessage,
    Peer,
    RemoteEntry,
)
from federation.usage import usage_reports_send
from tests.factories.sharing import publish

pytestmark = pytest.mark.django_db

CST = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=CST)


# --- the lower node ---------------------------------------------------------------------------------------


@pytest.fixture
def province(node_key, make_peer) -> Peer:
    return make_peer(level="province", region="350000", name="福建省平台")


@pytest.fixture
def mirror(producer, reviewer):
    """The local entry the province's records flow into (its producer stands for the province here)."""
    return publish(producer, reviewer, code="MIRROR-1", name="人口基础信息（回流）")


def backflow(
    province: Peer, applicant, mirror, *, status=BackflowStatus.GRANTED, code="P-1"
) -> BackflowRequest:
    entry = RemoteEntry.objects.create(origin=province, code=code, version=1, name="人口基础信息")
    request = BackflowRequest.objects.create(
        remote_entry=entry,
        applicant_unit=applicant.unit,
        created_by=applicant,
        items=["credit_code", "company_name"],
        business_matter="企业开办一件事",
        scenario="核验",
        end_date=dt.date(2027, 12, 31),
        status=status,
        mirror=mirror,
    )
    BackflowStep.objects.create(
        request=request,
        action="grant",
        from_status="upstream",
        to_status="granted",
        upstream=True,
        at=at(2, 9),
    )
    return request


@pytest.fixture
def granted(province, applicant, mirror) -> BackflowRequest:
    return backflow(province, applicant, mirror)


def read(when: dt.datetime, actor, resource, records: int, **fields) -> None:
    with time_machine.travel(when, tick=False):
        audit_record(
            action=fields.pop("action", "data.query"),
            actor=actor,
            target=fields.pop("target", resource),
            owner_unit=resource.producer,
            record_count=records,
            detail=fields.pop("detail", {"grant": 1}),
            **fields,
        )


def reports(peer: Peer) -> list[dict]:
    rows = OutboxMessage.objects.filter(peer=peer, kind="usage.report").order_by("seq")
    return [{"stream": row.stream, **row.body} for row in rows]


def test_each_whole_day_with_reads_of_the_mirror_is_reported_once(
    province, granted, mirror, applicant, outsider, evaluator, producer, reviewer
):
    other = publish(producer, reviewer, code="QZ-OTHER")
    read(at(3, 10), applicant, mirror, 5)
    read(at(3, 11), outsider, mirror, 2)
    read(at(3, 12), evaluator, mirror, 100, action="push.run", target=None, detail={"resource": mirror.pk})
    read(at(3, 13), applicant, mirror, 9, outcome=Outcome.DENIED)  # refused: no read
    read(at(3, 14), applicant, other, 7)  # another entry of the same producer
    read(at(5, 0, 30), applicant, mirror, 1)  # 16:30 UTC on the 4th: the 5th in China

    assert usage_reports_send(now=at(6, 8)) == 2

    stream = f"usage:{granted.pk}"
    assert reports(province) == [
        {
            "stream": stream,
            "request": granted.pk,
            "day": "2026-11-03",
            "calls": 3,
            "records": 107,
            "units": sorted([applicant.unit.name, outsider.unit.name, evaluator.unit.name]),
        },
        {
            "stream": stream,
            "request": granted.pk,
            "day": "2026-11-05",
            "calls": 1,
            "records": 1,
            "units": [applicant.unit.name],
        },
    ]
    granted.refresh_from_db()
    assert granted.usage_reported_until == dt.date(2026, 11, 5)


def test_a_second_run_sends_no_day_twice_and_the_next_day_follows(province, granted, mirror, applicant):
    read(at(3, 10), applicant, mirror, 5)
    usage_reports_send(now=at(4, 8))
    assert usage_reports_send(now=at(4, 9)) == 0

    read(at(4, 10), applicant, mirror, 4)
    assert usage_reports_send(now=at(5, 8)) == 1
    assert [(r["day"], r["records"]) for r in reports(province)] == [("2026-11-03", 5), ("2026-11-04", 4)]


def test_only_whole_days_are_reported(province, granted, mirror, applicant):
    read(at(3, 10), applicant, mirror, 5)
    assert usage_reports_send(now=at(3, 18)) == 0  # the 3rd is not over yet
    assert usage_reports_send(now=at(4, 0, 5)) == 1


def test_a_request_not_granted_or_without_a_mirror_reports_nothing(province, applicant, mirror):
    backflow(province, applicant, mirror, status=BackflowStatus.UPSTREAM, code="P-2")
    backflow(province, applicant, None, code="P-3")
    read(at(3, 10), applicant, mirror, 5)

    assert usage_reports_send(now=at(6, 8)) == 0
    assert reports(province) == []


# --- the upper node ---------------------------------------------------------------------------------------


@pytest.fixture
def county(node_key, make_peer) -> Peer:
    return make_peer(level="county", region="350582", name="晋江市分中心")


@pytest.fixture
def export(county, producer, reviewer) -> Export:
    entry = publish(producer, reviewer, code="QZ-1")
    return Export.objects.create(
        peer=county, request_id=7, resource=entry, items=["credit_code", "company_name"]
    )


def report(peer: Peer, seq: int, **changes) -> dict:
    body = {
        "request": 7,
        "day": "2026-11-03",
        "calls": 3,
        "records": 107,
        "units": ["晋江市市场监督管理局"],
        **changes,
    }
    envelope = Envelope(
        id=uuid.uuid4(),
        kind="usage.report",
        sender=peer.node_id,
        recipient="fj-350500",
        stream="usage:7",
        seq=seq,
        sent_at=timezone.now(),
        body=body,
    )
    return message_receive(peer=peer, envelope=envelope)


def usage_events() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="federation.usage").order_by("id"))


def test_a_report_is_recorded_on_the_producers_chain(county, export, producer):
    assert report(county, 1)["answer"] == "applied"

    [event] = usage_events()
    assert event.owner_unit_id == producer.unit_id
    assert (event.record_count, event.object_type, event.object_id) == (
        107,
        "federation.export",
        str(export.pk),
    )
    assert event.data_items == ["credit_code", "company_name"]
    county.refresh_from_db()
    assert event.actor_unit == county.unit is not None  # the unit acting for the county here
    detail = event.detail
    assert (detail["peer"], detail["request"], detail["day"]) == (county.node_id, 7, "2026-11-03")
    assert (detail["calls"], detail["units"], detail["resource_name"]) == (
        3,
        ["晋江市市场监督管理局"],
        "企业登记信息",
    )


def test_the_same_day_twice_is_recorded_once(county, export):
    report(county, 1)
    assert report(county, 2, calls=99)["answer"] == "applied"
    report(county, 3, day="2026-11-04")

    assert [(e.detail["day"], e.detail["calls"]) for e in usage_events()] == [
        ("2026-11-03", 3),
        ("2026-11-04", 3),
    ]


def test_a_report_of_no_back_flow_here_is_refused(county, export, make_peer):
    other = make_peer(level="county", region="350521")
    answer = report(other, 1)

    assert answer["error"] == "apply_failed" and "no back-flow 7" in answer["detail"]
    assert usage_events() == []


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"day": "yesterday"}, '"day" must be a date'),
        ({"calls": -1}, '"calls" must be'),
        ({"units": "x"}, '"units"'),
    ],
)
def test_a_malformed_report_is_refused(county, export, changes, said):
    answer = report(county, 1, **changes)
    assert answer["error"] == "apply_failed" and said in answer["detail"]


def test_the_producers_usage_log_shows_the_lower_nodes_day(client, county, export, producer):
    report(county, 1)
    today = timezone.localdate()
    client.force_login(producer)

    rows = client.get(f"/audit/usage/{today.isoformat()}/").context["rows"]
    assert [(row["action"], row["record_count"], row["resource"]) for row in rows] == [
        ("federation.usage", 107, "企业登记信息")
    ]
