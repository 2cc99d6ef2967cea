"""The check every data call makes: which grant lets this unit use these items of this resource.

Plain indexed queries on the grant table (index ``grant_lookup``: unit, resource, status), never
per-object permission rows: this runs on every API call (one precompiled statement: sharing.grant_rows).
"""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from catalog.models import ServiceMethod
from dataplatform.core.errors import Forbidden

from .grant_rows import grants_with_resource
from .models import Grant, GrantStatus


class GrantRefused(Forbidden):
    """The call is refused: 403 with ``message`` saying why and ``code`` naming it (no_grant, …)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message, extra={"code": code})
        self.code = code


# Every code a data call is refused with (403), and what it means: the OpenAPI schema lists them on the
# data endpoints (DataApiView.refusal_codes, read by dataplatform.core.schema).
REFUSAL_CODES = {
    "no_grant": "the caller's unit has no grant for this resource by this service method",
    "grant_suspended": "the grant is suspended by the authority (`detail` gives the reason)",
    "grant_ended": "the grant has been ended by the authority (`detail` gives the reason)",
    "grant_expired": "the grant's end date has passed",
    "item_not_granted": "a data item named in `fields` or a filter is outside the grant",
}

WHY: dict[str, tuple[str, str]] = {
    GrantStatus.SUSPENDED: (
        gettext_noop("Your grant for this resource is suspended by the authority: %(reason)s"),
        "grant_suspended",
    ),
    GrantStatus.ENDED: (
        gettext_noop("Your grant for this resource has been ended by the authority: %(reason)s"),
        "grant_ended",
    ),
    GrantStatus.EXPIRED: (
        gettext_noop("Your grant for this resource expired on %(end_date)s."),
        "grant_expired",
    ),
}


def grant_for_call(
    *, unit_id: int, resource_id: int, methods: tuple[str, ...] = (ServiceMethod.INTERFACE,)
) -> Grant:
    """The unit's usable grant for the resource by one of ``methods``, or GrantRefused saying why not."""
    today = timezone.localdate()
    grants = grants_with_resource(unit_id=unit_id, resource_id=resource_id, methods=tuple(methods))
    for grant in grants:
        if grant.status == GrantStatus.ACTIVE and grant.end_date >= today:
            return grant
    if not grants:
        raise GrantRefused(_("Your unit has no grant for this resource by this service method."), "no_grant")
    latest = grants[0]
    status = GrantStatus.EXPIRED if latest.status == GrantStatus.ACTIVE else latest.status
    template, code = WHY[status]
    raise GrantRefused(_(template) % {"reason": latest.status_reason, "end_date": latest.end_date}, code)


def check_items(grant: Grant, requested: list[str]) -> list[str]:
    """The granted items among ``requested`` (all granted items when none is named); an item outside
    the grant is refused by name."""
    if not requested:
        return list(grant.items)
    outside = [item for item in requested if item not in grant.items]
    if outside:
        raise GrantRefused(
            _("Your grant does not cover the data items: %(outside)s.") % {"outside": ", ".join(outside)},
            "item_not_granted",
        )
    return requested
