"""What publishing an entry's items would do to its stored records, for the authority to see before it
publishes (the review page, the API) and to keep in the publication's audit event: the items whose
values are dropped and those whose values are converted, the ones that do not fit becoming empty."""

from ..models import Resource, ResourceVersion
from .layout import columns_of
from .published import ITEM_VALUES
from .reads import has_records, record_count
from .tables import layout_changes


def publication_changes(resource: Resource, items: list[dict] | None = None) -> dict | None:
    """``layout_changes`` from the published version to ``items`` (the entry's current ones when None),
    with how many records there are; None when no stored value is dropped or converted."""
    if not resource.published_version or not has_records(resource_id=resource.pk):
        return None
    snapshot = (
        ResourceVersion.objects.filter(resource=resource, number=resource.published_version)
        .values_list("snapshot", flat=True)
        .first()
    )
    if not snapshot:
        return None
    if items is None:
        items = list(resource.items.values(*ITEM_VALUES))
    changes = layout_changes(columns_of(snapshot.get("items") or []), columns_of(items))
    if not changes["dropped"] and not changes["converted"]:
        return None
    return {**changes, "records": record_count(resource_id=resource.pk)}
