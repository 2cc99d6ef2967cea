"""The national catalog's classification and resource codes (政务信息资源目录编制指南, GB/T 21063).

A resource code is the classification code, a "/", then the sequence code; the sequence here is the
provider's unified social credit code and a 6-digit number, so two providers never draw the same code:
``102001/11350500MB0000041X-000001``.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from dataplatform.core.models import Unit

from .classification_tree import BY_CATEGORY, classification_tree_seed
from .models import Category, Classification, Resource

# An entry registered with a category only is classified by it: the basic resource's item, or the class.
CLASSIFICATION_BY_CATEGORY: dict[str, str] = BY_CATEGORY
NATIONAL_CODE = re.compile(r"^(?P<classification>\d+)/(?P<provider>[0-9A-Z]{18})-(?P<sequence>\d{6})$")
# Codes registered before the national form (and units' own codes) stay valid: letters, digits, - _ .
LOCAL_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
SEQUENCE_DIGITS = 6


def classification_resolve(fields: dict, *, current: Resource | None = None) -> None:
    """Make ``fields``' classification and category agree, in place: the classification decides the
    category; a category alone picks its default classification."""
    classification: Classification | None = fields.get("classification")
    category = fields.get("category")
    if classification is not None:
        if not classification.category:
            raise ValidationError(
                {
                    "classification": [
                        _("Choose the basic resource the entry belongs to, not the class alone.")
                    ]
                }
            )
        if category and category != classification.category:
            raise ValidationError(
                {
                    "category": [
                        _(
                            "The classification %(classification)s is of the category %(category)s, not %(chosen)s."
                        )
                        % {
                            "classification": classification,
                            "category": Category(classification.category).label,
                            "chosen": Category(category).label,
                        }
                    ]
                }
            )
        fields["category"] = classification.category
    elif category in CLASSIFICATION_BY_CATEGORY:
        if current is not None and current.classification and current.classification.category == category:
            return
        fields["classification"] = classification_by_code(CLASSIFICATION_BY_CATEGORY[category])
    elif not category and (current is None or {"category", "classification"} & fields.keys()):
        raise ValidationError({"classification": [_("Choose the entry's classification.")]})


def classification_by_code(code: str) -> Classification:
    node = Classification.objects.filter(code=code).first()
    if node is None:
        # The standard tree is the platform's own data: a database emptied of it (a test that flushes
        # its tables) gets it again.
        classification_tree_seed(Classification, Resource)
        node = Classification.objects.get(code=code)
    return node


def resource_code_check(code: str, classification: Classification | None) -> None:
    """A code is either in the national form, whose first segment is the entry's classification, or a
    plain code of letters, digits and - _ . (the codes registered before the national form)."""
    national = NATIONAL_CODE.match(code)
    if national is None:
        if not LOCAL_CODE.match(code):
            raise ValidationError(
                {
                    "code": [
                        _(
                            "A resource code is '<classification code>/<provider credit code>-<6 digits>' or letters, digits and - _ . only."
                        )
                    ]
                }
            )
        return
    if classification is not None and national["classification"] != classification.code:
        raise ValidationError(
            {
                "code": [
                    _("The code's first segment must be the classification code %(code)s.")
                    % {"code": classification.code}
                ]
            }
        )


def resource_code_next(*, classification: Classification, provider: Unit) -> str:
    """The next free code of ``provider`` under ``classification``. Call it inside a transaction."""
    # Lock the classification's row: two entries drawn at once under it would take the same number.
    Classification.objects.select_for_update().filter(pk=classification.pk).first()
    prefix = f"{classification.code}/{provider.credit_code}-"
    taken = Resource.objects.filter(code__startswith=prefix).values_list("code", flat=True)
    numbers = [int(code[len(prefix) :]) for code in taken if code[len(prefix) :].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:0{SEQUENCE_DIGITS}d}"


def related_codes_check(codes: list, *, own_code: str = "") -> list[str]:
    """The related resource codes, each naming another entry of the catalog; duplicates dropped."""
    if not isinstance(codes, list) or not all(isinstance(code, str) for code in codes):
        raise ValidationError({"related_codes": [_("Give the related resource codes as a list of codes.")]})
    wanted = list(dict.fromkeys(code.strip() for code in codes if code.strip()))
    if own_code in wanted:
        raise ValidationError({"related_codes": [_("An entry is not related to itself.")]})
    known = set(Resource.objects.filter(code__in=wanted).values_list("code", flat=True))
    unknown = [code for code in wanted if code not in known]
    if unknown:
        raise ValidationError(
            {
                "related_codes": [
                    _("No catalog entry has the code: %(unknown)s.") % {"unknown": ", ".join(unknown)}
                ]
            }
        )
    return wanted
