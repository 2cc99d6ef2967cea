"""Back-flow on the upper node (docs/federation.md §14): a lower node's application, decided here.

``backflow.request`` from a lower peer becomes an ``Export`` and an ``Application`` of the unit acting for
that node (``acting.peer_user``), submitted at once: this node's own routing, deadlines and decision apply
unchanged. For a bulk exchange of unconditionally shared data that means ``configuring``: the evaluator
still takes "configure" (the Export stands in for the push task's target, so there is nothing else to set
up), as for any bulk exchange of this node.

The receivers below turn that application's steps and its grant's events into messages to the peer, in
the workflow's transaction (sharing must not import federation, so it cannot call us): a step, a grant
and every change of the grant reach the lower node exactly when they commit here.
"""

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import translation
from django.utils.translation import gettext as _

from audit.services import audit_record
from catalog.models import Resource, ResourceStatus, ResourceVersion, ServiceMethod
from dataplatform.core.actors import Actor
from dataplatform.core.audit_actions import AuditAction
from dataplatform.core.errors import ApplicationError
from sharing.models import ApplicationStatus, ApplicationStep, Grant, GrantEvent, GrantStatus
from sharing.services import application_create
from sharing.workflow import application_act

from . import bodies, transfer
from .acting import peer_user
from .backflow import GRANT, REQUEST, STEP, UPSTREAM_REFUSALS, backflow_stream
from .cascade import snapshot_is_cascaded
from .envelope import Envelope
from .handlers import HandlerError, handler
from .models import Export, ExportStatus, Peer
from .outbox import federation_send

# --- the request ----------------------------------------------------------------------------------------


def _applicant(body: dict) -> dict[str, str]:
    applicant = body.get("applicant")
    if not isinstance(applicant, dict):
        raise HandlerError(f'{REQUEST}: "applicant" must be an object with its "name" and "credit_code"')
    return {
        "name": bodies.text(applicant, "name", 200, kind=REQUEST).strip(),
        "credit_code": bodies.text(applicant, "credit_code", 18, required=False, kind=REQUEST).strip(),
    }


def cascaded_resource(code: str) -> Resource:
    """The entry ``code`` as this node cascades it to its lower nodes: published, not retired, and its
    published version shared with every government unit. Anything else is refused by name."""
    resource = Resource.objects.select_related("producer").filter(code=code).first()
    if resource is None:
        raise HandlerError(f"{REQUEST}: no entry {code!r} in this node's catalog")
    if resource.published_version is None or resource.status == ResourceStatus.RETIRED:
        raise HandlerError(f"{REQUEST}: the entry {code!r} is not available (unpublished or retired)")
    version = ResourceVersion.objects.get(resource=resource, number=resource.published_version)
    if not snapshot_is_cascaded(version.snapshot):
        raise HandlerError(f"{REQUEST}: the entry {code!r} is not shared with the other nodes")
    return resource


def _items(body: dict, resource: Resource) -> list[str]:
    """The asked items, all of the resource's, with its record key (the records travel by their key)."""
    asked = body.get("items")
    if not isinstance(asked, list) or not asked or not all(isinstance(name, str) for name in asked):
        raise HandlerError(f'{REQUEST}: "items" must be a list of data item names')
    names = [item.name for item in resource.items.all()]
    unknown = sorted(set(asked) - set(names))
    if unknown:
        raise HandlerError(f"{REQUEST}: the entry {resource.code!r} has no data items {', '.join(unknown)}")
    key = resource.key_item
    return [name for name in names if name in asked or (key is not None and name == key.name)]


def _scope(body: dict, peer: Peer, applicant: dict[str, str]) -> str:
    """Who will use the data: the lower node's applying unit, and the basis it cited (stored words, in the
    node's own language whatever language the worker runs in)."""
    with translation.override(settings.LANGUAGE_CODE):
        return _scope_lines(body, peer, applicant)


def _scope_lines(body: dict, peer: Peer, applicant: dict[str, str]) -> str:
    lines = [
        _("Applying unit at %(node)s: %(unit)s %(credit_code)s")
        % {"node": peer.name, "unit": applicant["name"], "credit_code": applicant["credit_code"]}
    ]
    basis = bodies.text(body, "basis", 10_000, required=False, kind=REQUEST).strip()
    if basis:
        lines.append(_("Basis in law or policy: %(basis)s") % {"basis": basis})
    return "\n".join(line.strip() for line in lines)


@handler(REQUEST)
def backflow_request(peer: Peer, envelope: Envelope) -> None:
    """A lower node's back-flow application: an Export and this node's own application for it. A request
    this node has already (a redelivery) changes nothing."""
    if peer.relation != "lower":
        raise HandlerError(f"{REQUEST}: only a lower node applies for back-flow here")
    body = envelope.body
    request_id = bodies.whole(body, "request", minimum=1, kind=REQUEST)
    if Export.objects.filter(peer=peer, request_id=request_id).exists():
        return
    resource = cascaded_resource(bodies.text(body, "code", 60, kind=REQUEST).strip())
    items = _items(body, resource)
    fields = {
        "business_matter": bodies.text(body, "business_matter", 200, kind=REQUEST).strip(),
        "scenario": bodies.text(body, "scenario", 10_000, kind=REQUEST).strip(),
        "end_date": bodies.day(body, "end_date", kind=REQUEST),
        "scope": _scope(body, peer, _applicant(body)),
    }
    # Locality (FB12) by the region this node registered for the peer, not by what its message says.
    prefix = transfer.region_prefix(peer.region)
    try:
        export_create(
            peer=peer, request_id=request_id, resource=resource, items=items, prefix=prefix, **fields
        )
    except (ApplicationError, ValidationError) as error:
        raise HandlerError(f"{REQUEST}: {_error_text(error)}") from error


def export_create(
    *, peer: Peer, request_id: int, resource: Resource, items: list[str], prefix: str, **fields: Any
) -> Export:
    """The Export and its application, submitted in the name of the unit acting for ``peer``."""
    actor = peer_user(peer)
    with transaction.atomic():
        export = Export.objects.create(
            peer=peer, request_id=request_id, resource=resource, items=items, region_prefix=prefix
        )
        application = application_create(
            actor=actor,
            lines=[{"resource": resource, "items": items}],
            information_system=f"{peer.name[:190]}（回流）",  # stored words: the node's own language
            service_method=ServiceMethod.BULK_EXCHANGE,
            **fields,
        )
        export.application = application
        export.save(update_fields=["application", "updated_at"])
        audit_record(
            action=AuditAction.FEDERATION_EXPORT_CREATE,
            actor=actor,
            target=export,
            owner_unit=resource.producer,
            data_items=items,
            purpose=fields["business_matter"],
            detail={
                "peer": peer.node_id,
                "request": request_id,
                "items": items,
                "application": application.pk,
            },
        )
        # The steps from here on (this one included) go to the peer through the receivers below.
        application_act(application=application, action="submit", actor=actor)
    return export


def _error_text(error: ApplicationError | ValidationError) -> str:
    if isinstance(error, ValidationError):
        return "; ".join(str(message) for message in error.messages)
    return str(error)


# --- the application's steps and the grant's events, to the peer ------------------------------------------


def _exports_on() -> bool:
    """Without federation (no NODE_ID) no application is an Export's: no query on every step."""
    return bool(settings.NODE_ID)


@receiver(post_save, sender=ApplicationStep, dispatch_uid="federation.exports.application_step")
def _application_step(sender, instance: ApplicationStep, created: bool, raw: bool = False, **kwargs) -> None:
    if not created or raw or not _exports_on():
        return
    export = Export.objects.select_related("peer").filter(application_id=instance.application_id).first()
    if export is None:
        return
    step_send(export, instance)
    if instance.to_status == ApplicationStatus.GRANTED:
        export_granted(export, instance)
    elif instance.to_status in UPSTREAM_REFUSALS:
        _status_set(export, ExportStatus.REFUSED)


def step_send(export: Export, step: ApplicationStep) -> None:
    with translation.override("zh-hans"):  # the lower node shows the upper node's words as they are
        label = str(ApplicationStatus(step.to_status).label)
    body = {
        "request": export.request_id,
        "application": step.application_id,
        "status": step.to_status,
        "label": label,
        "reason": step.reason,
        "at": step.at.isoformat(),
    }
    _send(export, STEP, body, actor=step.actor)


def export_granted(export: Export, step: ApplicationStep) -> None:
    """The decision granted the lower node: the records start to flow, and the node is told."""
    export.grant = Grant.objects.get(application_id=step.application_id, resource_id=export.resource_id)
    export.save(update_fields=["grant", "updated_at"])
    transfer.export_start(export)
    _grant_send(export, GrantStatus.ACTIVE, "", actor=step.actor)


@receiver(post_save, sender=GrantEvent, dispatch_uid="federation.exports.grant_event")
def _grant_event(sender, instance: GrantEvent, created: bool, raw: bool = False, **kwargs) -> None:
    if not created or raw or not _exports_on():
        return
    export = Export.objects.select_related("peer").filter(grant_id=instance.grant_id).first()
    if export is None:
        return
    status, actor = instance.to_status, instance.actor
    if status == GrantStatus.SUSPENDED:
        _status_set(export, ExportStatus.SUSPENDED)
    elif status in (GrantStatus.ENDED, GrantStatus.EXPIRED):
        _status_set(export, ExportStatus.ENDED)
    elif status == GrantStatus.ACTIVE:
        transfer.export_start(
            export
        )  # a full copy again: the node's mirror may have missed what changed meanwhile
    else:
        return
    _grant_send(export, status, instance.reason, actor=actor)


def _status_set(export: Export, status: str) -> None:
    export.status = status
    export.save(update_fields=["status", "updated_at"])


def _grant_send(export: Export, status: str, reason: str, *, actor: Actor) -> None:
    _send(export, GRANT, {"request": export.request_id, "status": status, "reason": reason}, actor=actor)


def _send(export: Export, kind: str, body: dict, *, actor: Actor) -> None:
    federation_send(
        peer=export.peer, kind=kind, stream=backflow_stream(export.request_id), body=body, actor=actor
    )


def exports_of(peer: Peer) -> list[Export]:
    """The peer's back-flows from this node, newest first, for its page."""
    return list(
        Export.objects.filter(peer=peer)
        .select_related("resource", "application")
        .order_by("-created_at", "-id")
    )
