"""The records of back-flow (docs/federation.md §14): the province sends a granted entry's records to a
city as ``transfer.chunk`` messages (a full copy, then increments and deletions), only the granted items and
only the city's own region's records (FB12); the city writes them into its mirror of the entry.

Both nodes live in this database (loopback.Receiver). The province works with ``NODE_LEVEL=province``
(``as_province``) and knows the city as the peer ``fj-350500-seen``; the city (this node, conftest.THIS_NODE)
knows the province as ``fj-350000``. The mirror is a Resource of its own beside the province's entry.
"""

import datetime as dt
import uuid

import pytest
from django.test import override_settings

from audit.models import AuditEvent
from catalog.aggregation.deletion import records_delete
from catalog.aggregation.services import records_upsert
from catalog.models import BatchSource, OpenType, RecordDeletion, Resource, ResourceVersion
from catalog.records import all_records
from catalog.records.tables import existing_columns
from dataplatform.core.audit_actions import AuditAction
from federation.acting import peer_unit
from federation.envelope import Envelope
from federation.inbox import message_receive
from federation.mirrors import mirror_create
from federation.models import (
    BackflowRequest,
    BackflowStatus,
    Export,
    ExportPhase,
    OutboxMessage,
    OutboxStatus,
    Peer,
    RemoteEntry,
)
from federation.outbox import outbox_deliver_peer
from federation.transfer import CHUNK, export_start, exports_step, region_prefix, rows_upsert
from tests.factories.sharing import publish
from tests.federation.loopback import Receiver

pytestmark = pytest.mark.django_db

ITEMS = [
    {"name": "credit_code", "label": "统一社会信用代码", "item_type": "string", "length": 18, "is_key": True},
    {"name": "company_name", "label": "企业名称", "item_type": "string", "length": 200},
    {"name": "region", "label": "行政区划代码", "item_type": "string", "length": 6, "is_region": True},
    {"name": "capital", "label": "注册资本", "item_type": "decimal"},
    {"name": "registered_on", "label": "成立日期", "item_type": "date"},
]
GRANTED = ["company_name", "region", "capital"]  # not registered_on; the key comes with them
SENT = {"credit_code", *GRANTED}
QUANZHOU = {"A01": "350502", "A02": "350503", "A03": "350582", "A04": "350521"}  # the city's region
XIAMEN = {"B01": "350203", "B02": "350206"}
PROVINCE = {"C01": "350000"}  # a record of the province itself


def as_province():
    return override_settings(NODE_ID="fj-350000", NODE_LEVEL="province", NODE_REGION="350000")


def company(key: str, region: str, **changes) -> dict:
    return {
        "credit_code": key,
        "company_name": f"企业{key}",
        "region": region,
        "capital": "100.50",
        "registered_on": "2020-01-02",
        **changes,
    }


@pytest.fixture
def small_chunks(settings):
    settings.FEDERATION = {**settings.FEDERATION, "TRANSFER_ROWS": 2, "TRANSFER_BACKLOG": 20}


@pytest.fixture
def city_seen(node_key, make_peer) -> Peer:
    """The city as the province knows it."""
    return make_peer(level="city", region="350500", node_id="fj-350500-seen", name="泉州市平台")


@pytest.fixture
def province(node_key, make_peer) -> Peer:
    """The province as the city knows it: the origin of the entry."""
    return make_peer(level="province", region="350000", node_id="fj-350000", name="福建省平台")


@pytest.fixture
def entry(province, city_seen, producer, reviewer) -> Resource:
    """The province's entry and its records; the catalog cascade's rows to the city are out of the way."""
    with as_province():
        resource = publish(producer, reviewer, code="FJ-QY-0001", items=ITEMS)
        records = [company(k, r) for k, r in {**QUANZHOU, **XIAMEN, **PROVINCE}.items()]
        records_upsert(actor=producer, resource=resource, records=records)
    OutboxMessage.objects.all().delete()
    return resource


@pytest.fixture
def request_(entry, province, applicant) -> BackflowRequest:
    """The city's granted back-flow application, with its mirror."""
    version = ResourceVersion.objects.get(resource=entry, number=1)
    remote = RemoteEntry.objects.create(
        origin=province, code=entry.code, version=1, name=entry.name, snapshot=version.snapshot
    )
    request = BackflowRequest.objects.create(
        remote_entry=remote,
        applicant_unit=applicant.unit,
        created_by=applicant,
        items=GRANTED,
        business_matter="企业开办",
        scenario="核验本市企业",
        end_date=dt.date(2030, 12, 31),
        status=BackflowStatus.GRANTED,
    )
    request.mirror = mirror_create(request)
    request.save(update_fields=["mirror"])
    return request


@pytest.fixture
def export(request_, entry, city_seen) -> Export:
    return Export.objects.create(
        peer=city_seen, request_id=request_.pk, resource=entry, items=GRANTED, region_prefix="3505"
    )


def chunks(peer: Peer, *, pending: bool = False) -> list[dict]:
    rows = OutboxMessage.objects.filter(peer=peer, kind=CHUNK).order_by("seq")
    if pending:
        rows = rows.filter(status=OutboxStatus.PENDING)
    return [message.body for message in rows]


def step() -> int:
    with as_province():
        return exports_step()


def deliver(city_seen: Peer, province: Peer) -> int:
    """The province's outbox into the city's inbox (this node's handlers)."""
    return outbox_deliver_peer(city_seen.pk, transport=Receiver(sender=province))


def mirrored(request_: BackflowRequest) -> dict[str, dict]:
    return {key: row.data for key, row in all_records(resource_id=request_.mirror_id or 0).items()}


def at_province(entry: Resource, keys) -> dict[str, dict]:
    rows = all_records(resource_id=entry.pk)
    return {key: {k: v for k, v in rows[key].data.items() if k in SENT} for key in keys}


def full_copy(export, city_seen, province) -> None:
    with as_province():
        export_start(export)
    while step():
        deliver(city_seen, province)


@pytest.mark.parametrize(
    ("code", "prefix"), [("350500", "3505"), ("350000", "35"), ("350582", "350582"), ("350200", "3502")]
)
def test_a_region_prefix_drops_the_trailing_pairs_of_zeros(code, prefix):
    assert region_prefix(code) == prefix


# --- the mirror --------------------------------------------------------------------------------------------


def test_the_mirror_is_published_with_the_granted_items_and_the_key(request_, entry, province):
    mirror = request_.mirror
    assert (mirror.origin_node, mirror.origin_code) == ("fj-350000", "FJ-QY-0001")
    assert mirror.code == "FJ-QY-0001-350000"  # the code is this node's own entry's here (one database)
    assert mirror.producer == peer_unit(province)
    assert [item.name for item in mirror.items.all()] == ["credit_code", "company_name", "region", "capital"]
    assert mirror.items.get(name="region").is_region
    assert (mirror.status, mirror.published_version, mirror.open_type) == ("published", 1, OpenType.NOT_OPEN)
    assert mirror.versions.get().snapshot["items"][0]["is_key"]
    assert mirror.status_changes.get().to_status == "published"  # on its timeline, without a review
    columns = set(existing_columns(mirror.pk) or {})
    assert columns - {"_key", "_created_at", "_updated_at", "_batch_id"} == SENT
    assert mirror_create(request_).pk == mirror.pk  # made once
    # It came from above: the catalog cascade never sends it back up.
    assert not OutboxMessage.objects.filter(peer=province).exists()


# --- the full copy -----------------------------------------------------------------------------------------


def test_the_full_copy_carries_only_the_city_regions_records_and_the_granted_items(
    small_chunks, export, entry, city_seen
):
    with as_province():
        export_start(export)
    assert step() == 2

    sent = chunks(city_seen)
    assert [len(chunk["rows"]) for chunk in sent] == [2, 2]
    assert [(chunk["phase"], chunk["first"], chunk["last"]) for chunk in sent] == [
        ("full", True, False),
        ("full", False, True),
    ]
    rows = {key: values for chunk in sent for key, values in chunk["rows"]}
    assert rows == at_province(entry, QUANZHOU)
    assert all(set(values) == SENT for values in rows.values())
    export.refresh_from_db()
    assert (export.phase, export.rows_sent, export.watermark) == (ExportPhase.INCREMENT, 4, export.horizon)
    audits = AuditEvent.objects.filter(action=AuditAction.FEDERATION_TRANSFER_SEND)
    assert [(a.owner_unit_id, a.record_count) for a in audits] == [(entry.producer_id, 2)] * 2


def test_the_city_writes_the_full_copy_into_its_mirror(
    small_chunks, export, entry, request_, city_seen, province
):
    full_copy(export, city_seen, province)

    assert mirrored(request_) == at_province(entry, QUANZHOU)
    request_.refresh_from_db()
    assert (request_.rows_received, request_.transfer_phase) == (4, ExportPhase.INCREMENT)
    mirror = Resource.objects.get(pk=request_.mirror_id)
    assert mirror.record_count == 4 and mirror.last_aggregated_at is not None
    assert set(mirror.batches.values_list("source", flat=True)) == {BatchSource.FEDERATION}
    applied = AuditEvent.objects.filter(action=AuditAction.FEDERATION_TRANSFER_APPLY)
    assert [(a.owner_unit_id, a.record_count) for a in applied] == [(mirror.producer_id, 2)] * 2


def test_an_empty_region_still_gets_one_chunk_that_empties_its_mirror(export, entry, request_, city_seen):
    Export.objects.filter(pk=export.pk).update(region_prefix="3599")
    with as_province():
        export_start(export)
    step()
    assert [(c["phase"], c["rows"], c["first"], c["last"]) for c in chunks(city_seen)] == [
        ("full", [], True, True)
    ]


# --- increments --------------------------------------------------------------------------------------------


def test_increments_carry_the_city_regions_changes_and_deletions_only(
    small_chunks, export, entry, request_, city_seen, province, producer
):
    full_copy(export, city_seen, province)
    before = OutboxMessage.objects.count()
    records_upsert(
        actor=producer,
        resource=entry,
        records=[
            company("A01", "350502", company_name="新名称"),
            company("A05", "350505"),
            company("B03", "350203"),
        ],
    )
    records_delete(actor=producer, resource=entry, keys=["A02", "B01"])

    assert step() == 2
    sent = chunks(city_seen)[-2:]
    assert OutboxMessage.objects.count() == before + 2
    assert [(c["phase"], c.get("keys")) for c in sent] == [("delete", ["A02"]), ("upsert", None)]
    assert [key for key, _values in sent[1]["rows"]] == ["A01", "A05"] and sent[1]["last"]
    # The province's tombstones keep each record's region (that is how B01's stayed home).
    assert dict(RecordDeletion.objects.filter(resource=entry).values_list("key", "region")) == {
        "A02": "350503",
        "B01": "350203",
    }

    deliver(city_seen, province)
    assert mirrored(request_) == at_province(entry, ["A01", "A03", "A04", "A05"])
    # The city's own tombstone: its pushes to its own units carry the deletion on.
    assert list(RecordDeletion.objects.filter(resource=request_.mirror).values_list("key", flat=True)) == [
        "A02"
    ]
    request_.refresh_from_db()
    assert (request_.rows_received, request_.deletions_received) == (6, 1)
    assert Resource.objects.get(pk=request_.mirror_id).record_count == 4
    assert step() == 0  # nothing changed since


def test_a_duplicate_chunk_changes_nothing(
    small_chunks, export, entry, request_, city_seen, province, producer
):
    full_copy(export, city_seen, province)
    records_upsert(actor=producer, resource=entry, records=[company("A01", "350502", company_name="新名称")])
    step()
    deliver(city_seen, province)
    message = OutboxMessage.objects.filter(peer=city_seen, kind=CHUNK).order_by("-seq")[0]
    stamps = {key: row.updated_at for key, row in all_records(resource_id=request_.mirror_id or 0).items()}
    request_.refresh_from_db()
    received = request_.rows_received

    OutboxMessage.objects.filter(pk=message.pk).update(status=OutboxStatus.PENDING)  # sent again
    deliver(city_seen, province)
    message.refresh_from_db()
    assert message.answer == "duplicate"
    # The same rows in a new message (a resent full copy would do that): the unchanged rows keep their
    # stamps, so the city's own pushes do not send them again.
    envelope = Envelope(
        id=uuid.uuid4(),
        kind=CHUNK,
        sender=province.node_id,
        recipient="fj-350500",
        stream="elsewhere",
        seq=1,
        sent_at=dt.datetime.now(dt.UTC),
        body=message.body,
    )
    assert message_receive(peer=province, envelope=envelope)["answer"] == "applied"

    assert {
        key: row.updated_at for key, row in all_records(resource_id=request_.mirror_id or 0).items()
    } == stamps
    request_.refresh_from_db()
    assert request_.rows_received == received + 1
    assert Resource.objects.get(pk=request_.mirror_id).record_count == 4


def test_no_chunk_is_queued_while_the_citys_backlog_is_full(
    settings, export, entry, request_, city_seen, province
):
    settings.FEDERATION = {**settings.FEDERATION, "TRANSFER_ROWS": 1, "TRANSFER_BACKLOG": 1}
    with as_province():
        export_start(export)
    assert step() == 2  # 0 waiting, then 1 waiting: then more than the backlog
    assert step() == 0
    deliver(city_seen, province)
    assert step() == 2
    deliver(city_seen, province)
    assert step() == 0
    assert mirrored(request_) == at_province(entry, QUANZHOU)


def test_a_new_full_copy_empties_the_mirror_first(small_chunks, export, entry, request_, city_seen, province):
    full_copy(export, city_seen, province)
    mirror = request_.mirror
    rows_upsert(mirror, [("Z99", {"company_name": "多余"})], batch_id=0, now=dt.datetime.now(dt.UTC))

    full_copy(export, city_seen, province)  # started again, as when a suspended grant is active again

    assert mirrored(request_) == at_province(entry, QUANZHOU)
    assert "Z99" in set(RecordDeletion.objects.filter(resource=mirror).values_list("key", flat=True))
    request_.refresh_from_db()
    assert request_.rows_received == 4
    assert Resource.objects.get(pk=mirror.pk).record_count == 4


def test_a_chunk_from_another_node_than_the_entrys_origin_is_refused(export, request_, make_peer):
    stranger = make_peer(level="province", region="360000", node_id="jx-360000")
    envelope = Envelope(
        id=uuid.uuid4(),
        kind=CHUNK,
        sender=stranger.node_id,
        recipient="fj-350500",
        stream=f"transfer:{request_.pk}",
        seq=1,
        sent_at=dt.datetime.now(dt.UTC),
        body={"request": request_.pk, "phase": "upsert", "rows": [["X1", {}]], "horizon": "", "first": True},
    )
    answer = message_receive(peer=stranger, envelope=envelope)
    assert answer["error"] == "apply_failed" and "no back-flow application" in answer["detail"]
    assert mirrored(request_) == {}


def test_nobody_writes_into_a_mirror_by_hand(request_, province, api):
    """Its records come from the upper node's transfers only: not even the unit standing for that node
    uploads or deletes there, with a session or a key."""
    from dataplatform.core.apikeys import api_key_issue
    from dataplatform.core.models import Role
    from tests import factories

    mirror = request_.mirror
    person = factories.person(peer_unit(province), Role.DATA_ADMIN, username="acting_admin")
    row = {"credit_code": "91350500MA0000009X", "company_name": "手工写入", "region": "350503"}
    api.force_authenticate(person)
    assert (
        api.post(
            f"/api/v1/catalog/resources/{mirror.pk}/records/", {"records": [row]}, format="json"
        ).status_code
        == 403
    )
    api.force_authenticate(None)
    key = api_key_issue(actor=None, unit=peer_unit(province), name="系统").key
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    assert (
        api.post(
            f"/api/v1/catalog/resources/{mirror.pk}/records/", {"records": [row]}, format="json"
        ).status_code
        == 403
    )
    deleted = api.post(
        f"/api/v1/catalog/resources/{mirror.pk}/records/delete/", {"keys": [row["credit_code"]]}
    )
    assert deleted.status_code == 403
    assert mirrored(request_) == {}
