"""Mirrored resources (docs/federation.md §14): an upper node's entry as a local one, its records from
that node's transfers.

A mirror is made when the upper node grants a back-flow application. It is published at once, as version
1 of what the upper node's catalog said, restricted to the granted items: the entry was reviewed at its
origin, so it does not pass this node's review. This node then grants its own units from it under its own
workflow and limits. It is produced by the unit that stands here for the upper node (``peer_unit``), and
is not opened again here.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import (
    Classification,
    DataFormat,
    DataItem,
    GradingLevel,
    OpenType,
    Resource,
    ResourceStatus,
    ResourceStatusChange,
    ResourceVersion,
    ShareScope,
    ShareType,
)
from catalog.records import columns_of, ensure_table
from catalog.search.text import resource_index
from catalog.snapshots import DATA_ITEM_FIELDS, SNAPSHOT_FIELDS, resource_snapshot

from .acting import peer_unit
from .models import BackflowRequest


def mirror_create(request: BackflowRequest) -> Resource:
    """The mirror of the request's entry: the one made before for (origin node, code), else a new one,
    published with the granted items and the key item, and its records table."""
    entry = request.remote_entry
    origin = entry.origin
    with transaction.atomic():
        existing = (
            Resource.objects.select_for_update()
            .filter(origin_node=origin.node_id, origin_code=entry.code)
            .first()
        )
        if existing is not None:
            return existing
        snapshot = entry.snapshot or {}
        resource = Resource.objects.create(
            code=_mirror_code(entry.code, origin.region),
            origin_node=origin.node_id,
            origin_code=entry.code,
            producer=peer_unit(origin),
            created_by=request.created_by,
            **_fields_of(snapshot, entry.name, origin.name),
        )
        items = mirror_items(snapshot, request.items)
        DataItem.objects.bulk_create(
            [
                DataItem(resource=resource, position=position, **item)
                for position, item in enumerate(items, start=1)
            ]
        )
        return _publish(resource, origin.name)


def _mirror_code(code: str, region: str) -> str:
    """The origin's code when no local entry holds it, else the code marked with the origin's region."""
    if not Resource.objects.filter(code=code).exists():
        return code
    return f"{code}-{region}"[: Resource._meta.get_field("code").max_length]


def _fields_of(snapshot: dict, name: str, origin_name: str) -> dict:
    fields = {field: snapshot[field] for field in SNAPSHOT_FIELDS if field in snapshot}
    fields.pop("code", None)
    code = fields.pop("classification", None)
    share_type = fields.get("share_type") or ShareType.CONDITIONAL
    return {
        **fields,
        "name": fields.get("name") or name,
        "classification": Classification.objects.filter(code=code).first() if code else None,
        "data_format": DataFormat.TABLE,
        "share_type": share_type,
        "share_scope": fields.get("share_scope") or ShareScope.ALL_GOVERNMENT,
        # A mirror is not opened again here: the origin opens its data, if at all.
        "open_type": OpenType.NOT_OPEN,
        "not_open_reason": _("Data flowing back from %(node)s: opened, if at all, at its origin.")
        % {"node": origin_name},
        "grading_level": fields.get("grading_level") or GradingLevel.LEVEL_1,
        "service_methods": fields.get("service_methods") or [],
        "related_codes": fields.get("related_codes") or [],
        "holds_no_classified_data": True,  # Q8.3: declared at the origin; classified data never flows
    }


def mirror_items(snapshot: dict, names: list[str]) -> list[dict]:
    """The snapshot's items that were granted, and its key item, in the snapshot's order, as DataItem
    fields."""
    wanted = set(names)
    return [
        {field: item[field] for field in DATA_ITEM_FIELDS if item.get(field) is not None}
        for item in snapshot.get("items") or []
        if item.get("name") in wanted or item.get("is_key")
    ]


def _publish(resource: Resource, origin_name: str) -> Resource:
    """Version 1 and the records table, as a publication makes them (catalog.workflow), without the
    review: the entry was reviewed at its origin."""
    now = timezone.now()
    resource = Resource.objects.prefetch_related("items").get(pk=resource.pk)
    snapshot = resource_snapshot(resource)
    ResourceVersion.objects.create(resource=resource, number=1, snapshot=snapshot, published_at=now)
    ensure_table(resource.pk, columns_of(snapshot["items"]))
    Resource.objects.filter(pk=resource.pk).update(
        status=ResourceStatus.PUBLISHED, published_version=1, published_at=now
    )
    resource.status, resource.published_version, resource.published_at = ResourceStatus.PUBLISHED, 1, now
    ResourceStatusChange.objects.create(
        resource=resource,
        action="publish",
        from_status=ResourceStatus.DRAFT,
        to_status=ResourceStatus.PUBLISHED,
        reason=_("Mirrored from %(node)s for back-flow: the entry was reviewed there.")
        % {"node": origin_name},
        at=now,
    )
    resource_index(resource)
    return resource
