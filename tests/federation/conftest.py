"""Fixtures for the federation's tests: this node's key, peers with keys of their own, and signed requests.

``signed_post(client, body, key=, node_id=)`` posts to the protocol endpoint as a peer would;
``signed_request(body, key=, node_id=)`` builds the same request for ``verify_request`` directly (no view, no
URL). Both take ``now=`` (the signature's ``created``) and ``tamper=`` (a function changing the prepared
request after it was signed); the keyword options of ``signed_prepared`` make signatures our signer never
makes (a missing nonce, a shorter covered set, another keyid).
"""

import itertools
import json
import secrets
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings as django_settings
from django.http import HttpRequest
from django.test import RequestFactory
from django.utils import timezone
from http_message_signatures import HTTPMessageSigner, MappingKeyResolver, algorithms

from catalog.models import ResourceVersion
from dataplatform.core.models import Role
from dataplatform.core.models.units import UnitKind
from federation import node, signing
from federation.models import Peer, PeerStatus, RemoteEntry
from tests import factories
from tests.factories.sharing import publish

MESSAGES_PATH = "/federation/v1/messages/"
THIS_NODE = {
    "NODE_ID": "fj-350500",
    "NODE_LEVEL": "city",
    "NODE_REGION": "350500",
    "NODE_NAME": "泉州市公共数据汇聚共享平台",
    "NODE_URL": "http://testserver",
}
Tamper = Callable[[requests.PreparedRequest], None]


@pytest.fixture
def node_key(settings, tmp_path) -> Ed25519PrivateKey:
    """This node (``fj-350500``, a city) with a fresh key in a temporary ``NODE_KEY_FILE``."""
    path = tmp_path / "node-ed25519.pem"
    node.generate_key_file(path)
    settings.NODE_KEY_FILE = str(path)
    for name, value in THIS_NODE.items():
        setattr(settings, name, value)
    return node.private_key()


@pytest.fixture
def make_peer(db) -> Callable[..., Peer]:
    """``make_peer(level=, region=, key=)``: a trusted peer; its private key is on ``peer.private_key``."""
    numbers = itertools.count(1)

    def make(
        *,
        level: str = "province",
        region: str | None = None,
        key: Ed25519PrivateKey | None = None,
        node_id: str | None = None,
        status: str = PeerStatus.ACTIVE,
        **fields: Any,
    ) -> Peer:
        n = next(numbers)
        key = key or Ed25519PrivateKey.generate()
        region = region or {"province": "350000", "city": f"35{n + 1:02d}00", "county": f"3505{n:02d}"}[level]
        node_id = node_id or f"fj-{region}"
        if Peer.objects.filter(node_id=node_id).exists():
            node_id = f"{node_id}-{n}"
        peer = Peer.objects.create(
            node_id=node_id,
            name=fields.pop("name", f"节点 {node_id}"),
            url=fields.pop("url", f"http://{node_id}.test"),
            level=level,
            region=region,
            public_key=node.public_key_b64(key),
            status=status,
            **fields,
        )
        peer.private_key = key  # type: ignore[attr-defined]  # the tests sign as this peer
        return peer

    return make


def body_bytes(body: Any) -> bytes:
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def signed_prepared(
    body: Any,
    *,
    key: Ed25519PrivateKey,
    node_id: str,
    now: datetime | None = None,
    nonce: str | None = None,
    tamper: Tamper | None = None,
    path: str = MESSAGES_PATH,
    covered: Sequence[str] = signing.COVERED,
    keyid: str | None = None,
    lifetime: timedelta | None = None,
    with_expires: bool = True,
    with_nonce: bool = True,
) -> requests.PreparedRequest:
    """A request signed as ``node_id`` with ``key`` by ``signing.request_sign``, unless an option asks for a
    signature it would never make; then ``tamper`` (after signing, as a man in the middle would)."""
    req = requests.Request(
        "POST",
        "http://testserver" + path,
        data=body_bytes(body),
        headers={"Content-Type": "application/json"},
    ).prepare()
    odd = (tuple(covered), keyid, lifetime, with_expires, with_nonce) != (
        signing.COVERED,
        None,
        None,
        True,
        True,
    )
    if odd:
        _sign_odd(
            req,
            key=key,
            node_id=node_id,
            now=now,
            nonce=nonce,
            covered=covered,
            keyid=keyid,
            lifetime=lifetime,
            with_expires=with_expires,
            with_nonce=with_nonce,
        )
    else:
        signing.request_sign(req, key=key, node_id=node_id, now=now, nonce=nonce)
    if tamper is not None:
        tamper(req)
    return req


def _sign_odd(
    req: requests.PreparedRequest,
    *,
    key: Ed25519PrivateKey,
    node_id: str,
    now: datetime | None,
    nonce: str | None,
    covered: Sequence[str],
    keyid: str | None,
    lifetime: timedelta | None,
    with_expires: bool,
    with_nonce: bool,
) -> None:
    created = (now or timezone.now()).astimezone(UTC)
    ttl = lifetime or timedelta(seconds=django_settings.FEDERATION["SIGNATURE_TTL"])
    req.headers["X-Node-Id"] = node_id
    req.headers["Content-Digest"] = signing.content_digest(body_bytes(req.body or b""))
    keyid = keyid or node_id
    signer = HTTPMessageSigner(
        signature_algorithm=algorithms.ED25519,
        key_resolver=MappingKeyResolver(public_keys={}, private_keys={keyid: key}),
    )
    signer.sign(
        req,
        key_id=keyid,
        created=created,
        expires=created + ttl if with_expires else None,
        nonce=(nonce or secrets.token_urlsafe(16)) if with_nonce else None,
        label=signing.LABEL,
        tag=signing.TAG,
        covered_component_ids=covered,
        use_existing_digest=True,
    )


def _django_headers(req: requests.PreparedRequest) -> dict[str, str]:
    return {k: v for k, v in req.headers.items() if k.lower() not in ("content-type", "content-length")}


def post_prepared(client: Any, req: requests.PreparedRequest) -> Any:
    """Send a prepared request through Django's test client (or build it with a ``RequestFactory``)."""
    return client.generic(
        req.method,
        req.path_url,
        data=req.body or b"",
        content_type=req.headers.get("Content-Type", "application/json"),
        headers=_django_headers(req),
        REMOTE_ADDR="192.0.2.7",
    )


@pytest.fixture
def signed_post() -> Callable[..., Any]:
    """``signed_post(client, body, *, key, node_id, now=None, nonce=None, tamper=None, **options)``: the response."""

    def post(client: Any, body: Any, **options: Any) -> Any:
        return post_prepared(client, signed_prepared(body, **options))

    return post


@pytest.fixture
def signed_request() -> Callable[..., HttpRequest]:
    """``signed_request(body, *, key, node_id, …)``: the Django request a view would get, for ``verify_request``."""
    factory = RequestFactory()

    def build(body: Any, **options: Any) -> HttpRequest:
        return post_prepared(factory, signed_prepared(body, **options))

    return build


# --- an upper node's catalog entry (the back-flow tests and the API's) ------------------------------------


@pytest.fixture
def province(node_key, make_peer) -> Peer:
    return make_peer(level="province", region="350000", name="福建省公共数据汇聚共享平台")


@pytest.fixture
def snapshot(producer, reviewer) -> dict:
    """A published version's content, as the province's catalog cascade sends it (items: credit_code is
    the key, company_name, established, capital)."""
    resource = publish(producer, reviewer, code="SRC-1")
    return ResourceVersion.objects.get(resource=resource, number=1).snapshot


def remote(origin: Peer, snapshot: dict, code: str = "FJ-P-1", **fields) -> RemoteEntry:
    return RemoteEntry.objects.create(
        origin=origin,
        code=code,
        version=1,
        name=fields.pop("name", "全省企业登记信息"),
        snapshot={**snapshot, "code": code},
        **fields,
    )


@pytest.fixture
def entry(province, snapshot) -> RemoteEntry:
    return remote(province, snapshot)


@pytest.fixture
def county_applicant(jinjiang):
    unit = factories.unit("晋江市市场监督管理局", UnitKind.GOVERNMENT, jinjiang)
    return factories.person(unit, Role.DATA_ADMIN, username="county_applicant")
