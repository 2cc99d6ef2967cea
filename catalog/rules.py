"""The catalog's rules (Q5.2, Q5.4, G10–G13, F11), checked before an entry goes to review."""

from django.core.exceptions import ValidationError

from .models import OpenType, Resource, ServiceMethod, ShareType


def resource_check_rules(resource: Resource) -> None:
    """Raise ValidationError naming every rule the entry breaks, by field."""
    errors: dict[str, list[str]] = {}

    def fail(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if resource.share_type == ShareType.CONDITIONAL:
        if not resource.share_conditions.strip():
            fail("share_conditions", "A conditional entry must state its sharing conditions.")
        if not resource.share_basis.strip():
            fail("share_basis", "A conditional entry must state the basis of its conditions.")
    if resource.share_type == ShareType.NOT_SHARED:
        if not resource.share_basis.strip():
            fail("share_basis", "A not-shared entry must cite the law or policy that forbids sharing it.")
        if resource.is_basic:
            fail(
                "share_type",
                "Basic information resources are shared unconditionally by rule (Q5.2): not 'not shared'.",
            )
        if set(resource.service_methods) - {ServiceMethod.VERIFICATION}:
            fail("service_methods", "Not-shared data is offered only through verification interfaces (Q5.4).")
    if resource.open_type == OpenType.NOT_OPEN and not resource.not_open_reason.strip():
        fail("not_open_reason", "Say why the entry is not open (F11).")
    methods = resource.service_methods
    if not methods:
        fail("service_methods", "Offer at least one service method.")
    elif set(methods) - set(ServiceMethod.values):
        fail(
            "service_methods", f"Unknown service methods: {sorted(set(methods) - set(ServiceMethod.values))}."
        )
    items = list(resource.items.all())
    keys = [item for item in items if item.is_key]
    if not items:
        fail("items", "An entry needs its data items.")
    elif len(keys) != 1:
        fail("items", f"Exactly one data item must be the record key; {len(keys)} are.")
    if errors:
        raise ValidationError(errors)
