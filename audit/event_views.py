"""Audit events as a person reads them, on the search and usage pages and in their CSV files
(``usage.rows_csv``): the time in the local time zone, the action, outcome and data items in words.

``usage.event_rows`` stays the plain record (codes, identifiers, ISO times) that the API and the usage
webhook carry; these rows add the words to it.
"""

from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from dataplatform.core.audit_actions import AuditAction
from dataplatform.core.events import Outcome

from .lookups import item_labels
from .models import AuditEvent
from .usage import event_rows

RESOURCE_TYPE = "catalog.resource"


def event_views(events: Iterable[AuditEvent]) -> list[dict]:
    """``event_rows`` with ``at`` (the local time), ``action_label``, ``outcome_label`` and
    ``item_labels`` (each data item's label, its identifier where the resource no longer has it)."""
    events = list(events)
    labels = item_labels({key for event in events for key in _item_resources(event)})
    rows = event_rows(events)
    for event, row in zip(events, rows, strict=True):
        row["at"] = timezone.localtime(event.occurred_at)
        row["action_label"] = action_label(event.action)
        row["outcome_label"] = outcome_label(event.outcome)
        row["item_labels"] = [_item_label(labels, resource_of(event), item) for item in row["data_items"]]
        row["items_text"] = pgettext("list separator", ", ").join(row["item_labels"])
        row["actor_text"] = row["person"] or actor_not_a_person(event)
    return rows


def actor_not_a_person(event: AuditEvent) -> str:
    """Who acted when no person did: an information system by its key's name (never the key's prefix,
    which the data's owner must not learn), a visitor of the portal, or the platform's own timers."""
    if event.api_key_id is not None and event.actor_name.startswith("API · "):
        return event.actor_name
    if event.actor_name == "public":
        return _("a visitor")
    if event.actor_name in ("platform", "") and event.api_key_id is None:
        return _("the platform")
    return _("an information system")


def _item_resources(event: AuditEvent) -> set[int | str]:
    """The resources whose items the event names: its resource's id, and the codes of items written as
    "<resource code>:<item>" (an application's, a correction's, a data subject's)."""
    keys: set[int | str] = {item.partition(":")[0] for item in event.data_items or [] if ":" in item}
    resource = resource_of(event)
    if resource is not None and len(keys) < len(event.data_items or []):
        keys.add(resource)
    return keys


def _item_label(labels: dict[int | str, dict[str, str]], resource: int | None, item: str) -> str:
    code, colon, name = item.partition(":")
    if colon:
        return labels.get(code, {}).get(name, item)
    return labels.get(resource or 0, {}).get(item, item)


def action_label(code: str) -> str:
    return str(AuditAction(code).label) if AuditAction.known(code) else code


def outcome_label(code: str) -> str:
    return str(Outcome(code).label) if code in Outcome.values else code


def resource_of(event: AuditEvent) -> int | None:
    """The resource whose items the event names: its object, or the resource its writer named."""
    if event.object_type == RESOURCE_TYPE and event.object_id.isdigit():
        return int(event.object_id)
    resource = event.detail.get("resource") if isinstance(event.detail, dict) else None
    return resource if isinstance(resource, int) else None
