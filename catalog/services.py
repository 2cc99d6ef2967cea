"""Writes to the catalog: entries and their items, the legal-basis clock, versions' differences."""

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from audit.services import audit_record
from dataplatform.core.audit_actions import AuditAction
from dataplatform.core.business_days import due_after
from dataplatform.core.errors import ApplicationError
from dataplatform.core.models import Unit, User
from dataplatform.core.notifications import notify
from dataplatform.core.people import data_admins

from .classification import (
    classification_resolve,
    related_codes_check,
    resource_code_check,
    resource_code_next,
)
from .collection.services import source_conflicts_refresh
from .item_names import item_flags_settle, item_names_clash_message, item_names_clashing
from .models import DataItem, Resource, ResourceStatus, ResourceVersion
from .search.text import resource_index
from .snapshots import DATA_ITEM_FIELDS, resource_snapshot, snapshot_diff

EDITABLE = (ResourceStatus.DRAFT, ResourceStatus.RETURNED)
BASIS_UPDATE_DAYS = 15  # G11: the producer updates within 15 business days of a change in its basis


def _replace_items(resource: Resource, items: Iterable[dict]) -> None:
    # Every writer comes here (pages, API, spreadsheet import, demo): the key becomes a query item here.
    items = [item_flags_settle(item) for item in items]
    names: list[Any] = [item.get("name") for item in items]  # as posted
    clashing = item_names_clashing(names)
    if clashing:
        raise ValidationError({"items": [item_names_clash_message(clashing)]})
    resource.items.all().delete()
    objects = []
    for position, item in enumerate(items):
        obj = DataItem(
            resource=resource, position=position, **{k: v for k, v in item.items() if k in DATA_ITEM_FIELDS}
        )
        try:
            obj.full_clean(exclude=["resource"])
        except ValidationError as exc:
            # An item's identifier is not the entry's "name": its errors go under "items", named.
            errors = exc.message_dict
            if "name" in errors:
                errors["items"] = [f"{obj.name}: {message}" for message in errors.pop("name")]
            raise ValidationError(errors) from exc
        objects.append(obj)
    DataItem.objects.bulk_create(objects)


def _national_metadata(resource: Resource, fields: dict, *, old_code: str = "") -> None:
    """The code and related codes of the guide: checked, and the code drawn when none is given. A code
    kept from before the national form stays as it is."""
    if "related_codes" in fields:
        resource.related_codes = related_codes_check(fields["related_codes"] or [], own_code=resource.code)
    if resource.code:
        if resource.code != old_code:
            resource_code_check(resource.code, resource.classification)
    else:
        assert resource.classification is not None  # classification_resolve gave it one
        resource.code = resource_code_next(classification=resource.classification, provider=resource.provider)


def resource_create(
    *, actor: User, producer: Unit, items: Iterable[dict] = (), request=None, **fields
) -> Resource:
    classification_resolve(fields)
    fields["code"] = (fields.get("code") or "").strip()
    resource = Resource(producer=producer, created_by=actor, status=ResourceStatus.DRAFT, **fields)
    try:
        with transaction.atomic():
            _national_metadata(resource, fields)
            resource.full_clean(exclude=["search_text"])
            resource.save()
            _replace_items(resource, items)
            resource_index(resource)
            source_conflicts_refresh(resource=resource, actor=actor, request=request)
            audit_record(
                action=AuditAction.RESOURCE_CREATE,
                actor=actor,
                request=request,
                target=resource,
                owner_unit=producer,
            )
    except IntegrityError as exc:
        raise ValidationError({"code": [_("An entry with this code exists already.")]}) from exc
    return resource


def resource_update(
    *, actor: User, resource: Resource, items: Iterable[dict] | None = None, request=None, **fields
):
    """Change a draft or returned entry. A published one is revised first (workflow: revise)."""
    with transaction.atomic():
        resource = Resource.objects.select_for_update().get(pk=resource.pk)
        if resource.status not in EDITABLE:
            raise ApplicationError(
                _("An entry that is %(status)s cannot be edited; start a revision first.")
                % {"status": resource.get_status_display()}
            )
        before = resource_snapshot(resource)
        classification_resolve(fields, current=resource)
        if "code" in fields:
            fields["code"] = (fields["code"] or "").strip()
        for field, value in fields.items():
            setattr(resource, field, value)
        _national_metadata(resource, fields, old_code=before["code"])
        resource.full_clean(exclude=["search_text"])
        resource.save()
        if items is not None:
            _replace_items(resource, items)
            source_conflicts_refresh(resource=resource, actor=actor, request=request)
        if resource.published_version is None:
            # Search finds what was published: a revision's words are indexed when it is published.
            resource_index(resource)
        changes = snapshot_diff(before, resource_snapshot(resource))
        audit_record(
            action=AuditAction.RESOURCE_UPDATE,
            actor=actor,
            request=request,
            target=resource,
            owner_unit=resource.producer,
            detail={"changed": [change["field"] for change in changes["fields"]]},
        )
    return resource


def resource_mark_basis_changed(*, actor: User, resource: Resource, note: str, request=None) -> Resource:
    """The authority records that an entry's legal basis changed; the producer owes an update (G11)."""
    if not note.strip():
        raise ApplicationError(_("Say what changed in the legal basis."))
    if not resource.is_available:
        raise ApplicationError(_("Only a published entry can have its legal basis marked as changed."))
    with transaction.atomic():
        resource = Resource.objects.select_for_update().get(pk=resource.pk)
        resource.basis_changed_note = note
        resource.update_due = due_after(timezone.now(), BASIS_UPDATE_DAYS).date
        resource.save(update_fields=["basis_changed_note", "update_due", "updated_at"])
        audit_record(
            action=AuditAction.RESOURCE_BASIS_CHANGED,
            actor=actor,
            request=request,
            target=resource,
            owner_unit=resource.producer,
            detail={"note": note, "update_due": resource.update_due.isoformat()},
        )
        notify(
            recipients=data_admins(resource.producer),
            title=gettext_noop("The legal basis changed: update the entry by %(due)s: %(resource)s"),
            params={"due": resource.update_due, "resource": resource.name},
            body=note,
            url=f"/catalog/{resource.pk}/",
        )
    return resource


def version_diff(resource: Resource, before: int, after: int) -> dict:
    versions = {
        v.number: v.snapshot
        for v in ResourceVersion.objects.filter(resource=resource, number__in=[before, after])
    }
    missing = [n for n in (before, after) if n not in versions]
    if missing:
        raise ApplicationError(_("No version %(missing)s of this entry.") % {"missing": missing[0]})
    return snapshot_diff(versions[before], versions[after])
