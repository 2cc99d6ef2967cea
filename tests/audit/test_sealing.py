"""Sealing (Q8.4, F24): events are chained behind the insert, per producing unit, in id order."""

import threading
from datetime import datetime, timedelta, timezone

import pytest
from django.core.management import call_command
from django.db import connection

from audit.models import GENESIS_HASH, AuditChain, AuditEvent
from audit.selectors import audit_verify
from audit.services import audit_record, audit_seal, event_hash

pytestmark = pytest.mark.django_db


def test_recording_an_event_is_one_insert_and_leaves_it_unsealed(producer_unit, django_assert_num_queries):
    with django_assert_num_queries(1):
        event = audit_record(action="record.view", owner_unit=producer_unit)
    event.refresh_from_db()
    assert (event.chain_seq, event.hash, event.sealed_at) == (None, "", None)


def test_events_are_sealed_in_id_order_each_hash_chaining_its_predecessor(record, producer_unit):
    events = record(3)
    audit_seal()
    sealed = list(AuditEvent.objects.filter(owner_unit=producer_unit).order_by("id"))
    assert [event.chain_seq for event in sealed] == [1, 2, 3]
    assert sealed[0].prev_hash == GENESIS_HASH
    assert [event.prev_hash for event in sealed[1:]] == [event.hash for event in sealed[:-1]]
    for event in sealed:
        assert event.hash == event_hash(prev_hash=event.prev_hash, event=event)
        assert event.sealed_at is not None
    chain = AuditChain.objects.get(owner_unit=producer_unit)
    assert (chain.head_seq, chain.head_hash) == (3, sealed[-1].hash)
    assert [event.pk for event in sealed] == [event.pk for event in events]


def test_sealing_again_changes_nothing_and_goes_on_from_the_head(record, producer_unit):
    record(2)
    audit_seal()
    before = list(
        AuditEvent.objects.filter(owner_unit=producer_unit).order_by("id").values_list("chain_seq", "hash")
    )
    assert audit_seal() == 0
    assert (
        list(
            AuditEvent.objects.filter(owner_unit=producer_unit)
            .order_by("id")
            .values_list("chain_seq", "hash")
        )
        == before
    )
    [later] = record(1)
    audit_seal()
    later.refresh_from_db()
    assert (later.chain_seq, later.prev_hash) == (3, before[-1][1])


def test_a_batch_limit_seals_the_oldest_first(record, producer_unit):
    audit_seal()  # what the fixtures recorded
    events = record(5)
    assert audit_seal(limit=2) == 2
    sealed = AuditEvent.objects.filter(owner_unit=producer_unit, sealed_at__isnull=False)
    assert set(sealed.values_list("pk", flat=True)) == {events[0].pk, events[1].pk}


def test_each_producing_unit_and_the_platform_have_a_chain_of_their_own(
    record, producer_unit, applicant_unit
):
    record(2)
    record(1, owner_unit=applicant_unit)
    record(1, owner_unit=None)
    audit_seal()
    assert AuditEvent.objects.get(owner_unit=applicant_unit, action="record.view").chain_seq == 1
    assert AuditChain.objects.get(owner_unit=producer_unit).head_seq == 2
    assert AuditChain.objects.filter(owner_unit=None).count() == 1
    assert not AuditEvent.objects.filter(sealed_at=None).exists()
    assert audit_verify().ok


def test_the_hash_is_the_same_after_a_round_trip_through_the_database(producer_unit):
    # A whole second in another time zone (isoformat would drop ".000000" and keep "+08:00"), JSON keys
    # out of order, Chinese text, an IPv6 address.
    event = AuditEvent.objects.create(
        occurred_at=datetime(2026, 11, 24, 8, 0, 0, tzinfo=timezone(timedelta(hours=8))),
        action="record.view",
        owner_unit=producer_unit,
        detail={"z": 1, "a": {"名称": "泉州", "b": [1.5, None, True]}},
        data_items=["统一社会信用代码"],
        client_ip="2001:db8::1",
    )
    expected = event_hash(prev_hash=GENESIS_HASH, event=event)
    audit_seal()
    event.refresh_from_db()
    assert event.hash == expected
    assert event_hash(prev_hash=GENESIS_HASH, event=AuditEvent.objects.get(pk=event.pk)) == expected


def test_the_timer_loop_seals_the_events(record, producer_unit, capsys):
    events = record(2)
    call_command("run_timers", "--once")
    assert "failed" not in capsys.readouterr().err
    # Timers that run after the sealer may record events of their own, for the next run to seal.
    assert not AuditEvent.objects.filter(pk__in=[e.pk for e in events], sealed_at=None).exists()
    assert AuditChain.objects.get(owner_unit=producer_unit).head_seq == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has one writer at a time anyway")
def test_two_sealers_at_once_give_out_each_position_once(producer_unit, applicant_unit):
    for n in range(200):
        audit_record(action="record.view", owner_unit=(producer_unit, applicant_unit, None)[n % 3])
    start = threading.Barrier(2)
    counts, errors = [], []

    def sealer() -> None:
        try:
            start.wait()
            counts.append(audit_seal(batch=10))
        except Exception as exc:  # reported below: a thread's exception would be lost
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sealer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(counts) == AuditEvent.objects.count()
    assert audit_verify().ok
    assert (
        AuditChain.objects.get(owner_unit=producer_unit).head_seq
        == AuditEvent.objects.filter(owner_unit=producer_unit).count()
    )
