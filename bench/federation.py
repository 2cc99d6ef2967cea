"""Federation between two real nodes: signed messages per second against the same messages unsigned, and
a catalog cascade of E entries against writing the same rows directly.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dp_bench_fed \\
        .venv/bin/python bench/federation.py --messages 5000 --entries 10000

This process is the city node (fj-350500); its database is DATABASE_URL's, created and migrated if
missing, and its federation rows are emptied at the start. The province (fj-350000) is a real node:
gunicorn with one worker on a loopback port and a database of its own (``<name>_fed_province``, copied
from the city's migrated one, dropped at the end), started by the federation tests' harness with the
bench's URLs beside the real ones (bench/urls_bench.py). The two register each other's keys first.

Timed, each delivery by ``outbox_deliver_peer`` (the function the worker's task calls: the peer's lease,
the heads of the streams, batches of 100 envelopes per POST, the answers recorded):

1. **unsigned**: N ``node.hello`` messages on 50 streams (rows written beforehand, not timed), posted to
   ``/bench/federation/unsigned/``: the same middleware and inbox work (inbox row, stream advance,
   audit, each message in its own transaction), the peer named by ``X-Node-Id`` alone;
2. **signed**: N more, through the real transport and endpoint: signed (RFC 9421, Ed25519, a fresh nonce
   and content digest per POST), verified, the nonce recorded against replay;
3. **cascade**: E published all-government entries (loaded by COPY beforehand) queued for the province by
   ``federation.cascade.catalog_send_all`` (timed: one outbox row and audit event each), then delivered
   (timed): each a ``RemoteEntry`` on the province, its stream advanced, audited on both sides;
4. the cascade's **baseline**: the same E bodies COPYed into a table shaped like the province's
   ``federation_remoteentry``, in one transaction: the rows the cascade must end with, and nothing else.

Prints messages per second and the ratios signed / unsigned and direct / cascade.

5. **back-flow** (``--backflow-rows N``, docs/federation.md §14): the sender is now the upper node, so
   the roles turn: this process acts as the province (``override_settings`` with the province's id,
   level, region and a key of its own; its database is still DATABASE_URL's) and a second gunicorn node
   is the city (``<name>_fed_citybf``, its own database and key). Set-up, not timed: a province entry of
   N records (COPYed into its table, as bench/push.py loads them) whose region item is half 3505xx
   (Quanzhou), half 3502xx (Xiamen); on the city, the granted back-flow application and its mirror
   (``mirror_create``); on the province, an active ``Export`` to the city of four items and the key,
   region prefix 3505. Timed: ``exports_step`` (chunks of ``TRANSFER_ROWS`` rows, at most
   ``chunk_bytes()``, queued with back-pressure) and ``outbox_deliver_peer`` in turn until the export
   has nothing left and nothing waits: the city has applied every chunk into its mirror (each in the
   inbox's transaction, typed upsert, audited on both sides). Baseline: the same N/2 rows (read into
   memory beforehand) COPYed into a table shaped like the mirror's on the city's database, in one
   transaction. ``--messages 0 --entries 0`` runs the back-flow alone.
"""

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dataplatform.settings")
os.environ.setdefault("EMAIL_URL", "dummymail://")
os.environ.pop("REDIS_URL", None)  # no worker: delivery is what this process times
KEY_DIR = Path(tempfile.mkdtemp(prefix="bench-fed-"))
CITY = {"NODE_ID": "fj-350500", "NODE_LEVEL": "city", "NODE_REGION": "350500", "NODE_NAME": "泉州市（基准）"}
os.environ.update(CITY, NODE_URL="http://127.0.0.1:9", NODE_KEY_FILE=str(KEY_DIR / "city.pem"))

STREAMS = 50
BODY = {"note": "基准测试 benchmark " * 8}  # ~200 bytes, about a small catalog message's envelope overhead


def setup_django() -> None:
    import django

    from bench.search import ensure_database

    ensure_database(os.environ["DATABASE_URL"])
    django.setup()
    from django.core.management import call_command

    call_command("migrate", "--no-input", verbosity=0)


def city_reset() -> None:
    """This node's federation rows of an earlier run gone (the province is made afresh each run)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE federation_outboxmessage, federation_streamcounter, federation_inboxmessage, "
            "federation_inboundstream, federation_receivednonce, federation_remoteentry, "
            "federation_remotedataset, federation_peer CASCADE"
        )


def province_start(workdir: Path):
    from tests.federation.harness import Node

    province = Node(
        "province",
        "province",
        "350000",
        workdir=workdir,
        server_url=os.environ["DATABASE_URL"],
        settings_module="bench.settings_bench",
        wsgi_app="bench.wsgi_bench:application",
    )
    province.setup()  # an empty database of its own, migrated, and a key
    province.start()
    return province


def peers_register(province) -> object:
    from federation.models import NodeLevel, Peer
    from federation.node import generate_key_file, public_key_b64

    generate_key_file(Path(os.environ["NODE_KEY_FILE"]), force=True)
    province.manage(
        *("federation_peer_add", "--node-id", CITY["NODE_ID"], "--name", CITY["NODE_NAME"]),
        *("--url", "http://127.0.0.1:9", "--level", "city", "--region", "350500"),
        *("--public-key", public_key_b64()),
    )
    # The row alone, not peer_save: that would queue this node's catalog for the new peer at once (the
    # cascade's backfill), which the cascade part times on its own.
    return Peer.objects.create(
        node_id=province.node_id,
        name="福建省（基准）",
        url=province.url,
        level=NodeLevel.PROVINCE,
        region="350000",
        public_key=province.public_key,
    )


def hellos_queue(peer, count: int, prefix: str) -> None:
    """``count`` rows in the outbox as ``federation_send`` leaves them, on ``STREAMS`` streams (set-up)."""
    from federation.models import OutboxMessage, StreamCounter

    rows, last = [], {}
    for n in range(count):
        stream = f"{prefix}-{n % STREAMS:02d}"
        last[stream] = last.get(stream, 0) + 1
        rows.append(OutboxMessage(peer=peer, kind="node.hello", stream=stream, seq=last[stream], body=BODY))
    OutboxMessage.objects.bulk_create(rows, batch_size=2000)
    StreamCounter.objects.bulk_create(
        [StreamCounter(peer=peer, stream=stream, last_seq=seq) for stream, seq in last.items()]
    )


def unsigned_transport(peer, body: bytes) -> tuple[int, dict]:
    import requests
    from django.conf import settings

    answer = requests.post(
        f"{peer.url}/bench/federation/unsigned/",
        data=body,
        headers={"Content-Type": "application/json", "X-Node-Id": settings.NODE_ID},
        timeout=settings.FEDERATION["TIMEOUT"],
    )
    return answer.status_code, answer.json()


def deliver(peer, transport=None) -> tuple[int, float]:
    from federation.outbox import outbox_deliver_peer

    started = time.perf_counter()
    delivered = outbox_deliver_peer(peer.pk, transport=transport, budget_seconds=3600)
    return delivered, time.perf_counter() - started


def pending(peer) -> int:
    from federation.models import OutboxMessage, OutboxStatus

    return OutboxMessage.objects.filter(peer=peer, status=OutboxStatus.PENDING).count()


def entries_load(count: int) -> None:
    """``count`` published, all-government, shared entries with their published version (set-up)."""
    from django.db import connection

    from bench.search import load, setup_units
    from catalog.models import Resource, ResourceVersion
    from catalog.snapshots import resource_snapshot

    if Resource.objects.filter(code__startswith="BENCH-").count() != count:
        with connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM catalog_dataitem WHERE resource_id IN "
                "(SELECT id FROM catalog_resource WHERE code LIKE 'BENCH-%%')"
            )
            cursor.execute(
                "DELETE FROM catalog_resourceversion WHERE resource_id IN "
                "(SELECT id FROM catalog_resource WHERE code LIKE 'BENCH-%%')"
            )
            cursor.execute("DELETE FROM catalog_resource WHERE code LIKE 'BENCH-%%'")
        units, _ = setup_units()
        load(count, units, seed=20261205)
    Resource.objects.filter(code__startswith="BENCH-").update(
        status="published", published_version=1, share_type="unconditional", share_scope="all_government"
    )
    resources = Resource.objects.filter(code__startswith="BENCH-").exclude(versions__number=1)
    resources = resources.select_related("producer", "classification").prefetch_related("items")
    versions = [ResourceVersion(resource=r, number=1, snapshot=resource_snapshot(r)) for r in resources]
    ResourceVersion.objects.bulk_create(versions, batch_size=1000)


def cascade_queue(peer) -> tuple[int, float]:
    from federation import cascade, tasks

    # The task that federation_send queues after commit would deliver at once (no worker here: tasks run
    # eagerly). Held back, so that queueing and delivering are timed apart.
    held = tasks.deliver_peer.delay
    tasks.deliver_peer.delay = lambda *args, **kwargs: None  # type: ignore[method-assign]
    try:
        started = time.perf_counter()
        queued = cascade.catalog_send_all(peer)
        return queued, time.perf_counter() - started
    finally:
        tasks.deliver_peer.delay = held  # type: ignore[method-assign]


def cascade_baseline(province, peer) -> float:
    """The same bodies COPYed into a table shaped like the province's remote entries, one transaction."""
    import psycopg

    from federation.models import OutboxMessage

    bodies = list(
        OutboxMessage.objects.filter(peer=peer, kind="catalog.entry.publish").values_list("body", flat=True)
    )
    origin = province.scalar("SELECT id FROM federation_peer WHERE node_id = %s", [CITY["NODE_ID"]])
    now = dt.datetime.now(dt.UTC)
    columns = (
        "origin_id, code, version, name, description, producer_name, category, share_type, open_type, "
        "update_frequency, snapshot, metadata, search_text, status, published_at, received_at, updated_at"
    )
    with psycopg.connect(province.database_url) as conn:
        conn.execute("DROP TABLE IF EXISTS remoteentry_copy")
        conn.execute("CREATE TABLE remoteentry_copy (LIKE federation_remoteentry INCLUDING ALL)")
        conn.commit()
        started = time.perf_counter()
        with conn.cursor() as cursor, cursor.copy(f"COPY remoteentry_copy ({columns}) FROM STDIN") as copy:
            for body in bodies:
                snapshot = body["snapshot"]
                text = " ".join([snapshot["name"], snapshot["description"], body["code"]]).lower()
                copy.write_row(
                    (
                        origin,
                        body["code"],
                        body["version"],
                        snapshot["name"],
                        snapshot["description"],
                        snapshot.get("producer") or "",
                        snapshot["category"],
                        snapshot["share_type"],
                        snapshot["open_type"],
                        snapshot["update_frequency"],
                        json.dumps(snapshot, ensure_ascii=False),
                        json.dumps(body.get("metadata", []), ensure_ascii=False),
                        text,
                        "active",
                        body.get("published_at"),
                        now,
                        now,
                    )
                )
        conn.commit()
        elapsed = time.perf_counter() - started
        conn.execute("DROP TABLE remoteentry_copy")
        conn.commit()
    return elapsed


# --- back-flow: this process acts as the province, a gunicorn node is the city ----------------------------

PROVINCE_BF = {"NODE_ID": "fj-350000", "NODE_LEVEL": "province", "NODE_REGION": "350000"}
BACKFLOW_ITEMS: list[dict[str, Any]] = [
    {"name": "credit_code", "label": "统一社会信用代码", "item_type": "string", "length": 18, "is_key": True},
    {"name": "company_name", "label": "企业名称", "item_type": "string", "length": 200},
    {"name": "region", "label": "行政区划代码", "item_type": "string", "length": 6, "is_region": True},
    {"name": "capital", "label": "注册资本（万元）", "item_type": "decimal"},
    {"name": "registered_on", "label": "成立日期", "item_type": "date"},
    {"name": "legal_person", "label": "法定代表人", "item_type": "string", "length": 50},
]
BACKFLOW_GRANTED = ["company_name", "region", "capital", "registered_on"]  # and the key; not legal_person


def as_province():
    from django.test import override_settings

    return override_settings(
        **PROVINCE_BF, NODE_NAME="福建省（基准，回流）", NODE_KEY_FILE=str(KEY_DIR / "province-bf.pem")
    )


def backflow_entry(rows: int):
    """The province's entry of ``rows`` records, published, with its table loaded (set-up, not timed)."""
    from bench.search import setup_units
    from catalog.models import DataItem, Resource, ResourceVersion
    from catalog.records import drop_table
    from catalog.snapshots import resource_snapshot

    code = f"BENCH-BF-{rows}"
    resource = Resource.objects.filter(code=code).first()
    if resource is not None and resource.record_count == rows:
        return resource
    if resource is not None:
        drop_table(resource.pk)
        Resource.objects.filter(pk=resource.pk).update(code=f"{code}-old-{resource.pk}")
    units, _ = setup_units()
    resource = Resource.objects.create(
        code=code,
        name="市场主体登记信息（回流基准）",
        producer=units[0],
        category="legal_person",
        data_format="table",
        update_frequency="daily",
        share_type="unconditional",
        open_type="not_open",
        not_open_reason="基准",
        grading_level="1",
        service_methods=["bulk_exchange"],
        holds_no_classified_data=True,
        status="published",
        published_version=1,
    )
    DataItem.objects.bulk_create(
        DataItem(resource=resource, position=n, **item) for n, item in enumerate(BACKFLOW_ITEMS, start=1)
    )
    resource = Resource.objects.prefetch_related("items").get(pk=resource.pk)
    # bulk_create: no signal, so the catalog cascade does not send it anywhere
    ResourceVersion.objects.bulk_create(
        [ResourceVersion(resource=resource, number=1, snapshot=resource_snapshot(resource))]
    )
    backflow_load(resource, rows)
    Resource.objects.filter(pk=resource.pk).update(record_count=rows)
    return resource


def backflow_row(i: int) -> tuple[str, ...]:
    region = f"3505{i % 12 + 1:02d}" if i % 2 == 0 else f"3502{i % 6 + 3:02d}"
    return (
        f"91350000MA{i:08d}",
        f"泉厦企业{i}有限公司",
        region,
        f"{(i * 7919) % 100000}.{i % 100:02d}",
        f"{1990 + i % 35}-{i % 12 + 1:02d}-{i % 28 + 1:02d}",
        f"法人{i % 997}",
    )


def backflow_load(resource, rows: int) -> None:
    from django.db import connection

    from catalog.records import KEY, ensure_table, published_columns, table_name
    from catalog.records.layout import BATCH, CREATED, UPDATED

    columns = published_columns(resource)
    ensure_table(resource.pk, columns)
    table = table_name(resource.pk)
    names = ", ".join(connection.ops.quote_name(column.name) for column in columns)
    now = dt.datetime.now(dt.UTC)
    connection.ensure_connection()
    raw = connection.connection
    with raw.cursor() as cursor:
        cursor.execute(f"TRUNCATE {table}")
        with cursor.copy(f"COPY {table} ({KEY}, {names}, {CREATED}, {UPDATED}, {BATCH}) FROM STDIN") as copy:
            for i in range(rows):
                row = backflow_row(i)
                copy.write_row((row[0], *row, now, now, None))
        cursor.execute(f"ANALYZE {table}")
    raw.commit()


def city_start(workdir: Path, province_key: str):
    from tests.federation.harness import Node

    city = Node("citybf", "city", "350500", workdir=workdir, server_url=os.environ["DATABASE_URL"])
    city.setup()
    city.start()
    city.manage(
        *("federation_peer_add", "--node-id", PROVINCE_BF["NODE_ID"], "--name", "福建省（基准，回流）"),
        *("--url", "http://127.0.0.1:9", "--level", "province", "--region", "350000"),
        *("--public-key", province_key),
    )
    return city


CITY_REQUEST = """
import datetime as dt, json
from federation.acting import peer_unit, peer_user
from federation.mirrors import mirror_create
from federation.models import BackflowRequest, BackflowStatus, Peer, RemoteEntry
origin = Peer.objects.get(node_id="fj-350000")
snapshot = json.loads(%(snapshot)s)
entry = RemoteEntry.objects.create(origin=origin, code=%(code)r, version=1, name=snapshot["name"], snapshot=snapshot)
# The applicant unit: the one acting for the province here stands in for a city unit (set-up only).
request = BackflowRequest.objects.create(
    remote_entry=entry, applicant_unit=peer_unit(origin), created_by=peer_user(origin), items=%(items)r,
    business_matter="基准测试", scenario="回流基准测试", end_date=dt.date(2030, 12, 31),
    status=BackflowStatus.GRANTED,
)
request.mirror = mirror_create(request)
request.save(update_fields=["mirror"])
print(json.dumps([request.pk, request.mirror.pk]))
"""


def backflow_run(workdir: Path, rows: int) -> None:
    from catalog.models import ResourceVersion
    from federation import tasks
    from federation.models import Export, NodeLevel, Peer
    from federation.node import generate_key_file, public_key_b64
    from federation.transfer import chunk_bytes, export_start, exports_step

    resource = backflow_entry(rows)
    snapshot = ResourceVersion.objects.get(resource=resource, number=1).snapshot
    with as_province():
        generate_key_file(KEY_DIR / "province-bf.pem", force=True)
        city = city_start(workdir, public_key_b64())
        try:
            peer = Peer.objects.create(
                node_id=city.node_id,
                name="泉州市（基准，回流）",
                url=city.url,
                level=NodeLevel.CITY,
                region="350500",
                public_key=city.public_key,
            )
            code = CITY_REQUEST % {
                "snapshot": json.dumps(json.dumps(snapshot, ensure_ascii=False), ensure_ascii=False),
                "code": resource.code,
                "items": BACKFLOW_GRANTED,
            }
            request_id, mirror_id = city.shell(code)
            export = Export.objects.create(
                peer=peer,
                request_id=request_id,
                resource=resource,
                items=BACKFLOW_GRANTED,
                region_prefix="3505",
            )
            export_start(export)
            # The deliveries that federation_send queues after each commit are held back: queueing and
            # delivering take turns here, timed apart (a worker would deliver while the timer queues).
            held = tasks.deliver_peer.delay
            tasks.deliver_peer.delay = lambda *args, **kwargs: None
            chunks = step_s = deliver_s = 0.0
            try:
                while True:
                    started = time.perf_counter()
                    queued = exports_step()
                    step_s += time.perf_counter() - started
                    chunks += queued
                    delivered, seconds = deliver(peer)
                    deliver_s += seconds
                    if not queued and not delivered and not pending(peer):
                        break
            finally:
                tasks.deliver_peer.delay = held
            sent = rows // 2 + rows % 2
            mirrored = city.scalar(f"SELECT count(*) FROM records.r{int(mirror_id)}")
            foreign = city.scalar(
                f"SELECT count(*) FROM records.r{int(mirror_id)} WHERE region NOT LIKE '3505%%'"
            )
            assert (mirrored, foreign) == (sent, 0), (mirrored, foreign, sent)
            baseline_s = backflow_baseline(city, resource, mirror_id)
            print(
                f"back-flow: {rows:,} records at the province, {sent:,} of region 3505 sent, "
                f"{int(chunks)} chunks (TRANSFER_ROWS {settings_value('TRANSFER_ROWS')}, "
                f"at most {chunk_bytes():,} bytes)",
                flush=True,
            )
            line("back-flow: exports_step (queue chunks)", sent, step_s, "rows")
            line("back-flow: delivered, applied into the mirror", sent, deliver_s, "rows")
            line("back-flow: the whole transfer", sent, step_s + deliver_s, "rows")
            line("baseline: COPY of the same rows", sent, baseline_s, "rows")
            print(f"ratio direct / back-flow: {baseline_s / (step_s + deliver_s):.3f}", flush=True)
        finally:
            print(city.log_tail(5) if os.environ.get("BENCH_VERBOSE") else "", end="")
            city.destroy()


def settings_value(name: str):
    from django.conf import settings

    return settings.FEDERATION[name]


def backflow_baseline(city, resource, mirror_id: int) -> float:
    """The rows the city must end with, read beforehand, COPYed into a table shaped like the mirror's."""
    import psycopg
    from django.db import connection

    from catalog.records import table_name

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT _key, _key, company_name, region, capital, registered_on FROM {table_name(resource.pk)} "
            "WHERE region LIKE '3505%%' ORDER BY _key"
        )
        rows = cursor.fetchall()
    now = dt.datetime.now(dt.UTC)
    with psycopg.connect(city.database_url) as conn:
        conn.execute("DROP TABLE IF EXISTS copy_baseline")
        conn.execute(f"CREATE TABLE copy_baseline (LIKE records.r{int(mirror_id)} INCLUDING ALL)")
        conn.commit()
        columns = "_key, credit_code, company_name, region, capital, registered_on, _created_at, _updated_at"
        started = time.perf_counter()
        with conn.cursor() as target, target.copy(f"COPY copy_baseline ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row((*row, now, now))
        conn.commit()
        elapsed = time.perf_counter() - started
        conn.execute("DROP TABLE copy_baseline")
        conn.commit()
    return elapsed


def line(label: str, count: int, seconds: float, unit: str = "msg") -> None:
    print(f"{label:<46} {count:>8,} {unit} {seconds:8.2f} s {count / seconds:10,.0f} {unit}/s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--backflow-rows", type=int, default=0)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL=postgres://… (a database of the bench's own)")
    setup_django()
    city_reset()
    if args.entries:
        entries_load(args.entries)  # before the province's database is copied: it never reads them
    with tempfile.TemporaryDirectory(prefix="bench-fed-nodes-") as workdir:
        if args.messages or args.entries:
            messages_run(Path(workdir), args)
        if args.backflow_rows:
            backflow_run(Path(workdir), args.backflow_rows)


def messages_run(workdir: Path, args) -> None:
    province = province_start(workdir)
    try:
        peer = peers_register(province)
        if args.messages:
            messages_time(province, peer, args.messages)
        if args.entries:
            cascade_time(province, peer, args.entries)
    finally:
        print(province.log_tail(5) if os.environ.get("BENCH_VERBOSE") else "", end="")
        province.destroy()


def messages_time(province, peer, messages: int) -> None:
    hellos_queue(peer, messages, "unsigned")
    unsigned, unsigned_s = deliver(peer, unsigned_transport)
    hellos_queue(peer, messages, "signed")
    signed, signed_s = deliver(peer)
    assert unsigned == signed == messages and not pending(peer), (unsigned, signed)
    received = province.scalar("SELECT count(*) FROM federation_inboxmessage WHERE status = 'applied'")
    assert received == 2 * messages, received
    line("unsigned: outbox → POST → inbox", unsigned, unsigned_s)
    line("signed (RFC 9421, Ed25519): outbox → POST → inbox", signed, signed_s)
    print(f"ratio signed / unsigned messages per second: {unsigned_s / signed_s:.2f}\n", flush=True)


def cascade_time(province, peer, entries: int) -> None:
    queued, queue_s = cascade_queue(peer)
    baseline_s = cascade_baseline(province, peer)
    cascaded, cascade_s = deliver(peer)
    assert queued == cascaded == entries and not pending(peer), (queued, cascaded)
    count = province.scalar("SELECT count(*) FROM federation_remoteentry WHERE status = 'active'")
    assert count == entries, count
    line("cascade: catalog_send_all (outbox rows)", queued, queue_s, "entries")
    line("cascade: delivered, RemoteEntry on the province", cascaded, cascade_s, "entries")
    line("baseline: COPY of the same rows", entries, baseline_s, "entries")
    total = queue_s + cascade_s
    print(f"ratio direct / cascade (queue + deliver): {baseline_s / total:.3f}\n", flush=True)


if __name__ == "__main__":
    main()
