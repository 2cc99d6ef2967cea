from collections.abc import Iterable
from typing import Any

from django.db import models
from django.http import HttpRequest

from dataplatform.core.models import ApiKey, Unit, User

from .models import AuditEvent, Outcome


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    action: str,
    actor: Any = None,
    request: HttpRequest | None = None,
    target: models.Model | None = None,
    outcome: str = Outcome.OK,
    owner_unit: Unit | None = None,
    data_items: Iterable[str] = (),
    record_count: int | None = None,
    purpose: str = "",
    detail: dict | None = None,
) -> AuditEvent:
    """Record one audit event. Call it inside the transaction of the operation it records.

    ``actor`` is a person (User), an API client (anything with ``api_key`` and ``unit``), or None
    for the platform itself (timers).
    """
    user = actor if isinstance(actor, User) else None
    api_key: ApiKey | None = getattr(actor, "api_key", None)
    unit = getattr(actor, "unit", None)
    if user is not None:
        actor_name = user.real_name or user.username
    elif api_key is not None:
        actor_name = f"api-key:{api_key.prefix}"
    else:
        actor_name = "platform"
    return AuditEvent.objects.create(
        action=action,
        outcome=outcome,
        actor=user,
        actor_name=actor_name,
        actor_unit=unit,
        api_key=api_key,
        owner_unit=owner_unit,
        object_type=target._meta.label_lower if target is not None else "",
        object_id=str(target.pk) if target is not None else "",
        object_repr=str(target)[:200] if target is not None else "",
        data_items=list(data_items),
        record_count=record_count,
        purpose=purpose,
        client_ip=client_ip(request),
        detail=detail or {},
    )
