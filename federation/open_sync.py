"""Open data in sync (Q6.3, F9; docs/federation.md §11): the open catalog goes to the provincial portal.

Sender: ``post_save`` receivers on the opening workflow's history rows (``OpenEntryChange``) and on the catalog's
published versions (``ResourceVersion``) fire inside the workflow's transaction, so each outbox row commits with
the decision that caused it or not at all. Only an entry that is OPEN is sent: the authority decided it, and
only its reviewed content goes (``public_dataset``, or the version the authority just published). A city's open
catalog goes to its province, a county's to its city.

Receiver: the province keeps a ``RemoteDataset`` per (origin, slug) and its portal (``/open/network/``) links to
the origin's own dataset page and downloads; a node may only link to itself, so every URL must be on the host
of the sending peer.
"""

import re
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import F, QuerySet
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone

from catalog.models import ResourceVersion
from catalog.search.text import query_terms, terms_q
from dataplatform.core.actors import Actor
from opening.downloads import FORMATS
from opening.models import OpenEntry, OpenEntryChange, OpenEntryStatus
from opening.public import public_dataset

from . import bodies
from .envelope import Envelope
from .handlers import HandlerError, handler
from .models import Peer, RemoteDataset, RemoteStatus, levels_of
from .outbox import federation_send

PUBLISH = "open.dataset.publish"
WITHDRAW = "open.dataset.withdraw"
SLUG = re.compile(r"^[-a-zA-Z0-9_]{1,100}$")  # OpenEntry.slug / RemoteDataset.slug
TEXT_MAX = {"title": 200, "publisher": 200, "open_type": 20, "licence": 40}  # else 100,000
KIND = "open dataset"  # the refusals' prefix


def open_stream(slug: str) -> str:
    """One stream per dataset: its publications and withdrawals apply in the order they were decided."""
    return f"open:{slug}"


# --- sender -------------------------------------------------------------------------------------------


def upper_peers() -> list[Peer]:
    """The peers an open catalog goes to: those above this node's level. No query while federation is off
    (no ``NODE_ID``) or on the province, which has none above it. Suspended peers too: their rows go when
    they are resumed."""
    if not settings.NODE_ID:
        return []
    levels = levels_of("upper")
    if not levels:
        return []
    return list(Peer.objects.filter(level__in=levels))


def _base_url() -> str:
    return str(settings.NODE_URL).rstrip("/")


def dataset_body(entry: OpenEntry, *, snapshot: dict | None = None) -> dict:
    """What the upper portal shows of an open entry: its reviewed content (``snapshot``, the version just
    published, when given) and the links to this node's dataset page and downloads."""
    if snapshot is not None:
        title, description = snapshot["name"], snapshot.get("description", "")
    else:
        public = public_dataset(entry)
        title, description = public.name, public.description
    base = _base_url()
    formats = list(FORMATS) if entry.is_downloadable else []
    return {
        "slug": entry.slug,
        "title": title,
        "description": description or "",
        "publisher": entry.resource.producer.name,
        "open_type": entry.open_type,
        "tags": list(entry.tags or []),
        "licence": entry.licence,
        "opened_at": entry.opened_at.isoformat() if entry.opened_at else None,
        "landing_url": base + reverse("open-dataset", args=[entry.slug]),
        "distributions": [
            {"format": fmt, "url": base + reverse("open-download", kwargs={"slug": entry.slug, "fmt": fmt})}
            for fmt in formats
        ],
    }


def _publish(
    entry: OpenEntry, peers: list[Peer], *, snapshot: dict | None = None, actor: Actor = None
) -> None:
    body = dataset_body(entry, snapshot=snapshot)
    for peer in peers:
        federation_send(peer=peer, kind=PUBLISH, stream=open_stream(entry.slug), body=body, actor=actor)


def _withdraw(entry: OpenEntry, peers: list[Peer], *, actor: Actor = None) -> None:
    withdrawn_at = entry.withdrawn_at or timezone.now()
    body = {"slug": entry.slug, "reason": entry.withdrawal_reason, "withdrawn_at": withdrawn_at.isoformat()}
    for peer in peers:
        federation_send(peer=peer, kind=WITHDRAW, stream=open_stream(entry.slug), body=body, actor=actor)


@receiver(post_save, sender=OpenEntryChange, dispatch_uid="federation.open_sync.entry_changed")
def entry_changed(sender, instance: OpenEntryChange, created: bool, **kwargs) -> None:
    """Opened or re-typed: publish; left the open state (withdrawn): withdraw."""
    if not created or not settings.NODE_ID:
        return
    opened = instance.to_status == OpenEntryStatus.OPEN
    closed = instance.from_status == OpenEntryStatus.OPEN and not opened
    if not (opened or closed):
        return
    peers = upper_peers()
    if not peers:
        return
    entry = OpenEntry.objects.select_related("resource__producer").get(pk=instance.entry_id)
    if opened:
        _publish(entry, peers, actor=instance.actor)
    else:
        _withdraw(entry, peers, actor=instance.actor)


@receiver(post_save, sender=ResourceVersion, dispatch_uid="federation.open_sync.version_published")
def version_published(sender, instance: ResourceVersion, created: bool, **kwargs) -> None:
    """A new published version of an open entry's resource: publish it again, with the version's content.

    The version row is written before the resource is saved as published (catalog.workflow), so the
    reviewed content is the version's snapshot, not ``public_dataset`` (which still reads the last one).
    """
    if not created or not settings.NODE_ID or not levels_of("upper"):  # off, or the province: nobody above
        return
    entry = (
        OpenEntry.objects.filter(resource_id=instance.resource_id, status=OpenEntryStatus.OPEN)
        .select_related("resource__producer")
        .first()
    )
    if entry is None:
        return
    peers = upper_peers()
    if peers:
        _publish(entry, peers, snapshot=instance.snapshot, actor=instance.published_by)


def open_send_all(peer: Peer, *, actor: Actor = None) -> int:
    """Backfill: queue the publication of every open entry to ``peer`` (an upper peer just registered);
    answer how many. 0 for a peer that is not above this node, or while federation is off."""
    if not settings.NODE_ID or peer.relation != "upper":
        return 0
    entries = OpenEntry.objects.filter(status=OpenEntryStatus.OPEN).select_related("resource__producer")
    sent = 0
    with transaction.atomic():
        for entry in entries.order_by("slug"):
            _publish(entry, [peer], actor=actor)
            sent += 1
    return sent


# --- receiver -----------------------------------------------------------------------------------------


def _from_lower(peer: Peer) -> None:
    if peer.relation != "lower":
        raise HandlerError(
            f"{peer.node_id} is not a lower node: only a lower node's open catalog is synced here"
        )


def _text(body: dict, name: str, *, required: bool = False) -> str:
    return bodies.text(body, name, TEXT_MAX.get(name, 100_000), required=required, kind=KIND)


def _slug(body: dict, envelope: Envelope) -> str:
    slug = body.get("slug")
    if not isinstance(slug, str) or not SLUG.match(slug):
        raise HandlerError('open dataset: "slug" must be a public name (letters, digits, hyphens)')
    if envelope.stream != open_stream(slug):
        # The stream orders one dataset's messages: a message on it may not change another dataset.
        raise HandlerError(f"open dataset: {slug!r} does not belong on stream {envelope.stream!r}")
    return slug


def _own_url(peer: Peer, value: Any, name: str) -> str:
    """An http(s) URL on the peer's own host: a node links the portal to its own pages only."""
    own = urlsplit(peer.url).netloc.lower()
    parts = urlsplit(value) if isinstance(value, str) else None
    if (
        parts is None
        or len(value) > 500
        or parts.scheme not in ("http", "https")
        or parts.netloc.lower() != own
        or any(ch.isspace() for ch in value)
    ):
        raise HandlerError(
            f'open dataset: "{name}" must be an http(s) URL on {own}: a node links only to itself'
        )
    return value


def _tags(body: dict) -> list[str]:
    tags = body.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(tag, str) and len(tag) <= 50 for tag in tags):
        raise HandlerError('open dataset: "tags" must be a list of short texts')
    return tags


def _distributions(peer: Peer, body: dict) -> list[dict]:
    distributions = body.get("distributions") or []
    if not isinstance(distributions, list):
        raise HandlerError('open dataset: "distributions" must be a list')
    cleaned = []
    for item in distributions:
        fmt = item.get("format") if isinstance(item, dict) else None
        if not isinstance(fmt, str) or not re.fullmatch(r"[a-z0-9]{1,10}", fmt):
            raise HandlerError('open dataset: each distribution has a "format" such as csv')
        cleaned.append({"format": fmt, "url": _own_url(peer, item.get("url"), "distributions.url")})
    return cleaned


def _search_text(title: str, description: str, publisher: str, tags: list[str]) -> str:
    return " ".join([title, description, publisher, *tags]).lower()


@handler(PUBLISH)
def open_dataset_publish(peer: Peer, envelope: Envelope) -> None:
    """Upsert the lower node's open dataset: listed on the portal, linking to the origin's pages."""
    _from_lower(peer)
    body = envelope.body
    slug = _slug(body, envelope)
    title, description = _text(body, "title", required=True), _text(body, "description")
    publisher, tags = _text(body, "publisher"), _tags(body)
    fields = {
        "title": title,
        "description": description,
        "publisher_name": publisher,
        "open_type": _text(body, "open_type"),
        "tags": tags,
        "licence": _text(body, "licence"),
        "opened_at": bodies.moment(body, "opened_at", required=False, kind=KIND),
        "landing_url": _own_url(peer, body.get("landing_url"), "landing_url"),
        "distributions": _distributions(peer, body),
        "search_text": _search_text(title, description, publisher, tags),
        "status": RemoteStatus.ACTIVE,
        "withdrawal_reason": "",
        "withdrawn_at": None,
        "message_id": envelope.id,
    }
    RemoteDataset.objects.update_or_create(origin=peer, slug=slug, defaults=fields)


@handler(WITHDRAW)
def open_dataset_withdraw(peer: Peer, envelope: Envelope) -> None:
    """Retire the lower node's dataset: no longer listed. One never received leaves nothing to retire."""
    _from_lower(peer)
    body = envelope.body
    slug = _slug(body, envelope)
    reason = _text(body, "reason")
    withdrawn_at = bodies.moment(body, "withdrawn_at", required=False, kind=KIND) or timezone.now()
    RemoteDataset.objects.filter(origin=peer, slug=slug).update(
        status=RemoteStatus.RETIRED,
        withdrawal_reason=reason,
        withdrawn_at=withdrawn_at,
        message_id=envelope.id,
        updated_at=timezone.now(),
    )


# --- the portal's reads -------------------------------------------------------------------------------


def remote_datasets() -> QuerySet[RemoteDataset]:
    """The lower nodes' open datasets the portal lists: active ones; a withdrawn one is not shown."""
    return RemoteDataset.objects.filter(status=RemoteStatus.ACTIVE).select_related("origin")


def remote_datasets_search(*, q: str = "", origin: Peer | None = None) -> QuerySet[RemoteDataset]:
    """Active datasets with every word of ``q`` (jieba's words, as the catalog search), of ``origin`` when
    given, newest opened first."""
    datasets = remote_datasets()
    if origin is not None:
        datasets = datasets.filter(origin=origin)
    terms = query_terms(q)
    if terms:
        datasets = datasets.filter(terms_q("search_text", terms))
    return datasets.order_by(F("opened_at").desc(nulls_last=True), "origin__name", "slug")


def remote_origins() -> QuerySet[Peer]:
    """The nodes that have an active dataset here, for the portal's filter."""
    return Peer.objects.filter(remote_datasets__status=RemoteStatus.ACTIVE).distinct().order_by("name")
