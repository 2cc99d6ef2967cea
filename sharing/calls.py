"""One data call (数据调用): every data endpoint — records by key, filtered lists, statistics,
cross-verification, producers' service interfaces, the open-data interface — is served by ``data_call``,
so that none escapes the grant, the limits, the crawler watch or the audit (Q5.3: no crawlers, no
automatic query tools).

In order: the grant for the caller's unit is found, the resource must be available and the items
granted (a refusal is audited, then raised); the call is counted against the grant's limits (rate,
daily quotas of calls and of records, the page walk and the share of the table taken: sharing.misuse);
the read runs and its audit event is written before anything is answered, so a call
whose audit cannot be written answers nothing; then the answered call is watched for the signs of a crawler
(after the read: a key lookup that found nothing is one of them), and the records it returned are
counted.

Refusals are ``GrantRefused`` (403 with its code), ``Throttled`` (429 with Retry-After) or ``Http404``,
mapped to HTTP once, in dataplatform.core.api_errors.
"""

from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from django.http import Http404
from django.utils.translation import gettext_lazy
from prometheus_client import Counter

from audit.models import Outcome
from audit.services import audit_record
from catalog.models import Resource, ServiceMethod
from dataplatform.core.errors import Throttled

from .crawler_signs import observe
from .grant_check import GrantRefused, check_items, grant_for_call
from .misuse import Limits, count_call, enforce, enforce_rows, release

NO_RESOURCE = gettext_lazy("No published resource with this id.")
RATE_LIMIT_ATTR = "data_call_limits"  # on the request: where the call's grant stands (RateLimit fields)

# At /metrics (operations.metrics): data calls by action and answer ("ok", a refusal code, "throttled"...).
DATA_CALLS = Counter("dataplatform_data_calls", "Data calls by action and answer", ["action", "answer"])


class Scope:
    """Where a call's grant is found, and what its audit events say. ``SharedResource`` is the sharing
    grant of a resource; opening.api.OpenDataset the open grant of a dataset open on application."""

    limited = True  # the grant carries the rate and the daily quota, and is watched for crawlers

    def grant(self, unit_id: int) -> Any:
        """The unit's usable grant, or GrantRefused."""
        raise NotImplementedError

    def resource(self, grant: Any | None) -> Resource | None:
        """The resource called on (``grant`` is None when the grant was refused); None if there is none."""
        raise NotImplementedError

    def available(self, resource: Resource) -> bool:
        return resource.is_available

    def items(self, grant: Any, requested: Sequence[str]) -> list[str]:
        """The granted items among ``requested`` (all granted items when none is named), or GrantRefused."""
        return check_items(grant, list(requested))

    def target(self, resource: Resource) -> models.Model:
        return resource

    def purpose(self, grant: Any) -> str:
        return grant.scenario[:300]

    def detail(self, grant: Any, request) -> dict:
        return {"grant": grant.pk}

    def refusal_detail(self, refused: GrantRefused, request) -> dict:
        return {"code": refused.code, "query": dict(getattr(request, "query_params", {}))}


@dataclass
class SharedResource(Scope):
    """A resource shared by a sharing grant (Grant) for one of ``methods``."""

    resource_id: int
    methods: tuple[str, ...] = (ServiceMethod.INTERFACE,)
    known: Resource | None = None  # the resource, when the endpoint has read it already

    def grant(self, unit_id: int) -> Any:
        return grant_for_call(unit_id=unit_id, resource_id=self.resource_id, methods=self.methods)

    def resource(self, grant: Any | None) -> Resource | None:
        # The grant is read with its resource (one query on the common path); the resource is read
        # alone only to explain a refusal.
        if grant is not None:
            return grant.resource
        if self.known is not None:
            return self.known
        return Resource.objects.select_related("producer").filter(pk=self.resource_id).first()


@dataclass
class Use:
    """One grant a call relies on: where it is found, the items the call returns (all granted ones when
    none is named) and the items it names otherwise (filters, conditions), checked and not returned."""

    scope: Scope
    items: Sequence[str] = ()
    also: Sequence[str] = ()
    target: models.Model | None = None  # what the audit event names, when not the scope's own target
    # The records the call will return at most (a list's page size, 1 for a key lookup): reserved
    # against the daily record quota before the read, settled after it.
    expect_rows: int = 0
    walk: str | None = None  # a list call's filter set, whose pages the page-walk watch counts
    key: str | None = None  # a key lookup's key, which the crawler watch puts with the grant's latest


@dataclass
class Granted:
    """A use that passed its checks: its grant, the resource, the items it may return."""

    use: Use
    grant: Any
    resource: Resource
    items: list[str]


@dataclass
class Audited:
    """What the audit event of one use says of the read: the records it returned, the items (the
    granted items called for unless named), more detail."""

    count: int | None = None
    items: Sequence[str] | None = None
    detail: dict = field(default_factory=dict)


@dataclass
class Read:
    """The answer of a read, one ``Audited`` per use, and whether a key lookup found its record (for
    the crawler watch)."""

    answer: Any
    audited: list[Audited]
    found: bool = True


def data_call(
    *,
    client,
    request,
    action: str,
    uses: Sequence[Use],
    read: Callable[[list[Granted]], Read],
    detail: dict | None = None,
) -> Read:
    """Serve one data call of ``client`` (an API client) relying on ``uses``: every check, then ``read``."""
    try:
        result = _serve(
            client=client, request=request, action=action, uses=uses, read=read, detail=detail or {}
        )
    except GrantRefused as refused:
        DATA_CALLS.labels(action, refused.code).inc()
        raise
    except Throttled:
        DATA_CALLS.labels(action, "throttled").inc()
        raise
    except Http404:
        DATA_CALLS.labels(action, "not_found").inc()
        raise
    DATA_CALLS.labels(action, "ok").inc()
    return result


def _serve(
    *, client, request, action: str, uses: Sequence[Use], read: Callable[[list[Granted]], Read], detail: dict
) -> Read:
    # The API-key lockout check, when the authentication left it to the call (KeyLockout): made in the
    # round trip that counts the call, or alone before a refusal or a call counted against nothing.
    lockout = getattr(client, "lockout", None)
    granted = [_admit(client, request, action, use, detail, lockout) for use in uses]
    limited = _distinct([g for g in granted if g.use.scope.limited])
    if lockout is not None and not limited:
        lockout.check()
    counted = _count(client, request, limited, lockout)
    try:
        result = read(granted)
        # The audit events are written before anything is answered: if they cannot be, nothing is.
        # Several (a rule's checks) are written together; one needs no transaction of its own (the hot path).
        with transaction.atomic(savepoint=False) if len(granted) > 1 else nullcontext():
            for one, audited in zip(granted, result.audited, strict=True):
                _audit(client, request, action, one, audited, detail)
    except BaseException:
        release(counted)  # a page past the end, a bad filter value, an audit that failed: nothing left
        raise
    rows = _rows_by_grant(granted, result.audited)
    for one, limits in zip(limited, counted, strict=True):
        rows_returned = rows[_grant_key(one)]
        observe(one.grant, client=client, limits=limits, rows=rows_returned, found=result.found)
    return result


def _count(client, request, limited: list[Granted], lockout) -> list[Limits]:
    """Count the call against each grant's limits, in order (the first count checks the ``lockout``
    too); over one, the records reserved are given back and the call refused (Throttled)."""
    counted: list[Limits] = []
    try:
        for n, one in enumerate(limited):
            use = one.use
            limits = count_call(
                one.grant, expect=use.expect_rows, walk=use.walk, key=use.key, lockout=None if n else lockout
            )
            counted.append(limits)
            _remember(request, limits)  # before a refusal: a 429 carries the RateLimit fields too
            enforce(limits)
            enforce_rows(one.grant, limits, client=client)
    except BaseException:
        release(counted)
        raise
    return counted


def _grant_key(one: Granted) -> tuple:
    return (type(one.grant), one.grant.pk)


def _rows_by_grant(granted: list[Granted], audited: list[Audited]) -> dict[tuple, int]:
    """The records the call returned under each grant (a rule's checks may rely on one grant twice)."""
    rows: dict[tuple, int] = {}
    for one, said in zip(granted, audited, strict=True):
        rows[_grant_key(one)] = rows.get(_grant_key(one), 0) + (said.count or 0)
    return rows


def _admit(client, request, action: str, use: Use, detail: dict, lockout) -> Granted:
    scope = use.scope
    try:
        grant = scope.grant(client.unit.pk)
        resource = scope.resource(grant)
        if resource is None or not scope.available(resource):  # (a grant has its resource)
            if lockout is not None:
                lockout.check()
            raise Http404(NO_RESOURCE)
        items = scope.items(grant, use.items)
        scope.items(grant, use.also)
    except GrantRefused as refused:
        if lockout is not None:
            lockout.check()  # a locked-out address is refused as such, and its refusals not audited
        resource = scope.resource(None)
        if resource is None or not scope.available(resource):
            raise Http404(NO_RESOURCE) from refused
        audit_record(
            action=action,
            actor=client,
            request=request,
            target=scope.target(resource),
            outcome=Outcome.DENIED,
            owner_unit=resource.producer,
            detail={**scope.refusal_detail(refused, request), **detail},
        )
        raise
    return Granted(use=use, grant=grant, resource=resource, items=items)


def _audit(client, request, action: str, one: Granted, audited: Audited, detail: dict) -> None:
    scope = one.use.scope
    audit_record(
        action=action,
        actor=client,
        request=request,
        target=one.use.target or scope.target(one.resource),
        owner_unit=one.resource.producer,
        data_items=one.items if audited.items is None else audited.items,
        record_count=audited.count,
        purpose=scope.purpose(one.grant),
        detail={**scope.detail(one.grant, request), **detail, **audited.detail},
    )


def _remember(request, limits: Limits) -> None:
    """Keep the limits the response's RateLimit fields report (sharing.data_api.DataApiView writes
    them): of several grants in one call, the one nearest its limit."""
    if request is None:
        return
    current: Limits | None = getattr(request, RATE_LIMIT_ATTR, None)
    if current is None or limits.remaining < current.remaining:
        setattr(request, RATE_LIMIT_ATTR, limits)


def rate_limit_headers(request) -> dict[str, str]:
    """The RateLimit fields for the answer to ``request``: none when no call was counted."""
    limits: Limits | None = getattr(request, RATE_LIMIT_ATTR, None)
    return limits.headers() if limits is not None else {}


def _distinct(granted: list[Granted]) -> list[Granted]:
    """One per grant: a call relying twice on one grant (two checks of a rule) counts once."""
    seen: dict[tuple, Granted] = {}
    for one in granted:
        seen.setdefault(_grant_key(one), one)
    return list(seen.values())
