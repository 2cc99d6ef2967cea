"""One cell's value in its canonical, JSON-serializable form (int; str for decimals; ISO text for dates
and times; bool), so that the same data always stores the same way and a re-upload is "unchanged".
"""

import datetime as dt
import re
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import ItemType

MAX_NUMBER_CHARS = 40  # digits of a whole number, characters of a number as a JSON file writes it
MAX_EXPONENT = 100  # of a decimal: 1E+100 and 1E-100 are the largest and smallest written out
MAX_CELL_CHARS = 4000  # of a text value whose data item states no length


def _show(value: Any) -> str:
    text = str(value)
    return f"'{text[:40]}…'" if len(text) > 40 else f"'{text}'"


class OutOfRange:
    """A number in a JSON file that no data item holds (too many digits, an exponent of 999999, NaN,
    Infinity). The parser keeps it as written, so that the row and column are named; a converter meeting
    it refuses it like any value of the wrong kind, and is never asked to write out a million digits."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        return self.text

    @property
    def message(self) -> str:
        return _("%(value)s is not a number in range.") % {"value": _show(self.text)}


def json_int(text: str) -> int | OutOfRange:
    """json.loads' parse_int: bounded before int() reads the digits."""
    return int(text) if len(text) <= MAX_NUMBER_CHARS else OutOfRange(text)


def json_float(text: str) -> Decimal | OutOfRange:
    """json.loads' parse_float: an exact decimal, as written, within the bounds."""
    if len(text) > MAX_NUMBER_CHARS:
        return OutOfRange(text)
    number = Decimal(text)
    return number if _in_range(number) else OutOfRange(text)


def json_constant(text: str) -> OutOfRange:
    """json.loads' parse_constant: NaN, Infinity and -Infinity are no values a record holds."""
    return OutOfRange(text)


def _in_range(number: Decimal) -> bool:
    exponent = number.as_tuple().exponent  # a letter for NaN and the infinities, else a number
    return isinstance(exponent, int) and abs(exponent) <= MAX_EXPONENT and number.adjusted() <= MAX_EXPONENT


def _number(raw: float | Decimal) -> Decimal:
    """A float or decimal from a workbook or JSON as an exact decimal, refused out of range."""
    number = Decimal(repr(raw)) if isinstance(raw, float) else raw
    if not _in_range(number):
        raise ValueError(_("%(value)s is not a number in range.") % {"value": _show(raw)})
    return number


def _text_of_number(value: float | Decimal) -> str:
    return _decimal_text(_number(value))


def to_string(raw: Any) -> str | None:
    if type(raw) is str:
        value = raw.strip()
    elif raw is None:
        return None
    elif isinstance(raw, bool):
        raise ValueError(_("%(value)s is a yes/no value, not text.") % {"value": _show(raw)})
    elif isinstance(raw, int):
        value = str(raw)
    elif isinstance(raw, float | Decimal):
        value = _text_of_number(raw)
    elif isinstance(raw, dt.date):  # a spreadsheet cell formatted as a date, in a text column
        value = raw.isoformat()
    else:
        raise ValueError(_("%(value)s is not text.") % {"value": _show(raw)})
    if "\x00" in value:
        raise ValueError(_("Text must not contain NUL characters."))
    if not value.isascii():
        try:
            value.encode()
        except UnicodeEncodeError:  # a lone surrogate from a JSON escape: no database stores it
            raise ValueError(
                _("Text holds a character that is not valid Unicode (a lone surrogate).")
            ) from None
    return value or None


_THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")


def _parse_decimal(text: str) -> Decimal:
    if _THOUSANDS.fullmatch(text):
        text = text.replace(",", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(_("%(value)s is not a number.") % {"value": _show(text)}) from None
    if len(text) > MAX_NUMBER_CHARS or not _in_range(number):
        raise ValueError(_("%(value)s is not a number in range.") % {"value": _show(text)})
    return number


INTEGER_MIN, INTEGER_MAX = -(2**63), 2**63 - 1  # an integer item's column is a bigint (catalog.records)


def to_integer(raw: Any) -> int | None:
    value = _to_integer(raw)
    if value is not None and not INTEGER_MIN <= value <= INTEGER_MAX:
        raise ValueError(
            _("%(value)s is outside the range of whole numbers a data item holds (19 digits).")
            % {"value": _show(raw)}
        )
    return value


def _to_integer(raw: Any) -> int | None:
    if type(raw) is str:
        value = raw.strip()
        if not value:
            return None
        if len(value) > MAX_NUMBER_CHARS:
            raise ValueError(_("%(value)s is not a number in range.") % {"value": _show(value)})
        try:
            return int(value)
        except ValueError:
            pass
        try:
            number = _parse_decimal(value)  # 1,234 or 12.0
        except ValueError:
            raise ValueError(_("%(value)s is not a whole number.") % {"value": _show(value)}) from None
    elif raw is None:
        return None
    elif isinstance(raw, bool):
        raise ValueError(_("%(value)s is a yes/no value, not a whole number.") % {"value": _show(raw)})
    elif isinstance(raw, int):
        if len(str(abs(raw))) > MAX_NUMBER_CHARS:
            raise ValueError(_("%(value)s is not a number in range.") % {"value": _show(raw)})
        return raw
    elif isinstance(raw, float | Decimal):
        try:
            number = _number(raw)
        except ValueError:
            raise ValueError(_("%(value)s is not a whole number.") % {"value": _show(raw)}) from None
    else:
        raise ValueError(_("%(value)s is not a whole number.") % {"value": _show(raw)})
    if number != number.to_integral_value():
        raise ValueError(_("%(value)s is not a whole number.") % {"value": _show(raw)})
    if number.adjusted() >= MAX_NUMBER_CHARS:
        raise ValueError(_("%(value)s is not a number in range.") % {"value": _show(raw)})
    return int(number)


def _decimal_text(number: Decimal) -> str:
    """Exact and without trailing zeros, so that 10.50, 10.5 and a spreadsheet's 10.5 agree."""
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def to_decimal(raw: Any) -> str | None:
    if type(raw) is str:
        value = raw.strip()
        return _decimal_text(_parse_decimal(value)) if value else None
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise ValueError(_("%(value)s is a yes/no value, not a number.") % {"value": _show(raw)})
    if isinstance(raw, int):
        return str(raw)
    if isinstance(raw, float | Decimal):
        return _decimal_text(_number(raw))
    raise ValueError(_("%(value)s is not a number.") % {"value": _show(raw)})


# 2024/1/5, 2024.01.05, 2024年1月5日, optionally with a midnight time as spreadsheets export dates.
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+0?0:00(?::00)?)?")
_DATETIME = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s*|T)"
    r"(\d{1,2})\s*[:时]\s*(\d{1,2})(?:\s*[:分]\s*(\d{1,2})(?:\.(\d{1,6}))?)?\s*秒?"
)


def to_date(raw: Any) -> str | None:
    if type(raw) is str:
        value = raw.strip()
        if not value:
            return None
        try:
            return dt.date.fromisoformat(value).isoformat()
        except ValueError:
            pass
        match = _DATE.fullmatch(value)
        try:
            if match:
                return dt.date(*map(int, match.groups())).isoformat()
        except ValueError:
            pass
        raise ValueError(_("%(value)s is not a date (write it as YYYY-MM-DD).") % {"value": _show(value)})
    if raw is None:
        return None
    if isinstance(raw, dt.datetime):
        if raw.time() != dt.time(0):
            raise ValueError(_("%(value)s has a time of day; a date is expected.") % {"value": _show(raw)})
        return raw.date().isoformat()
    if isinstance(raw, dt.date):
        return raw.isoformat()
    raise ValueError(_("%(value)s is not a date (write it as YYYY-MM-DD).") % {"value": _show(raw)})


def _utc_text(moment: dt.datetime) -> str:
    # SPEC 8: times are stored in UTC; a time without a zone is China Standard Time.
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return moment.astimezone(dt.UTC).isoformat()


def to_datetime(raw: Any) -> str | None:
    if type(raw) is str:
        value = raw.strip()
        if not value:
            return None
        try:
            return _utc_text(dt.datetime.fromisoformat(value))
        except ValueError:
            pass
        match = _DATETIME.fullmatch(value)
        try:
            if match:
                *parts, fraction = match.groups()
                year, month, day, hour, minute, second = (int(p or 0) for p in parts)
                micro = int((fraction or "0").ljust(6, "0"))
                return _utc_text(dt.datetime(year, month, day, hour, minute, second, micro))
        except ValueError:
            pass
        raise ValueError(
            _("%(value)s is not a date and time (write it as YYYY-MM-DD HH:MM:SS).") % {"value": _show(value)}
        )
    if raw is None:
        return None
    if isinstance(raw, dt.datetime):
        return _utc_text(raw)
    if isinstance(raw, dt.date):
        return _utc_text(dt.datetime.combine(raw, dt.time(0)))
    raise ValueError(
        _("%(value)s is not a date and time (write it as YYYY-MM-DD HH:MM:SS).") % {"value": _show(raw)}
    )


_TRUE = {"true", "t", "yes", "y", "1", "是", "对", "真", "√"}
_FALSE = {"false", "f", "no", "n", "0", "否", "错", "假", "×"}


def to_boolean(raw: Any) -> bool | None:
    if type(raw) is str:
        value = raw.strip().lower()
        if not value:
            return None
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
    elif raw is None:
        return None
    elif isinstance(raw, bool):
        return raw
    elif isinstance(raw, int | float | Decimal) and raw in (0, 1):
        return raw == 1
    raise ValueError(
        _("%(value)s is not a yes/no value (write true or false, 是 or 否).") % {"value": _show(raw)}
    )


CONVERTERS: dict[str, Callable[[Any], Any]] = {
    ItemType.STRING: to_string,
    ItemType.INTEGER: to_integer,
    ItemType.DECIMAL: to_decimal,
    ItemType.DATE: to_date,
    ItemType.DATETIME: to_datetime,
    ItemType.BOOLEAN: to_boolean,
}


# --- Checking rows ---------------------------------------------------------------------------------
# Rows are checked a chunk at a time, column by column: the common case (every value of a column is
# good) then runs in C (map, zip, set) rather than in a Python loop per value, which keeps a million
# rows to seconds. Only a column with a bad value is gone through value by value, for the messages.


def _fast_strings(column: Sequence[str]) -> list[str] | list[str | None]:
    stripped = list(map(str.strip, column))
    if "\x00" in "".join(stripped):
        raise ValueError
    return [value or None for value in stripped] if "" in stripped else stripped


def _fast_integers(column: Sequence[str]) -> list[int | None]:
    stripped = list(map(str.strip, column))
    if max(map(len, stripped), default=0) > MAX_NUMBER_CHARS:
        raise ValueError
    values: list[int | None]
    if "" in stripped:
        values = [int(value) if value else None for value in stripped]
        numbers = [value for value in values if value is not None]
    else:
        numbers = list(map(int, stripped))
        values = list(numbers)
    if numbers and (min(numbers) < INTEGER_MIN or max(numbers) > INTEGER_MAX):
        raise ValueError  # each cell is checked again, and the one out of range named
    return values


def _fast_dates(column: Sequence[str]) -> list[str | None]:
    stripped, parse = list(map(str.strip, column)), dt.date.fromisoformat
    if "" in stripped:
        return [parse(value).isoformat() if value else None for value in stripped]
    return list(map(dt.date.isoformat, map(parse, stripped)))


# For text cells (CSV): the same results as CONVERTERS for good values; any bad value raises.
FAST_TEXT_CONVERTERS: dict[str, Callable[[Sequence[str]], list]] = {
    ItemType.STRING: _fast_strings,
    ItemType.INTEGER: _fast_integers,
    ItemType.DATE: _fast_dates,
}
