"""Temporary collection outside the collection catalog (Q3.2) and data collected for an emergency (G40).

A unit records each temporary collection with its reason and end date, marked with the emergency it
serves if any. The authority declares an emergency and records its end; from then on the platform lists
every collection made for it until the unit records that the data was sealed, destroyed, or kept as a
law requires. Sealing or destroying data held in a catalog entry retires the entry, and destroying it
deletes its records too.
"""

import datetime as dt

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from audit.services import audit_record
from dataplatform.core.actors import acts_for
from dataplatform.core.audit_actions import AuditAction
from dataplatform.core.errors import ApplicationError, Forbidden
from dataplatform.core.models import Role, Unit, User
from dataplatform.core.notifications import notify
from dataplatform.core.people import data_admins, is_government_staff, regions_reviewed_by, reviewers_of

from ..models import Disposal, Emergency, Resource, ResourceStatus, TemporaryCollection
from ..workflow import resource_transition


def _reviews_region(user: User, region_id: int) -> bool:
    return regions_reviewed_by(user).filter(pk=region_id).exists()


def _regions_up(unit: Unit) -> list[int]:
    """A unit's region and the city above it: a city emergency covers the counties."""
    region = unit.region
    return [region.pk] + ([region.parent_id] if region.parent_id else [])


# --- emergencies ----------------------------------------------------------------------------------


def emergency_declare(
    *, actor: User, name: str, started_on: dt.date, description: str = "", request=None
) -> Emergency:
    if not actor.has_role(Role.REVIEWER) or actor.unit is None:
        raise Forbidden(_("Only a data authority declares an emergency."))
    if not name.strip():
        raise ApplicationError(_("Name the emergency."))
    with transaction.atomic():
        emergency = Emergency.objects.create(
            name=name,
            description=description,
            region=actor.unit.region,
            started_on=started_on,
            declared_by=actor,
        )
        audit_record(
            action=AuditAction.EMERGENCY_DECLARE,
            actor=actor,
            request=request,
            target=emergency,
            owner_unit=actor.unit,
            detail={"started_on": started_on.isoformat()},
        )
    return emergency


def emergency_end(*, actor: User, emergency: Emergency, ended_on: dt.date, request=None) -> Emergency:
    """Record that the emergency is over; every unit that collected for it is told what to dispose of."""
    with transaction.atomic():
        emergency = Emergency.objects.select_for_update().get(pk=emergency.pk)
        if not _reviews_region(actor, emergency.region_id):
            raise Forbidden(_("Only the declaring authority ends it."))
        if emergency.is_over:
            raise ApplicationError(_("It ended on %(ended_on)s already.") % {"ended_on": emergency.ended_on})
        if not emergency.started_on <= ended_on <= timezone.localdate():
            raise ApplicationError(_("It ends between its start and today."))
        emergency.ended_on = ended_on
        emergency.ended_by = actor
        emergency.save(update_fields=["ended_on", "ended_by"])
        collections = list(emergency.collections.filter(disposal=""))
        audit_record(
            action=AuditAction.EMERGENCY_END,
            actor=actor,
            request=request,
            target=emergency,
            owner_unit=actor.unit,
            detail={"ended_on": ended_on.isoformat(), "to_dispose": [c.pk for c in collections]},
        )
        for unit_id in {c.unit_id for c in collections}:
            titles = "、".join(c.title for c in collections if c.unit_id == unit_id)
            notify(
                recipients=data_admins(unit_id),
                title=gettext_noop(
                    "The emergency “%(emergency)s” has ended: seal or destroy the data collected for it"
                ),
                params={"emergency": emergency.name},
                body=titles,
                url=f"/catalog/emergencies/{emergency.pk}/",
            )
    return emergency


# --- temporary collection -------------------------------------------------------------------------


def temporary_collection_record(
    *,
    actor: User,
    title: str,
    data_items: str,
    reason: str,
    starts_on: dt.date,
    ends_on: dt.date,
    emergency: Emergency | None = None,
    contains_personal_info: bool = False,
    resource: Resource | None = None,
    request=None,
) -> TemporaryCollection:
    """Q3.2: a unit may collect outside the catalog for a special need or an emergency, temporarily:
    it says why and until when."""
    if not is_government_staff(actor) or actor.unit is None:  # (staff always have their unit)
        raise Forbidden(_("A government unit's data administrator records it."))
    unit = actor.unit
    if not (title.strip() and data_items.strip() and reason.strip()):
        raise ApplicationError(_("Say what is collected, which data items, and why."))
    if ends_on < starts_on:
        raise ApplicationError(_("The end date comes before the start date."))
    if emergency is not None:
        emergency = Emergency.objects.get(pk=emergency.pk)  # as it stands now: it may have ended
        if emergency.region_id not in _regions_up(unit):
            raise ApplicationError(_("That emergency is not declared for your region."))
        if emergency.is_over:
            raise ApplicationError(_("That emergency is over: nothing more is collected for it."))
    if resource is not None and resource.producer_id != unit.pk:
        raise ApplicationError(_("Name one of your unit's own catalog entries."))
    with transaction.atomic():
        collection = TemporaryCollection.objects.create(
            unit=unit,
            title=title,
            data_items=data_items,
            reason=reason,
            starts_on=starts_on,
            ends_on=ends_on,
            emergency=emergency,
            contains_personal_info=contains_personal_info,
            resource=resource,
            recorded_by=actor,
        )
        audit_record(
            action=AuditAction.TEMPORARY_COLLECTION_RECORD,
            actor=actor,
            request=request,
            target=collection,
            owner_unit=unit,
            detail={
                "emergency": emergency.pk if emergency else None,
                "ends_on": ends_on.isoformat(),
                "reason": reason,
            },
        )
        notify(
            recipients=reviewers_of(unit.region),
            title=gettext_noop("Temporary collection filed: %(unit)s · %(title)s"),
            params={"unit": unit, "title": title},
            body=reason,
            url="/catalog/temporary/",
        )
    return collection


DISPOSAL_ACTIONS: dict[str, AuditAction] = {
    Disposal.SEALED: AuditAction.TEMPORARY_COLLECTION_SEALED,
    Disposal.DESTROYED: AuditAction.TEMPORARY_COLLECTION_DESTROYED,
    Disposal.RETAINED: AuditAction.TEMPORARY_COLLECTION_RETAINED,
}


def temporary_collection_dispose(
    *, actor: User, collection: TemporaryCollection, disposal: str, note: str = "", request=None
) -> TemporaryCollection:
    """G40: record that emergency data was sealed, destroyed or kept under a law (named in the note)."""
    if disposal not in Disposal.values:
        raise ApplicationError(_("Disposal is one of: %(values)s.") % {"values": ", ".join(Disposal.values)})
    with transaction.atomic():
        collection = (
            TemporaryCollection.objects.select_for_update(of=("self",))
            .select_related("emergency", "resource")
            .get(pk=collection.pk)
        )
        if not acts_for(actor, collection.unit_id):
            raise Forbidden(_("The collecting unit's data administrator records it."))
        if collection.disposal:
            raise ApplicationError(
                _("Already recorded: %(disposal)s.") % {"disposal": collection.get_disposal_display()}
            )
        if (
            not (collection.emergency and collection.emergency.is_over)
            and collection.ends_on >= timezone.localdate()
        ):
            raise ApplicationError(
                _("The data is disposed of once its emergency or its collection period is over.")
            )
        if disposal == Disposal.RETAINED and not note.strip():
            raise ApplicationError(_("Name the law that requires the data to be kept."))
        destroyed_records = _dispose_of_entry(actor, collection, disposal, request)
        collection.disposal = disposal
        collection.disposal_note = note
        collection.disposed_by = actor
        collection.disposed_at = timezone.now()
        collection.save()
        audit_record(
            action=DISPOSAL_ACTIONS[disposal],
            actor=actor,
            request=request,
            target=collection,
            owner_unit=collection.unit,
            record_count=destroyed_records,
            detail={
                "emergency": collection.emergency_id,
                "resource": collection.resource_id,
                "note": note,
            },
        )
    return collection


def _dispose_of_entry(actor: User, collection: TemporaryCollection, disposal: str, request) -> int | None:
    """Seal or destroy the data the platform holds for the collection: its catalog entry is retired,
    and its records are deleted when destroyed. Returns how many records were destroyed."""
    resource = collection.resource
    if resource is None or disposal == Disposal.RETAINED:
        return None
    if resource.status in (ResourceStatus.PUBLISHED, ResourceStatus.DRAFT):
        # G40: the data application is closed: the entry is no longer shared.
        reason = f"G40 {Disposal(disposal).label}: {collection.title}"
        resource_transition(
            resource=resource, to=ResourceStatus.RETIRED, actor=actor, reason=reason, request=request
        )
    if disposal != Disposal.DESTROYED:
        return None
    from ..aggregation.deletion import records_purge  # tombstones carry the destruction to pushed copies too

    return records_purge(actor=actor, resource=resource)


# --- reads ----------------------------------------------------------------------------------------


def temporary_collections_visible_to(user) -> QuerySet[TemporaryCollection]:
    """A unit's people see its own; reviewers those of the regions they review; platform admins all."""
    collections = TemporaryCollection.objects.select_related("unit", "emergency", "resource", "recorded_by")
    if user.has_role(Role.PLATFORM_ADMIN):
        return collections
    unit = getattr(user, "unit", None)
    visible = Q(unit=unit) if unit is not None else Q(pk__in=[])
    visible |= Q(unit__region__in=regions_reviewed_by(user))
    return collections.filter(visible)


def emergencies_visible_to(user) -> QuerySet[Emergency]:
    """Government people see the emergencies of their region and the city above it."""
    if user.has_role(Role.PLATFORM_ADMIN):
        return Emergency.objects.all()
    unit = getattr(user, "unit", None)
    if unit is None or not unit.is_government:
        return Emergency.objects.none()
    return Emergency.objects.filter(
        Q(region_id__in=_regions_up(unit)) | Q(region__in=regions_reviewed_by(user))
    )


def awaiting_disposal(collections: QuerySet[TemporaryCollection]) -> QuerySet[TemporaryCollection]:
    """G40: collections for an emergency that is over, with no disposal recorded: what must be sealed
    or destroyed."""
    return collections.filter(emergency__ended_on__isnull=False, disposal="")
