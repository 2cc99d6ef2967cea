"""The catalog cascade (docs/federation.md §11): shared entries go to the other levels, with the national catalog metadata.

An entry is *cascaded* when its published version is shared (``share_type`` not ``not_shared``) with all
government units and the entry is not retired. Each new version of such an entry goes to every upper and
lower peer as ``catalog.entry.publish`` on the stream ``entry:<code>``: the upper node registers a lower
node's entries, a lower node shows the upper node's catalog read-only. A retirement, or a version that is no
longer cascaded, goes as ``catalog.entry.retire`` to the peers that were sent the entry before.

The receivers run in the workflow's transaction (catalog must not import federation, so it cannot call us):
the outbox rows commit with the publication or not at all. The receiving side keeps ``RemoteEntry`` rows.
"""

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, QuerySet
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from catalog.models import (
    Classification,
    DataItem,
    Resource,
    ResourceStatus,
    ResourceStatusChange,
    ResourceVersion,
    ShareScope,
    ShareType,
)
from catalog.search.text import query_terms, terms_q
from catalog.snapshots import DATA_ITEM_FIELDS, SNAPSHOT_FIELDS, item_is_query
from catalog.spreadsheet import catalog_records
from dataplatform.core.actors import Actor
from dataplatform.core.models import Role
from dataplatform.core.people import works_for_government

from . import bodies
from .envelope import Envelope
from .handlers import HandlerError, handler
from .models import Peer, RemoteEntry, RemoteStatus, StreamCounter, levels_of
from .outbox import federation_send

PUBLISH = "catalog.entry.publish"
RETIRE = "catalog.entry.retire"
RELATIONS = ("upper", "lower")  # a peer of the same level gets no catalog


def entry_stream(code: str) -> str:
    return f"entry:{code}"


# --- the sender -----------------------------------------------------------------------------------


def cascade_peers() -> list[Peer]:
    """The upper and lower peers, suspended ones included (their rows go out on resume); none, without a
    query, when federation is off."""
    if not settings.NODE_ID:
        return []
    return list(Peer.objects.exclude(level=settings.NODE_LEVEL))


def snapshot_is_cascaded(snapshot: dict) -> bool:
    # Versions published before the share scope existed were shared with all government units.
    scope = snapshot.get("share_scope") or ShareScope.ALL_GOVERNMENT
    return snapshot.get("share_type") != ShareType.NOT_SHARED and scope == ShareScope.ALL_GOVERNMENT


@receiver(post_save, sender=ResourceVersion, dispatch_uid="federation.cascade.version_published")
def _version_published(sender, instance: ResourceVersion, created: bool, raw: bool = False, **kwargs) -> None:
    if not created or raw:
        return
    peers = cascade_peers()
    if not peers:
        return
    resource = instance.resource
    if resource.origin_node:  # a mirror (back-flow, §14) came from above: it never goes back up
        peers = [peer for peer in peers if peer.relation != "upper"]
    if snapshot_is_cascaded(instance.snapshot):
        _publish_send(resource, instance, peers, actor=instance.published_by)
    else:  # no longer shared with every government unit: the peers that have it drop it
        _retire_send(resource, instance.number, peers, actor=instance.published_by)


@receiver(post_save, sender=ResourceStatusChange, dispatch_uid="federation.cascade.entry_retired")
def _entry_retired(
    sender, instance: ResourceStatusChange, created: bool, raw: bool = False, **kwargs
) -> None:
    if not created or raw or instance.to_status != ResourceStatus.RETIRED:
        return
    peers = cascade_peers()
    if peers:
        resource = instance.resource
        _retire_send(resource, resource.published_version or 0, peers, actor=instance.actor)


def _publish_send(resource: Resource, version: ResourceVersion, peers: list[Peer], *, actor: Actor) -> None:
    body = publish_body(resource, version)
    for peer in peers:
        federation_send(peer=peer, kind=PUBLISH, stream=entry_stream(resource.code), body=body, actor=actor)


def _retire_send(resource: Resource, version: int, peers: list[Peer], *, actor: Actor) -> None:
    stream = entry_stream(resource.code)
    sent_before = set(
        StreamCounter.objects.filter(stream=stream, peer__in=peers).values_list("peer", flat=True)
    )
    body = {"code": resource.code, "version": version, "retired_at": timezone.now().isoformat()}
    for peer in peers:
        if peer.pk in sent_before:
            federation_send(peer=peer, kind=RETIRE, stream=stream, body=body, actor=actor)


def publish_body(resource: Resource, version: ResourceVersion) -> dict:
    snapshot = version.snapshot
    return {
        "code": resource.code,
        "version": version.number,
        "published_at": version.published_at.isoformat(),
        "snapshot": snapshot,
        "metadata": national_metadata(resource, version),
        "producer": snapshot.get("producer") or resource.producer.name,
        "credit_code": resource.producer.credit_code,
    }


def national_metadata(resource: Resource, version: ResourceVersion) -> list[dict[str, Any]]:
    """The guide's rows (``catalog.spreadsheet``), one per data item, of the version, not of the working
    copy: an entry under revision must not show its unreviewed changes to another node."""
    return list(catalog_records([_as_published(resource, version)]))


def _as_published(resource: Resource, version: ResourceVersion) -> Resource:
    """An unsaved entry holding what ``version`` said, for ``catalog_records``. The units are the entry's own
    (a snapshot keeps their names only; the provider's credit code is the unit's)."""
    snapshot = version.snapshot
    fields = {name: snapshot.get(name, getattr(resource, name)) for name in SNAPSHOT_FIELDS}
    fields["classification"] = _classification(resource, snapshot.get("classification"))
    copy = Resource(
        pk=resource.pk,
        producer=resource.producer,
        providing_unit=resource.providing_unit if snapshot.get("providing_unit") else None,
        published_at=version.published_at,
        published_version=version.number,
        **fields,
    )
    items = [
        DataItem(
            **{name: item[name] for name in DATA_ITEM_FIELDS if name in item and name != "is_query"},
            is_query=item_is_query(item),
        )
        for item in snapshot.get("items", [])
    ]
    # catalog_records reads resource.items.all(): the version's items stand in as if prefetched.
    copy._prefetched_objects_cache = {"items": items}  # type: ignore[attr-defined]
    return copy


def _classification(resource: Resource, code: str | None) -> Classification | None:
    if not code:
        return None
    if resource.classification is not None and resource.classification.code == code:
        return resource.classification
    return Classification.objects.filter(code=code).first()


def cascaded_versions() -> QuerySet[ResourceVersion]:
    """The published version of every available entry; ``snapshot_is_cascaded`` says which go."""
    return (
        ResourceVersion.objects.filter(resource__published_version=F("number"))
        .exclude(resource__status=ResourceStatus.RETIRED)
        .exclude(snapshot__share_type=ShareType.NOT_SHARED)
        .select_related("resource__producer", "resource__providing_unit", "resource__classification")
        .order_by("resource__code")
    )


def catalog_send_all(peer: Peer, *, actor: Actor = None) -> int:
    """Queue every cascaded entry's publication to ``peer`` (a new peer, a changed level, a resend); return
    how many. The receiver overwrites an entry with the same version, so a resend changes nothing there."""
    if not settings.NODE_ID or peer.relation not in RELATIONS:
        return 0
    sent = 0
    versions = cascaded_versions()
    if peer.relation == "upper":
        versions = versions.filter(resource__origin_node="")  # mirrors never go back up (§14)
    with transaction.atomic():
        for version in versions.iterator(chunk_size=500):
            if snapshot_is_cascaded(version.snapshot):
                _publish_send(version.resource, version, [peer], actor=actor)
                sent += 1
    return sent


# --- the receiver -------------------------------------------------------------------------------------


def _publish_parse(body: dict) -> dict:
    snapshot, metadata = body.get("snapshot"), body.get("metadata")
    if not isinstance(snapshot, dict):
        raise HandlerError('"snapshot" must be an object')
    if not isinstance(metadata, list) or not all(isinstance(row, dict) for row in metadata):
        raise HandlerError('"metadata" must be a list of objects')
    items = snapshot.get("items", [])
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise HandlerError('"snapshot.items" must be a list of objects')
    return {
        "code": bodies.text(body, "code", 60),
        "version": bodies.whole(body, "version"),
        "published_at": bodies.moment(body, "published_at"),
        "name": bodies.text(snapshot, "name", 200),
        "description": bodies.text(snapshot, "description", 100_000, required=False),
        "category": bodies.text(snapshot, "category", 40, required=False),
        "share_type": bodies.text(snapshot, "share_type", 20, required=False),
        "open_type": bodies.text(snapshot, "open_type", 20, required=False),
        "update_frequency": bodies.text(snapshot, "update_frequency", 20, required=False),
        "producer_name": bodies.text(body, "producer", 200, required=False),
        "snapshot": snapshot,
        "metadata": metadata,
    }


def search_text_of(fields: dict) -> str:
    items = fields["snapshot"].get("items", [])
    words = [fields["name"], fields["description"], fields["producer_name"], fields["code"]]
    words += [str(item.get(key) or "") for item in items for key in ("name", "label")]
    return " ".join(word for word in words if word).lower()


def _entry_code(peer: Peer, envelope: Envelope) -> str:
    """The entry's code, on its own stream, from a node above or below this one (as the sender sends)."""
    if peer.relation not in RELATIONS:
        raise HandlerError("a node of the same level registers no catalog entry here")
    code = bodies.text(envelope.body, "code", 60)
    if envelope.stream != entry_stream(code):
        # The stream orders one entry's messages: a message on it may not change another entry.
        raise HandlerError(f"the entry {code!r} does not belong on stream {envelope.stream!r}")
    return code


@handler(PUBLISH)
def entry_publish(peer: Peer, envelope: Envelope) -> None:
    """Register (or update) the origin's entry; an older version than the one kept changes nothing."""
    code = _entry_code(peer, envelope)
    fields = _publish_parse(envelope.body)
    del fields["code"]
    entry = RemoteEntry.objects.select_for_update().filter(origin=peer, code=code).first()
    if entry is not None and entry.version > fields["version"]:
        return
    entry = entry or RemoteEntry(origin=peer, code=code)
    for name, value in fields.items():
        setattr(entry, name, value)
    entry.search_text = search_text_of({**fields, "code": code})
    entry.status = RemoteStatus.ACTIVE
    entry.retired_at = None
    entry.message_id = envelope.id
    entry.save()


@handler(RETIRE)
def entry_retire(peer: Peer, envelope: Envelope) -> None:
    code, version = _entry_code(peer, envelope), bodies.whole(envelope.body, "version")
    retired_at = bodies.moment(envelope.body, "retired_at")
    entry = RemoteEntry.objects.select_for_update().filter(origin=peer, code=code).first()
    if entry is None or entry.version > version:
        return  # never registered here, or a newer version came since
    entry.status = RemoteStatus.RETIRED
    entry.retired_at = retired_at
    entry.message_id = envelope.id
    entry.save(update_fields=["status", "retired_at", "message_id", "updated_at"])


# --- the reads: who sees the other nodes' catalogs, and the search ---------------------------------------


def remote_catalog_visible(user) -> bool:
    """The people who may search the local catalog (catalog.access): a government unit's people, and the
    platform administrators."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.has_role(Role.PLATFORM_ADMIN) or works_for_government(user)


def remote_entries_search(
    *, q: str = "", origin: int | None = None, relation: str = "", retired: bool = False
) -> QuerySet[RemoteEntry]:
    """Entries of other nodes that have every word of ``q``; available ones unless ``retired`` is asked."""
    entries = RemoteEntry.objects.select_related("origin").defer("snapshot", "metadata", "search_text")
    if not retired:
        entries = entries.filter(status=RemoteStatus.ACTIVE)
    if origin:
        entries = entries.filter(origin=origin)
    if relation in RELATIONS:
        entries = entries.filter(origin__level__in=levels_of(relation))
    # The words as the local catalog's search and the portal's read them (jieba, stop words dropped).
    terms = query_terms(q)
    if terms:
        entries = entries.filter(terms_q("search_text", terms))
    return entries.order_by("name", "origin__node_id", "code")


def remote_entry_for_user(user, pk: int) -> RemoteEntry | None:
    if not remote_catalog_visible(user):
        return None
    return RemoteEntry.objects.select_related("origin").filter(pk=pk).first()


@dataclass(frozen=True)
class RemoteHit:
    name: str
    code: str
    origin_name: str
    url: str


@dataclass(frozen=True)
class RemoteResults:
    title: str
    results: list[RemoteHit]
    more_url: str


def remote_search(*, user, q: str, limit: int = 5) -> RemoteResults | None:
    """The catalog search's block of other nodes' entries (CATALOG_SEARCH_PROVIDERS): one query, ``limit``
    rows; None when the person may not see them or none match."""
    if not remote_catalog_visible(user) or not query_terms(q):
        return None
    found = list(remote_entries_search(q=q)[:limit])
    if not found:
        return None
    results = [
        RemoteHit(
            name=entry.name,
            code=entry.code,
            origin_name=entry.origin.name,
            url=reverse("federation-remote-entry", args=[entry.pk]),
        )
        for entry in found
    ]
    more_url = f"{reverse('federation-catalog')}?{urlencode({'q': q})}"
    return RemoteResults(title=_("From other nodes' catalogs"), results=results, more_url=more_url)
