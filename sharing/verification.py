"""Cross-verification and statistics: "usable but invisible" (可用不可见, Q5.4, F15-F16).

A verification answers true or false per check; statistics answer counts per group, and only for
groups of at least settings.DATA_API["MIN_GROUP_SIZE"]. Neither ever returns a record.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from catalog import records
from catalog.ingest import CONVERTERS
from catalog.models import Resource, ServiceMethod
from dataplatform.core.audit_actions import AuditAction
from dataplatform.core.errors import ApplicationError
from dataplatform.core.models import Role, User

from .calls import Audited, Granted, Read, SharedResource, Use, data_call
from .models import VerificationRule

CONDITIONS = {
    "is_true": lambda value, today: value is True,
    "is_false": lambda value, today: value is False,
    "not_before_today": lambda value, today: value is not None and str(value)[:10] >= today.isoformat(),
}


def _check_rule_shape(inputs: list, checks: list) -> None:
    names = {field.get("name") for field in inputs if isinstance(field, dict)}
    if not names or None in names:
        raise ValidationError({"inputs": [_("Name every input.")]})
    if not checks:
        raise ValidationError({"checks": [_("A rule needs at least one check.")]})
    for check in checks:
        resource = Resource.objects.filter(pk=check.get("resource"), published_version__isnull=False).first()
        if resource is None:
            raise ValidationError(
                {
                    "checks": [
                        _("Check %(check)s: no published resource %(resource)s.")
                        % {"check": repr(check.get("name")), "resource": check.get("resource")}
                    ]
                }
            )
        items = set(resource.items.values_list("name", flat=True))
        match = check.get("match") or {}
        if not match:
            raise ValidationError(
                {"checks": [_("Check %(check)s matches nothing.") % {"check": repr(check.get("name"))}]}
            )
        unknown = (set(match) | {c.get("item") for c in check.get("conditions", [])}) - items
        if unknown:
            raise ValidationError(
                {
                    "checks": [
                        _("%(resource)s has no data items %(unknown)s.")
                        % {"resource": resource.name, "unknown": ", ".join(sorted(unknown))}
                    ]
                }
            )
        if set(match.values()) - names:
            raise ValidationError(
                {
                    "checks": [
                        _("Check %(check)s uses inputs the rule does not declare.")
                        % {"check": repr(check.get("name"))}
                    ]
                }
            )
        if {c.get("op") for c in check.get("conditions", [])} - set(CONDITIONS):
            raise ValidationError(
                {
                    "checks": [
                        _("Conditions are one of %(conditions)s.")
                        % {"conditions": ", ".join(sorted(CONDITIONS))}
                    ]
                }
            )


def verification_rule_create(
    *, actor: User, name: str, inputs: list, checks: list, description: str = ""
) -> VerificationRule:
    if not actor.has_role(Role.EVALUATOR):
        raise ApplicationError(_("The technical service unit makes verification rules (Q-A2.2)."))
    _check_rule_shape(inputs, checks)
    with transaction.atomic():
        rule = VerificationRule.objects.create(
            name=name, description=description, inputs=inputs, checks=checks, created_by=actor
        )
        audit_record(action=AuditAction.VERIFICATION_RULE_CREATE, actor=actor, target=rule)
    return rule


def verify(*, client, rule: VerificationRule, inputs: dict, request=None) -> dict:
    """One data call over the rule's checks: each relies on a verification grant for its resource,
    covering the items it matches and tests; only true or false per check comes back."""
    missing = [field["name"] for field in rule.inputs if not str(inputs.get(field["name"], "")).strip()]
    if missing:
        raise ApplicationError(_("Give the inputs: %(missing)s.") % {"missing": ", ".join(missing)})
    uses = [
        Use(
            SharedResource(check["resource"], methods=(ServiceMethod.VERIFICATION,)),
            items=list(check["match"]),
            also=[c["item"] for c in check.get("conditions", [])],
            target=rule,
        )
        for check in rule.checks
    ]

    def read(granted: list[Granted]) -> Read:
        results = {
            check["name"]: _check(check, inputs, one.resource)
            for check, one in zip(rule.checks, granted, strict=True)
        }
        answer = {"rule": rule.pk, "results": results, "all": all(results.values())}
        # No record leaves the platform: the count is 0, whatever matched. The event names the rule; it
        # names the resource checked too, for the audit's search and usage log (audit reads no grant).
        audited = [
            Audited(
                count=0,
                detail={
                    "check": check["name"],
                    "result": results[check["name"]],
                    "resource": one.resource.pk,
                    "resource_name": str(one.resource)[:200],
                },
            )
            for check, one in zip(rule.checks, granted, strict=True)
        ]
        return Read(answer, audited)

    return data_call(
        client=client, request=request, action=AuditAction.DATA_VERIFY, uses=uses, read=read
    ).answer


def _check(check: dict, inputs: dict, resource: Resource) -> bool:
    """Some record (of the first ten) matches the inputs and meets the conditions. An input that is no
    value of its item's type matches nothing; the key item is matched by the table's primary key."""
    today = timezone.localdate()
    columns = {column.name: column for column in records.published_columns(resource)}
    equals = {}
    for item, field in check["match"].items():
        column = columns.get(item)
        if column is None:
            return False
        try:
            value = CONVERTERS[column.item_type](inputs[field])
        except ValueError:
            return False
        column_name, value = column.term(value)
        equals[column_name] = value
    found = records.records_where(resource_id=check["resource"], where=records.Where(equals), limit=10)
    conditions = check.get("conditions", [])
    return any(all(CONDITIONS[c["op"]](row.data.get(c["item"]), today) for c in conditions) for row in found)


def statistics(*, client, resource: Resource, group_by: str, request=None) -> dict:
    """Counts per value of one granted item, for groups of at least the minimum size only."""
    scope = SharedResource(
        resource.pk, methods=(ServiceMethod.VERIFICATION, ServiceMethod.INTERFACE), known=resource
    )

    def read(granted: list[Granted]) -> Read:
        answer = grouped_counts(resource.pk, group_by)
        detail = {"groups": len(answer["groups"]), "suppressed": answer["suppressed_groups"]}
        return Read(answer, [Audited(count=0, detail=detail)])

    return data_call(
        client=client,
        request=request,
        action=AuditAction.DATA_STATISTICS,
        uses=[Use(scope, items=[group_by])],
        read=read,
    ).answer


def grouped_counts(resource_id: int, group_by: str) -> dict:
    """Counts per value of ``group_by`` over a resource's records; groups under the minimum size are
    suppressed (counted, never listed), so that no single record can be recovered."""
    minimum = settings.DATA_API["MIN_GROUP_SIZE"]
    groups = [
        {"value": value, "count": count}
        for value, count in records.grouped_counts(resource_id=resource_id, item=group_by)
    ]
    shown = [g for g in groups if g["count"] >= minimum]
    return {
        "group_by": group_by,
        "min_group_size": minimum,
        "groups": shown,
        "suppressed_groups": len(groups) - len(shown),
    }
