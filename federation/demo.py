"""The federation in the demo (docs/federation.md §11, §14): this node as the Quanzhou city node, with the
province above it and Jinjiang county below, and what they would have exchanged.

Nothing here goes on the network. The other nodes' messages are received through ``message_receive`` as
if their signed posts had come in, so their handlers make the rows (remote entries, an open dataset, an
application and its export, the upstream steps, a mirror and its records). This node's own messages (the
catalog backfill, the back-flow request, the steps it sends down) stay pending in the outbox: the peers
are held back while the demo is seeded, and their addresses (``.example.invalid``) never answer.
"""

import datetime as dt
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from catalog.models import Resource, ResourceVersion
from catalog.records import iter_records
from dataplatform.core.demo.core import credit_code
from dataplatform.core.models import User
from sharing.models import ApplicationStatus

from . import node
from .backflow import GRANT, STEP, backflow_act, backflow_create, backflow_stream
from .cascade import PUBLISH as ENTRY_PUBLISH
from .cascade import entry_stream, publish_body
from .envelope import Envelope
from .exports import REQUEST
from .inbox import message_receive
from .models import BackflowRequest, InboundStream, NodeLevel, Peer, RemoteEntry
from .open_sync import PUBLISH as DATASET_PUBLISH
from .open_sync import open_stream
from .peers import peer_save
from .transfer import CHUNK, transfer_stream

PROVINCE = {
    "node_id": "fj-350000",
    "name": "福建省公共数据汇聚共享平台",
    "url": "https://fj.example.invalid",
    "level": NodeLevel.PROVINCE,
    "region": "350000",
}
COUNTY = {
    "node_id": "fj-350582",
    "name": "晋江市公共数据汇聚共享平台",
    "url": "https://jj.example.invalid",
    "level": NodeLevel.COUNTY,
    "region": "350582",
}
# The other nodes' entries, made from this demo's own published ones (their items and metadata rows):
# (the local entry it is made from, its code there, name, producing unit).
PROVINCE_ENTRIES = [
    ("QZ-SJ-FR-0001", "FJ-SC-QY-0001", "福建省企业登记信息", "福建省市场监督管理局"),
    ("QZ-ZY-TD-0001", "FJ-ZR-BDC-0001", "福建省不动产登记信息", "福建省自然资源厅"),
    ("QZ-RS-SB-0001", "FJ-RS-SB-0001", "福建省社会保险参保缴费信息", "福建省人力资源和社会保障厅"),
    ("QZ-GA-RK-0001", "FJ-GA-HJ-0001", "福建省户籍人口基本信息", "福建省公安厅"),
]
COUNTY_ENTRIES = [("QZ-ZY-TD-0001", "JJ-ZR-TD-0001", "晋江市土地宗地信息", "晋江市自然资源局")]
MIRROR_ROWS = 40  # records of the granted back-flow, from the local entry its province entry was made of


def federation_demo_seed() -> list[Peer]:
    """Seed the federation's demo; the peers made, none unless this node is a city node ready to federate
    (``NODE_ID`` set, its key made) with no peers yet.

    ``tools/two_nodes.py`` seeds each node before it makes the node's key and registers the real peers:
    those nodes get none of this (made-up peers there would stand in the way of the real ones)."""
    if not _seeds_here() or Peer.objects.exists():
        return []
    with translation.override(settings.LANGUAGE_CODE), _held() as held, transaction.atomic():
        province, county = _peer(PROVINCE), _peer(COUNTY)
        held.extend([province.pk, county.pk])
        # Nothing of this node's goes out while it is seeded (the deliveries run when it commits).
        Peer.objects.filter(pk__in=held).update(next_attempt_at=timezone.now() + dt.timedelta(days=1))
        for entry in PROVINCE_ENTRIES:
            _entry_receive(province, *entry)
        for entry in COUNTY_ENTRIES:
            _entry_receive(county, *entry)
        _dataset_receive(county)
        _backflows(province)
        _export_receive(county)
    return [province, county]


def _seeds_here() -> bool:
    return (
        bool(settings.NODE_ID)
        and settings.NODE_LEVEL == NodeLevel.CITY
        and settings.NODE_ID not in (PROVINCE["node_id"], COUNTY["node_id"])
        and Path(settings.NODE_KEY_FILE).is_file()
    )


@contextmanager
def _held() -> Iterator[list[int]]:
    held: list[int] = []
    try:
        yield held
    finally:
        Peer.objects.filter(pk__in=held).update(next_attempt_at=None)


def _peer(fields: dict[str, str]) -> Peer:
    """A trusted peer, as the administrator adds one (its catalog backfill queued); its key is made up."""
    key = node.public_key_b64(Ed25519PrivateKey.generate())
    return peer_save(actor=None, peer=None, public_key=key, **fields)


def _receive(peer: Peer, kind: str, stream: str, body: dict[str, Any]) -> None:
    """Take one message of ``peer`` in, as its signed post would bring it; a refusal stops the seeding."""
    applied = InboundStream.objects.filter(peer=peer, stream=stream).values_list("applied_seq", flat=True)
    envelope = Envelope(
        id=uuid.uuid4(),
        kind=kind,
        sender=peer.node_id,
        recipient=settings.NODE_ID,
        stream=stream,
        seq=(applied.first() or 0) + 1,
        sent_at=timezone.now(),
        body=body,
    )
    answer = message_receive(peer=peer, envelope=envelope)
    if answer.get("answer") != "applied":
        raise RuntimeError(f"The demo's {kind} from {peer.node_id} was not applied: {answer}")


def _entry_receive(peer: Peer, local_code: str, code: str, name: str, producer: str) -> None:
    resource = Resource.objects.select_related("producer").filter(code=local_code).first()
    if resource is None or resource.published_version is None:
        return
    version = ResourceVersion.objects.get(resource=resource, number=resource.published_version)
    body = publish_body(resource, version)
    organ_code = credit_code("11", peer.region, f"{len(code) + sum(map(ord, code)):09d}")
    replaced = {
        resource.code: code,
        resource.name: name,
        resource.producer.name: producer,
        resource.producer.credit_code: organ_code,
    }
    body.update(code=code, producer=producer, credit_code=organ_code)
    body["snapshot"] = {**body["snapshot"], "code": code, "name": name}
    body["metadata"] = [
        {
            column: replaced.get(value, value) if isinstance(value, str) else value
            for column, value in row.items()
        }
        for row in body["metadata"]
    ]
    _receive(peer, ENTRY_PUBLISH, entry_stream(code), body)


def _dataset_receive(county: Peer) -> None:
    slug = "jinjiang-market-entities"
    base = f"{county.url}/open/datasets/{slug}/"
    body = {
        "slug": slug,
        "title": "晋江市市场主体登记信息",
        "description": "晋江市登记在册的企业和个体工商户：名称、统一社会信用代码、登记机关、成立日期、经营状态。",
        "publisher": "晋江市市场监督管理局",
        "open_type": "universal",
        "tags": ["市场主体", "企业登记", "晋江"],
        "licence": "CC-BY-4.0",
        "opened_at": (timezone.now() - dt.timedelta(days=20)).isoformat(),
        "landing_url": base,
        "distributions": [{"format": fmt, "url": f"{base}download.{fmt}"} for fmt in ("csv", "json")],
    }
    _receive(county, DATASET_PUBLISH, open_stream(slug), body)


# --- back-flow: this node's applications to the province, and the county's to this node ---------------


def _person(username: str) -> User | None:
    return User.objects.select_related("unit__region").filter(username=username).first()


def _backflow_apply(
    username: str, code: str, items: int, matter: str, scenario: str
) -> BackflowRequest | None:
    applicant = _person(username)
    entry = RemoteEntry.objects.filter(origin__node_id=PROVINCE["node_id"], code=code).first()
    if applicant is None or entry is None:
        return None
    names = [item["name"] for item in entry.snapshot.get("items", []) if not item.get("is_key")][:items]
    return backflow_create(
        actor=applicant,
        remote_entry=entry,
        items=names,
        business_matter=matter,
        scenario=scenario,
        basis="《福建省大数据发展条例》第二十五条",
        end_date=timezone.localdate() + dt.timedelta(days=365),
    )


def _approve(request: BackflowRequest | None) -> BackflowRequest | None:
    reviewer = _person("reviewer")
    if request is None or reviewer is None:
        return None
    return backflow_act(request=request, action="approve", actor=reviewer)


def _backflows(province: Peer) -> None:
    # A county unit's application, at the county authority.
    _backflow_apply(
        "jj_market_admin",
        "FJ-SC-QY-0001",
        4,
        "市场主体信用监管",
        "核验辖区内企业在全省范围的登记状态，开展信用分级分类监管。",
    )
    # At the province: applied there, being evaluated.
    upstream = _approve(
        _backflow_apply(
            "market_admin",
            "FJ-ZR-BDC-0001",
            3,
            "企业开办不动产核验",
            "企业开办时核验经营场所的不动产权属，免于申请人提交纸质证明。",
        )
    )
    if upstream is not None:
        _upstream_steps(province, upstream, [ApplicationStatus.EVALUATING, ApplicationStatus.REVIEWING])
    # Granted by the province: its records flow into the mirror.
    granted = _approve(
        _backflow_apply(
            "hrss_admin",
            "FJ-RS-SB-0001",
            3,
            "社会保险待遇资格认证",
            "办理养老保险待遇领取资格认证时，核验参保人在省内其他地区的缴费记录。",
        )
    )
    if granted is not None:
        statuses = [ApplicationStatus.EVALUATING, ApplicationStatus.REVIEWING, ApplicationStatus.GRANTED]
        _upstream_steps(province, granted, statuses)
        _receive(province, GRANT, backflow_stream(granted.pk), {"request": granted.pk, "status": "active"})
        _records_receive(province, granted, source="QZ-RS-SB-0001")


def _upstream_steps(province: Peer, request: BackflowRequest, statuses: list[ApplicationStatus]) -> None:
    """The province's application for ours, step by step, in its words (as ``exports.step_send`` sends)."""
    application = 2000 + request.pk
    start = timezone.now() - dt.timedelta(days=len(statuses))
    for day, status in enumerate(statuses):
        with translation.override("zh-hans"):
            label = str(ApplicationStatus(status).label)
        body = {
            "request": request.pk,
            "application": application,
            "status": status,
            "label": label,
            "reason": "",
            "at": (start + dt.timedelta(days=day)).isoformat(),
        }
        _receive(province, STEP, backflow_stream(request.pk), body)


def _records_receive(province: Peer, request: BackflowRequest, *, source: str) -> None:
    """A full copy in one chunk: records of the local entry the province's was made from, cut to the
    mirror's items."""
    request.refresh_from_db()
    local = Resource.objects.filter(code=source).first()
    if request.mirror is None or local is None:
        return
    names = {item.name for item in request.mirror.items.all()}
    rows = []
    for record in iter_records(resource_id=local.pk):
        rows.append([record.key, {name: value for name, value in record.data.items() if name in names}])
        if len(rows) == MIRROR_ROWS:
            break
    body = {
        "request": request.pk,
        "horizon": timezone.now().isoformat(),
        "phase": "full",
        "first": True,
        "last": True,
        "rows": rows,
    }
    _receive(province, CHUNK, transfer_stream(request.pk), body)


def _export_receive(county: Peer) -> None:
    """The county's back-flow application for this node's entry: its export and application here."""
    resource = Resource.objects.filter(code="QZ-SJ-FR-0001").prefetch_related("items").first()
    if resource is None:
        return
    items = [item.name for item in resource.items.all()][:4]
    body = {
        "request": 3,  # its BackflowRequest's id at the county node
        "code": resource.code,
        "items": items,
        "business_matter": "企业开办一件事",
        "scenario": "晋江市企业开办时核验申请人在泉州市其他县（市、区）的企业登记情况。",
        "basis": "《福建省优化营商环境条例》",
        "end_date": (timezone.localdate() + dt.timedelta(days=365)).isoformat(),
        "applicant": {
            "name": "晋江市市场监督管理局",
            "credit_code": credit_code("11", county.region, f"{84:09d}"),
        },
        "region": county.region,
    }
    _receive(county, REQUEST, backflow_stream(3), body)
