"""Service interfaces for data that cannot be aggregated, and the authority's requests for more (Q2.3)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from audit.services import audit_record
from dataplatform.core.actors import acts_for
from dataplatform.core.audit_actions import AuditAction
from dataplatform.core.business_days import add_business_days, due_after, local_date
from dataplatform.core.errors import ApplicationError, Forbidden
from dataplatform.core.models import Role, Unit, User
from dataplatform.core.notifications import notify
from dataplatform.core.people import data_admins, reviews_for_unit

from ..models import (
    InterfaceRequest,
    InterfaceRequestStatus,
    InterfaceStatus,
    Resource,
    ServiceInterface,
)

REQUEST_DAYS = 10  # Q2.3: the producer provides the interface within 10 business days
MAX_EXTENSION_DAYS = 5  # Q2.3: one extension of at most 5 business days


def _evaluators():
    return User.objects.filter(role_assignments__role=Role.EVALUATOR)


def interface_register(*, actor: User, resource: Resource, request=None, **fields) -> ServiceInterface:
    if not acts_for(actor, resource.producer_id):
        # "Not you", yet answered 400 and shown on the page: the access matrix
        # (tests/hardening/matrix.py, catalog-interface-register) holds the page's 302 for now.
        raise ApplicationError(_("Only the producing unit's data administrators register its interfaces."))
    interface = ServiceInterface(resource=resource, registered_by=actor, **fields)
    interface.full_clean()
    with transaction.atomic():
        interface.save()
        audit_record(
            action=AuditAction.INTERFACE_REGISTER,
            actor=actor,
            request=request,
            target=interface,
            owner_unit=resource.producer,
        )
        notify(
            recipients=_evaluators(),
            title=gettext_noop("Service interface to review: %(interface)s"),
            params={"interface": interface.name},
            url=f"/catalog/{resource.pk}/",
        )
    return interface


def interface_review(
    *, actor: User, interface: ServiceInterface, publish: bool, note: str = "", request=None
) -> ServiceInterface:
    """The technical service unit reviews, wraps and publishes a registered interface (Q2.3)."""
    if not actor.has_role(Role.EVALUATOR):
        raise Forbidden(_("Only the technical service unit reviews interfaces."))
    if not publish and not note.strip():
        raise ApplicationError(_("Say why the interface is rejected."))
    with transaction.atomic():
        claimed = ServiceInterface.objects.filter(pk=interface.pk, status=InterfaceStatus.REGISTERED).update(
            status=InterfaceStatus.PUBLISHED if publish else InterfaceStatus.REJECTED,
            review_note=note,
            reviewed_by=actor,
            reviewed_at=timezone.now(),
        )
        if not claimed:
            raise ApplicationError(_("This interface has been reviewed already."))
        interface.refresh_from_db()
        audit_record(
            action=AuditAction.INTERFACE_PUBLISH if publish else AuditAction.INTERFACE_REJECT,
            actor=actor,
            request=request,
            target=interface,
            owner_unit=interface.resource.producer,
            detail={"note": note},
        )
        notify(
            recipients=data_admins(interface.resource.producer),
            title=(
                gettext_noop("Service interface published: %(interface)s")
                if publish
                else gettext_noop("Service interface not approved: %(interface)s")
            ),
            params={"interface": interface.name},
            body=note,
            url=f"/catalog/{interface.resource_id}/",
        )
    return interface


def interface_request_create(
    *, actor: User, producer: Unit, description: str, resource: Resource | None = None, request=None
) -> InterfaceRequest:
    if not reviews_for_unit(actor, producer):
        raise Forbidden(_("Only the authority that reviews this unit may ask it for interfaces."))
    if resource is not None and resource.producer_id != producer.pk:
        raise ApplicationError(_("The resource belongs to another unit."))
    now = timezone.now()
    with transaction.atomic():
        ask = InterfaceRequest.objects.create(
            producer=producer,
            resource=resource,
            description=description,
            requested_by=actor,
            requested_at=now,
            due=due_after(now, REQUEST_DAYS).date,
        )
        audit_record(
            action=AuditAction.INTERFACE_REQUEST_CREATE,
            actor=actor,
            request=request,
            target=ask,
            owner_unit=producer,
        )
        notify(
            recipients=data_admins(producer),
            title=gettext_noop("Provide a service interface by %(due)s"),
            params={"due": ask.due},
            body=description,
        )
    return ask


def _locked(ask: InterfaceRequest) -> InterfaceRequest:
    return InterfaceRequest.objects.select_for_update(of=("self",)).select_related("producer").get(pk=ask.pk)


def interface_request_ask_extension(
    *, actor: User, ask: InterfaceRequest, days: int, reason: str, request=None
) -> InterfaceRequest:
    """The producer asks once, in writing, for at most 5 more business days."""
    if not 1 <= days <= MAX_EXTENSION_DAYS:
        raise ApplicationError(
            _("An extension is 1 to %(max_extension_days)s business days.")
            % {"max_extension_days": MAX_EXTENSION_DAYS}
        )
    if not reason.strip():
        raise ApplicationError(_("Give the reason for the extension in writing."))
    with transaction.atomic():
        ask = _locked(ask)
        if not acts_for(actor, ask.producer_id):
            raise Forbidden(_("Only the producing unit's data administrators ask for an extension."))
        if ask.extension_days is not None:
            raise ApplicationError(_("An extension can be asked for only once."))
        if ask.status != InterfaceRequestStatus.OPEN:
            raise ApplicationError(_("This request is no longer open."))
        ask.extension_days, ask.extension_reason = days, reason
        ask.status = InterfaceRequestStatus.EXTENSION_REQUESTED
        ask.save()
        audit_record(
            action=AuditAction.INTERFACE_REQUEST_ASK_EXTENSION,
            actor=actor,
            request=request,
            target=ask,
            owner_unit=ask.producer,
            detail={"days": days, "reason": reason},
        )
        notify(
            recipients=[ask.requested_by],
            title=gettext_noop("%(unit)s asks for %(days)s more business days"),
            params={"unit": ask.producer, "days": days},
            body=reason,
        )
    return ask


def interface_request_decide_extension(
    *, actor: User, ask: InterfaceRequest, grant: bool, request=None
) -> InterfaceRequest:
    with transaction.atomic():
        ask = _locked(ask)
        if not reviews_for_unit(actor, ask.producer):
            raise Forbidden(_("Only the authority that reviews this unit decides its extensions."))
        if ask.status != InterfaceRequestStatus.EXTENSION_REQUESTED:
            raise ApplicationError(_("No extension is waiting for a decision."))
        ask.extension_granted = grant
        ask.extension_decided_by = actor
        if grant:
            assert ask.extension_days is not None  # an extension asked for names its days
            ask.due = add_business_days(ask.due, ask.extension_days).date
        ask.status = InterfaceRequestStatus.OPEN
        ask.save()
        audit_record(
            action=AuditAction.INTERFACE_REQUEST_GRANT_EXTENSION
            if grant
            else AuditAction.INTERFACE_REQUEST_REFUSE_EXTENSION,
            actor=actor,
            request=request,
            target=ask,
            owner_unit=ask.producer,
            detail={"due": ask.due.isoformat()},
        )
        notify(
            recipients=data_admins(ask.producer),
            title=(
                gettext_noop("Extension granted; the due date is %(due)s")
                if grant
                else gettext_noop("Extension refused; the due date is %(due)s")
            ),
            params={"due": ask.due},
        )
    return ask


def interface_request_fulfil(
    *, actor: User, ask: InterfaceRequest, interface: ServiceInterface, request=None
) -> InterfaceRequest:
    with transaction.atomic():
        ask = _locked(ask)
        if not acts_for(actor, ask.producer_id):
            raise Forbidden(_("Only the producing unit's data administrators fulfil its requests."))
        if interface.resource.producer_id != ask.producer_id:
            raise ApplicationError(_("That interface belongs to another unit."))
        if ask.status == InterfaceRequestStatus.FULFILLED:
            raise ApplicationError(_("This request is fulfilled already."))
        ask.interface = interface
        ask.status = InterfaceRequestStatus.FULFILLED
        ask.fulfilled_at = timezone.now()
        ask.save()
        on_time = local_date(ask.fulfilled_at) <= ask.due
        audit_record(
            action=AuditAction.INTERFACE_REQUEST_FULFIL,
            actor=actor,
            request=request,
            target=ask,
            owner_unit=ask.producer,
            detail={"interface": interface.pk, "on_time": on_time},
        )
        notify(
            recipients=[ask.requested_by],
            title=gettext_noop("%(unit)s has provided the interface: %(interface)s"),
            params={"unit": ask.producer, "interface": interface.name},
        )
    return ask
