"""The catalog's rules (Q5.2, Q5.4, Q8.3, G10–G13, F11), checked before an entry goes to review."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .classification import NATIONAL_CODE
from .item_names import RESERVED_PREFIX, item_names_clash_message, item_names_clashing
from .models import DataItem, ItemType, OpenType, Resource, ServiceMethod, ShareType


def items_without_length(items: Iterable[DataItem]) -> list[str]:
    """The text items that do not say their data length (the guide's 数据长度)."""
    return [item.name for item in items if item.item_type == ItemType.STRING and not item.length]


def resource_check_rules(resource: Resource) -> None:
    """Raise ValidationError naming every rule the entry breaks, by field."""
    errors: dict[str, list[str]] = {}

    def fail(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if resource.share_type == ShareType.CONDITIONAL:
        if not resource.share_conditions.strip():
            fail("share_conditions", _("A conditional entry must state its sharing conditions."))
        if not resource.share_basis.strip():
            fail("share_basis", _("A conditional entry must state the basis of its conditions."))
    if resource.share_type == ShareType.NOT_SHARED:
        if not resource.share_basis.strip():
            fail("share_basis", _("A not-shared entry must cite the law or policy that forbids sharing it."))
        if set(resource.service_methods) - {ServiceMethod.VERIFICATION}:
            fail(
                "service_methods",
                _("Not-shared data is offered only through verification interfaces (Q5.4)."),
            )
    if resource.is_basic and resource.share_type != ShareType.UNCONDITIONAL:
        # Q5.2: the basic items of population, legal persons, natural resources and geography,
        # e-licences and credit are a common need of every unit: unconditional, never conditional.
        fail(
            "share_type",
            _("Basic information resources are shared unconditionally by rule (Q5.2): not '%(value)s'.")
            % {"value": ShareType(resource.share_type).label},
        )
    _check_national_metadata(resource, fail)
    if resource.open_type == OpenType.NOT_OPEN and not resource.not_open_reason.strip():
        fail("not_open_reason", _("Say why the entry is not open (F11)."))
    methods = resource.service_methods
    if not methods:
        fail("service_methods", _("Offer at least one service method."))
    elif set(methods) - set(ServiceMethod.values):
        fail(
            "service_methods",
            _("Unknown service methods: %(methods)s.")
            % {"methods": ", ".join(sorted(set(methods) - set(ServiceMethod.values)))},
        )
    items = list(resource.items.all())
    keys = [item for item in items if item.is_key]
    if not items:
        fail("items", _("An entry needs its data items."))
    elif len(keys) != 1:
        fail("items", _("Exactly one data item must be the record key; %(keys)s are.") % {"keys": len(keys)})
    _check_item_names(items, fail)
    _check_region_item(items, fail)
    unmeasured = items_without_length(items)
    if unmeasured:
        fail(
            "items",
            _("Give the data length of every text item: %(unmeasured)s.")
            % {"unmeasured": ", ".join(unmeasured)},
        )
    if errors:
        raise ValidationError(errors)


def _check_item_names(items: list[DataItem], fail) -> None:
    """The identifiers name the columns of the entry's records table (items saved before the rules
    existed are caught here, before they are published)."""
    reserved = [item.name for item in items if item.name.startswith(RESERVED_PREFIX)]
    if reserved:
        fail(
            "items",
            _("Data item identifiers must not start with “_”: %(names)s.") % {"names": ", ".join(reserved)},
        )
    clashing = item_names_clashing(item.name for item in items)
    if clashing:
        fail("items", item_names_clash_message(clashing))


def _check_region_item(items: list[DataItem], fail) -> None:
    """FB12: records flow back to a lower node by the division code of one text item."""
    regions = [item for item in items if item.is_region]
    if len(regions) > 1:
        fail(
            "items",
            _("At most one data item may be the region code item; %(count)s are.") % {"count": len(regions)},
        )
    not_text = [item.name for item in regions if item.item_type != ItemType.STRING]
    if not_text:
        fail(
            "items",
            _("The region code item must be a text item: %(names)s.") % {"names": ", ".join(not_text)},
        )


def _check_national_metadata(resource: Resource, fail) -> None:
    classification = resource.classification
    if classification is None or not classification.category:
        fail("classification", _("Classify the entry: its class and, for a basic resource, its item."))
    national = NATIONAL_CODE.match(resource.code)
    if national and classification and national["classification"] != classification.code:
        fail(
            "code",
            _("The code's first segment must be the classification code %(code)s.")
            % {"code": classification.code},
        )
    if not resource.holds_no_classified_data:
        # Q8.3: classified data never enters the platform.
        fail("holds_no_classified_data", _("Declare that the entry holds no classified data (Q8.3)."))
