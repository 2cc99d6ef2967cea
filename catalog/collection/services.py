"""The collection catalog (采集目录): which unit is the legal source of which data item (Q3.1, G14).

The authority keeps it. A catalog entry that carries an item whose legal source is another unit is
flagged with that source (a ``SourceConflict``); the authority confirms it (a reference to the source's
data, say) or refuses it, and an entry with an unconfirmed flag is not published (Q3.3: what can be had
by sharing is not collected again).
"""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from audit.services import audit_record
from dataplatform.core.audit_actions import AuditAction
from dataplatform.core.errors import ApplicationError, Forbidden
from dataplatform.core.models import Role, Unit, User
from dataplatform.core.notifications import notify
from dataplatform.core.people import data_admins, regions_reviewed_by, reviewers_of, reviews_for_unit

from ..models import CollectionItem, DataItem, Resource, ResourceStatus, SourceCheckStatus, SourceConflict


def collection_item_create(
    *,
    actor: User,
    identifier: str,
    label: str,
    source_unit: Unit,
    legal_basis: str = "",
    description: str = "",
    request=None,
) -> CollectionItem:
    """The authority names the legal source of a data item, then flags the entries of other units
    that already carry it."""
    if not reviews_for_unit(actor, source_unit):
        raise Forbidden(
            _("Only the data authority of the source unit's region keeps its collection catalog.")
        )
    existing = CollectionItem.objects.filter(identifier=identifier, is_active=True).first()
    if existing is not None:
        raise ApplicationError(
            _("%(existing)s already has a legal source: %(source_unit)s. One item, one source.")
            % {"existing": existing.label, "source_unit": existing.source_unit},
            extra={"existing_source": existing.source_unit_id},
        )
    item = CollectionItem(
        identifier=identifier,
        label=label,
        description=description,
        source_unit=source_unit,
        legal_basis=legal_basis,
        created_by=actor,
    )
    item.full_clean()
    try:
        with transaction.atomic():
            item.save()
            audit_record(
                action=AuditAction.COLLECTION_ITEM_CREATE,
                actor=actor,
                request=request,
                target=item,
                owner_unit=source_unit,
                detail={"identifier": identifier, "source_unit": source_unit.pk},
            )
            carriers = Resource.objects.filter(
                Q(items__name=identifier) | Q(items__label=label), ~Q(producer=source_unit)
            ).exclude(status=ResourceStatus.RETIRED)
            for resource in carriers.distinct():
                source_conflicts_refresh(resource=resource, actor=actor, request=request)
    except IntegrityError as exc:  # a concurrent registration of the same item
        raise ApplicationError(_("This item already has a legal source. One item, one source.")) from exc
    return item


def _sources_by_item() -> tuple[dict[str, CollectionItem], dict[str, CollectionItem]]:
    """The collection catalog in force, by identifier and by label: one small query."""
    items = list(CollectionItem.objects.filter(is_active=True).select_related("source_unit"))
    return {i.identifier: i for i in items}, {i.label: i for i in items}


def source_conflicts_refresh(*, resource: Resource, actor: User | None = None, request=None) -> list:
    """Flag the entry's data items whose legal source is another unit; drop flags for items it no
    longer carries. Call inside the transaction that changed the items.

    A record key (an ID number keying a unit's own records) names whose record it is: it links to the
    source rather than collecting the item again, so keys are not flagged.
    """
    by_identifier, by_label = _sources_by_item()
    wanted: dict[str, tuple[DataItem, CollectionItem]] = {}
    for item in resource.items.filter(is_key=False):
        source = by_identifier.get(item.name) or by_label.get(item.label)
        if source is not None and source.source_unit_id != resource.producer_id:
            wanted[item.name] = (item, source)
    current = {c.item_name: c for c in resource.source_conflicts.all()}
    stale = [
        c.pk
        for name, c in current.items()
        if name not in wanted or c.collection_item_id != wanted[name][1].pk
    ]
    SourceConflict.objects.filter(pk__in=stale).delete()
    new = [
        SourceConflict(resource=resource, item_name=name, item_label=item.label, collection_item=source)
        for name, (item, source) in wanted.items()
        if name not in current or current[name].pk in stale
    ]
    SourceConflict.objects.bulk_create(new)
    if new:
        audit_record(
            action=AuditAction.RESOURCE_SOURCE_FLAGGED,
            actor=actor,
            request=request,
            target=resource,
            owner_unit=resource.producer,
            data_items=[c.item_name for c in new],
            detail={"sources": {c.item_name: c.collection_item.source_unit_id for c in new}},
        )
        notify(
            recipients=reviewers_of(resource.producer.region),
            title=gettext_noop("Data items with a legal source elsewhere, to confirm: %(resource)s"),
            params={"resource": resource.name},
            body="; ".join(f"{c.item_label} ({c.collection_item.source_unit})" for c in new),
            url=f"/catalog/{resource.pk}/",
        )
    return new


def source_conflict_decide(
    *, actor: User, conflict: SourceConflict, confirm: bool, note: str = "", request=None
) -> SourceConflict:
    """The authority confirms that the entry may carry the item (e.g. as a reference), or refuses it:
    a refused item must leave the entry before it is published."""
    with transaction.atomic():
        conflict = (
            SourceConflict.objects.select_for_update(of=("self",))
            .select_related("resource__producer", "collection_item__source_unit")
            .get(pk=conflict.pk)
        )
        if not reviews_for_unit(actor, conflict.resource.producer):
            raise Forbidden(_("Only the reviewing authority decides."))
        if conflict.status != SourceCheckStatus.PENDING:
            raise ApplicationError(
                _("This source check is %(status)s already.") % {"status": conflict.get_status_display()}
            )
        if not confirm and not note.strip():
            raise ApplicationError(_("Say why the item may not be collected again."))
        conflict.status = SourceCheckStatus.CONFIRMED if confirm else SourceCheckStatus.REFUSED
        conflict.note = note
        conflict.decided_by = actor
        conflict.decided_at = timezone.now()
        conflict.save()
        resource = conflict.resource
        audit_record(
            action=AuditAction.SOURCE_CONFLICT_CONFIRM if confirm else AuditAction.SOURCE_CONFLICT_REFUSE,
            actor=actor,
            request=request,
            target=resource,
            owner_unit=resource.producer,
            data_items=[conflict.item_name],
            detail={"source_unit": conflict.collection_item.source_unit_id, "note": note},
        )
        notify(
            recipients=data_admins(resource.producer),
            title=gettext_noop("Source check of the data item “%(item)s”: %(status)s"),
            params={"item": conflict.item_label, "status": SourceCheckStatus(conflict.status).label},
            body=note,
            url=f"/catalog/{resource.pk}/",
        )
    return conflict


def unconfirmed_sources(resource: Resource) -> list[SourceConflict]:
    return list(resource.source_conflicts.exclude(status=SourceCheckStatus.CONFIRMED))


# --- reads ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LegalSource:
    unit_id: int
    unit_name: str


def legal_sources() -> dict[str, LegalSource]:
    """Item identifier or label → its legal source, for the catalog search to show beside each item."""
    by_identifier, by_label = _sources_by_item()
    found = {label: LegalSource(i.source_unit_id, i.source_unit.name) for label, i in by_label.items()}
    found.update(
        {name: LegalSource(i.source_unit_id, i.source_unit.name) for name, i in by_identifier.items()}
    )
    return found


def legal_source_of(sources: dict[str, LegalSource], item: DataItem) -> LegalSource | None:
    return sources.get(item.name) or sources.get(item.label)


def collection_catalog_search(*, q: str = "", unit: int | None = None) -> QuerySet[CollectionItem]:
    items = CollectionItem.objects.filter(is_active=True).select_related("source_unit")
    if q:
        items = items.filter(Q(label__icontains=q) | Q(identifier__icontains=q) | Q(description__icontains=q))
    if unit:
        items = items.filter(source_unit_id=unit)
    return items


def source_resources(item: CollectionItem) -> QuerySet[Resource]:
    """The source unit's available entries that carry the item: where applicants ask for it."""
    return (
        Resource.objects.filter(producer=item.source_unit, published_version__isnull=False)
        .exclude(status=ResourceStatus.RETIRED)
        .filter(Q(items__name=item.identifier) | Q(items__label=item.label))
        .distinct()
    )


def source_conflicts_visible_to(user) -> QuerySet[SourceConflict]:
    """The producer's people see their entries' flags; reviewers those of the regions they review."""
    unit = getattr(user, "unit", None)
    visible = Q(resource__producer=unit) if unit is not None else Q(pk__in=[])
    if user.has_role(Role.REVIEWER):
        visible |= Q(resource__producer__region__in=regions_reviewed_by(user))
    return SourceConflict.objects.filter(visible).select_related(
        "resource__producer", "collection_item__source_unit", "decided_by"
    )
