"""Cross-verification and statistics: "usable but invisible" (可用不可见, Q5.4, F15-F16).

A verification answers true or false per check; statistics answer counts per group, and only for
groups of at least settings.DATA_API["MIN_GROUP_SIZE"]. Neither ever returns a record.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.db.models.fields.json import KT
from django.utils import timezone

from audit.services import audit_record
from catalog.models import Record, Resource, ServiceMethod
from dataplatform.core.errors import ApplicationError
from dataplatform.core.models import Role, User

from .grant_check import check_items, grant_for_call
from .models import Grant, VerificationRule

CONDITIONS = {
    "is_true": lambda value, today: value is True,
    "is_false": lambda value, today: value is False,
    "not_before_today": lambda value, today: value is not None and str(value)[:10] >= today.isoformat(),
}


def _check_rule_shape(inputs: list, checks: list) -> None:
    names = {field.get("name") for field in inputs if isinstance(field, dict)}
    if not names or None in names:
        raise ValidationError({"inputs": ["Name every input."]})
    if not checks:
        raise ValidationError({"checks": ["A rule needs at least one check."]})
    for check in checks:
        resource = Resource.objects.filter(pk=check.get("resource"), published_version__isnull=False).first()
        if resource is None:
            raise ValidationError(
                {"checks": [f"Check {check.get('name')!r}: no published resource {check.get('resource')}."]}
            )
        items = set(resource.items.values_list("name", flat=True))
        match = check.get("match") or {}
        if not match:
            raise ValidationError({"checks": [f"Check {check.get('name')!r} matches nothing."]})
        unknown = (set(match) | {c.get("item") for c in check.get("conditions", [])}) - items
        if unknown:
            raise ValidationError({"checks": [f"{resource.name} has no data items {sorted(unknown)}."]})
        if set(match.values()) - names:
            raise ValidationError(
                {"checks": [f"Check {check.get('name')!r} uses inputs the rule does not declare."]}
            )
        if {c.get("op") for c in check.get("conditions", [])} - set(CONDITIONS):
            raise ValidationError({"checks": [f"Conditions are one of {sorted(CONDITIONS)}."]})


def verification_rule_create(
    *, actor: User, name: str, inputs: list, checks: list, description: str = ""
) -> VerificationRule:
    if not actor.has_role(Role.EVALUATOR):
        raise ApplicationError("The technical service unit makes verification rules (Q-A2.2).")
    _check_rule_shape(inputs, checks)
    with transaction.atomic():
        rule = VerificationRule.objects.create(
            name=name, description=description, inputs=inputs, checks=checks, created_by=actor
        )
        audit_record(action="verification_rule.create", actor=actor, target=rule)
    return rule


def verification_grants(client, rule: VerificationRule) -> list[Grant]:
    """A client verifies only over resources it holds a verification grant for, with the matched items."""
    grants = []
    for check in rule.checks:
        grant = grant_for_call(
            unit_id=client.unit.pk, resource_id=check["resource"], methods=(ServiceMethod.VERIFICATION,)
        )
        check_items(grant, list(check["match"]) + [c["item"] for c in check.get("conditions", [])])
        grants.append(grant)
    return grants


def verify(*, client, rule: VerificationRule, inputs: dict, request=None) -> dict:
    missing = [field["name"] for field in rule.inputs if not str(inputs.get(field["name"], "")).strip()]
    if missing:
        raise ApplicationError(f"Give the inputs: {', '.join(missing)}.")
    grants = verification_grants(client, rule)
    today = timezone.localdate()
    results = {}
    for check in rule.checks:
        records = Record.objects.filter(
            resource_id=check["resource"],
            **{f"data__{item}": inputs[field] for item, field in check["match"].items()},
        )
        conditions = check.get("conditions", [])
        results[check["name"]] = any(
            all(CONDITIONS[c["op"]](data.get(c["item"]), today) for c in conditions)
            for data in records.values_list("data", flat=True)[:10]
        )
    with transaction.atomic():
        for grant, check in zip(grants, rule.checks, strict=True):
            audit_record(
                action="data.verify",
                actor=client,
                request=request,
                target=rule,
                owner_unit=grant.resource.producer,
                data_items=list(check["match"]),
                record_count=0,  # no record leaves the platform
                purpose=grant.scenario[:300],
                detail={"grant": grant.pk, "check": check["name"], "result": results[check["name"]]},
            )
    return {"rule": rule.pk, "results": results, "all": all(results.values())}


def statistics(*, client, resource: Resource, group_by: str, request=None) -> dict:
    """Counts per value of one granted item, for groups of at least the minimum size only."""
    grant = grant_for_call(
        unit_id=client.unit.pk,
        resource_id=resource.pk,
        methods=(ServiceMethod.VERIFICATION, ServiceMethod.INTERFACE),
    )
    check_items(grant, [group_by])
    minimum = settings.DATA_API["MIN_GROUP_SIZE"]
    groups = list(
        Record.objects.filter(resource=resource)
        .values(value=KT(f"data__{group_by}"))
        .annotate(count=Count("id"))
        .order_by("value")
    )
    shown = [g for g in groups if g["count"] >= minimum]
    suppressed = sum(1 for g in groups if g["count"] < minimum)
    with transaction.atomic():
        audit_record(
            action="data.statistics",
            actor=client,
            request=request,
            target=resource,
            owner_unit=resource.producer,
            data_items=[group_by],
            record_count=0,
            purpose=grant.scenario[:300],
            detail={"grant": grant.pk, "groups": len(shown), "suppressed": suppressed},
        )
    return {"group_by": group_by, "min_group_size": minimum, "groups": shown, "suppressed_groups": suppressed}
