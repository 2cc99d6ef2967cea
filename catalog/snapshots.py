"""A resource's content as plain data, for versions and for the difference between two versions."""

from .models import Resource

SNAPSHOT_FIELDS = [
    "code",
    "classification",
    "name",
    "description",
    "category",
    "data_format",
    "update_frequency",
    "share_type",
    "share_conditions",
    "share_basis",
    "share_scope",
    "open_type",
    "not_open_reason",
    "grading_level",
    "service_methods",
    "related_codes",
    "holds_no_classified_data",
]
UNIT_FIELDS = ["producer", "collecting_unit", "approving_unit", "providing_unit"]
ITEM_FIELDS = [
    "label",
    "item_type",
    "length",
    "description",
    "is_key",
    "is_query",
    "required",
    "is_personal",
    "is_sensitive",
    "is_region",
]
# What a producer writes for a data item: its identifier and the fields above.
DATA_ITEM_FIELDS = ["name", *ITEM_FIELDS]


def item_is_query(item: dict) -> bool:
    """Whether a snapshot's item is a query item. Versions published before the flag existed lack it:
    there only the record key is one."""
    return bool(item.get("is_query")) or bool(item.get("is_key"))


def _item_field(item: dict, field: str):
    if field == "is_query":
        return item_is_query(item)
    if field == "is_region":
        return bool(item.get("is_region"))  # versions published before the flag existed lack it
    return item.get(field)


def resource_snapshot(resource: Resource) -> dict:
    snapshot = {field: getattr(resource, field) for field in SNAPSHOT_FIELDS}
    snapshot["classification"] = resource.classification.code if resource.classification else None
    for field in UNIT_FIELDS:
        unit = getattr(resource, field)
        snapshot[field] = unit.name if unit else None
    snapshot["items"] = [
        {"name": item.name, **{field: getattr(item, field) for field in ITEM_FIELDS}}
        for item in resource.items.all()
    ]
    return snapshot


def snapshot_diff(before: dict, after: dict) -> dict:
    """What changed between two snapshots: fields, and items added, removed or changed."""
    fields = [
        {"field": field, "before": before.get(field), "after": after.get(field)}
        for field in [*SNAPSHOT_FIELDS, *UNIT_FIELDS]
        if before.get(field) != after.get(field)
    ]
    old = {item["name"]: item for item in before.get("items", [])}
    new = {item["name"]: item for item in after.get("items", [])}
    changed = []
    for name in old.keys() & new.keys():
        changes = {
            field: {"before": _item_field(old[name], field), "after": _item_field(new[name], field)}
            for field in ITEM_FIELDS
            if _item_field(old[name], field) != _item_field(new[name], field)
        }
        if changes:
            changed.append({"name": name, "changes": changes})
    return {
        "fields": fields,
        "items_added": [new[name] for name in new if name not in old],
        "items_removed": [old[name] for name in old if name not in new],
        "items_changed": sorted(changed, key=lambda change: change["name"]),
    }
