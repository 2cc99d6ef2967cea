"""The unified social credit code (统一社会信用代码) as GB 32100-2015 defines it.

Eighteen characters from a 31-character alphabet (no I, O, S, V or Z); the last is a check
character computed from the first seventeen with fixed weights, modulo 31.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def check_character(first17: str) -> str:
    total = sum(ALPHABET.index(char) * weight for char, weight in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    if len(value) != 18:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(n)d."),
            code="length",
            params={"n": len(value)},
        )
    bad = sorted({char for char in value if char not in ALPHABET})
    if bad:
        raise ValidationError(
            _(
                "A unified social credit code uses only digits and capital letters other than I, O, S, V and Z; found %(bad)s."
            ),
            code="alphabet",
            params={"bad": "".join(bad)},
        )
    if not value[2:8].isdigit():
        raise ValidationError(
            _(
                "Characters 3 to 8 of a unified social credit code are the administrative division code (digits)."
            ),
            code="division",
        )
    expected = check_character(value[:17])
    if value[17] != expected:
        raise ValidationError(
            _(
                "The check character of this unified social credit code should be %(expected)s, not %(found)s."
            ),
            code="check",
            params={"expected": expected, "found": value[17]},
        )
