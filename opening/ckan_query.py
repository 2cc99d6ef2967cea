"""The Solr query syntax CKAN clients and harvesters send in package_search's ``q`` and ``fq``, read by
recursive descent into a Django ``Q`` over open entries.

Grammar (Lucene's, as CKAN's Solr reads it with ``q.op=AND``)::

    or    := and (("OR" | "||") and)*
    and   := unary (("AND" | "&&")? unary)*
    unary := ("NOT" | "-" | "!") unary | "+" unary | primary
    primary := "(" or ")" | FIELD ":" primary | range | PHRASE | WORD
    range := ("[" | "{") bound "TO" bound ("]" | "}")          bound: "*", an ISO date or NOW, with date maths

What each field means is ``FieldMatcher``'s business (``opening.ckan_search``); this module knows the
syntax and Solr's date maths only.
"""

import calendar
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

ALL = Q(pk__isnull=False)  # not Q(): an empty Q vanishes from "a OR b", so "*:* OR x" would narrow to x
NONE = Q(pk__in=[])

TOKEN = re.compile(
    r"""\s*(?:
        (?P<phrase>"(?:[^"\\]|\\.)*")
      | (?P<op>&&|\|\||[()\[\]{}])
      | (?P<field>[A-Za-z_][\w.]*):
      | (?P<sign>[-+!])(?=\S)
      | (?P<word>(?:[^\s()\[\]{}"\\]|\\.)+)
    )""",
    re.VERBOSE,
)
DATE = re.compile(
    r"^(?P<base>NOW|\d{4}-\d\d-\d\d(?:T\d\d:\d\d:\d\d(?:\.\d{1,9})?)?Z?)(?P<maths>(?:[-+]\d+[A-Z]+|/[A-Z]+)*)$"
)
MATH = re.compile(r"([-+/])(\d*)([A-Z]+)")
UNITS: dict[str, int | dt.timedelta] = {  # Solr's date maths units: months, or a fixed step
    "YEAR": 12,
    "MONTH": 1,
    "DAY": dt.timedelta(days=1),
    "DATE": dt.timedelta(days=1),
    "HOUR": dt.timedelta(hours=1),
    "MINUTE": dt.timedelta(minutes=1),
    "SECOND": dt.timedelta(seconds=1),
    "MILLI": dt.timedelta(milliseconds=1),
    "MILLISECOND": dt.timedelta(milliseconds=1),
}
TRUNCATE = ["YEAR", "MONTH", "DAY", "HOUR", "MINUTE", "SECOND"]


class QuerySyntaxError(ValueError):
    """A query Solr cannot parse: CKAN answers 409 "Search Error"."""


class QueryFieldError(ValueError):
    """A field the catalog does not index or cannot compare: 400 "Search Query Error"."""


@dataclass(frozen=True)
class Range:
    """``[low TO high]``, bounds as written (a field knows how to read them), None for ``*``."""

    low: str | None
    high: str | None
    include_low: bool
    include_high: bool


Matcher = Callable[[str | None, "str | Range"], Q]


def tokens(text: str) -> list[tuple[str, str]]:
    found, pos, text = [], 0, text.strip()
    while pos < len(text):
        match = TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise QuerySyntaxError(f"cannot read the query at {text[pos : pos + 20]!r}")
        kind = match.lastgroup or ""
        found.append((kind, match.group(kind)))
        pos = match.end()
    return found


def unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def solr_date(text: str, *, now: dt.datetime | None = None) -> dt.datetime:
    """An ISO instant (UTC, as Solr stores them) or NOW, then date maths: ``NOW-1DAY``, ``NOW/DAY``,
    ``2024-05-01T00:00:00Z+2HOURS``."""
    match = DATE.match(text.strip().upper())
    if match is None:
        raise QuerySyntaxError(f"Invalid Date String: {text!r}")
    base = match["base"]
    if base == "NOW":
        moment = (now or timezone.now()).astimezone(dt.UTC)
    else:
        try:
            moment = dt.datetime.fromisoformat(base.rstrip("Z")[:26]).replace(tzinfo=dt.UTC)
        except ValueError as exc:
            raise QuerySyntaxError(f"Invalid Date String: {text!r}") from exc
    for sign, amount, unit in MATH.findall(match["maths"]):
        unit = unit.removesuffix("S")
        if unit not in UNITS or (sign != "/" and not amount):
            raise QuerySyntaxError(f"Invalid date maths in {text!r}")
        if sign == "/":
            moment = _truncate(moment, unit)
        else:
            step, size = int(amount) * (-1 if sign == "-" else 1), UNITS[unit]
            if isinstance(size, int):
                moment = _add_months(moment, step * size)
            else:
                moment += step * size
    return moment


def _add_months(moment: dt.datetime, months: int) -> dt.datetime:
    """Calendar months, the day clamped to the month's last (Solr: 2024-01-31+1MONTH is 2024-02-29)."""
    index = moment.year * 12 + moment.month - 1 + months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def _truncate(moment: dt.datetime, unit: str) -> dt.datetime:
    """``/UNIT``: the moment rounded down to the start of its unit."""
    if unit in ("MILLI", "MILLISECOND"):
        return moment.replace(microsecond=moment.microsecond // 1000 * 1000)
    unit = "DAY" if unit == "DATE" else unit
    parts = [moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second]
    keep = TRUNCATE.index(unit) + 1
    year, month, day, hour, minute, second = parts[:keep] + [1, 1, 0, 0, 0][keep - 1 :]
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=moment.tzinfo)


class QueryParser:
    def __init__(self, text: str, matcher: Matcher) -> None:
        self.tokens = tokens(text)
        self.pos = 0
        self.match = matcher

    def parse(self) -> Q:
        if not self.tokens:
            return ALL
        query = self.or_expr(None)
        if self.pos < len(self.tokens):
            raise QuerySyntaxError(f"unexpected {self.tokens[self.pos][1]!r}")
        return query

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise QuerySyntaxError("the query ends too early")
        self.pos += 1
        return token

    def expect(self, *wanted: tuple[str, str]) -> tuple[str, str]:
        token = self.take()
        if token not in wanted:
            raise QuerySyntaxError(f"expected {' or '.join(w[1] for w in wanted)}, got {token[1]!r}")
        return token

    def or_expr(self, field: str | None) -> Q:
        query = self.and_expr(field)
        while self.peek() in (("word", "OR"), ("op", "||")):
            self.take()
            query = query | self.and_expr(field)
        return query

    def and_expr(self, field: str | None) -> Q:
        query = self.unary(field)
        while (token := self.peek()) is not None and token not in (("word", "OR"), ("op", "||"), ("op", ")")):
            if token in (("word", "AND"), ("op", "&&")):
                self.take()
            query = query & self.unary(field)
        return query

    def unary(self, field: str | None) -> Q:
        token = self.peek()
        if token in (("word", "NOT"), ("sign", "-"), ("sign", "!")):
            self.take()
            return ~self.unary(field)
        if token == ("sign", "+"):
            self.take()
        return self.primary(field)

    def primary(self, field: str | None) -> Q:
        kind, text = self.take()
        if (kind, text) == ("op", "("):
            query = self.or_expr(field)
            self.expect(("op", ")"))
            return query
        if kind == "field" and field is None:
            return self.unary(text)
        if (kind, text) in (("op", "["), ("op", "{")):
            return self.match(field, self.range(include_low=text == "["))
        if kind == "phrase":
            return self.match(field, unescape(text[1:-1]))
        if kind == "word" and text not in ("AND", "OR", "NOT"):
            return self.match(field, unescape(text))
        raise QuerySyntaxError(f"unexpected {text!r}")

    def range(self, *, include_low: bool) -> Range:
        low = self.bound()
        self.expect(("word", "TO"))
        high = self.bound()
        _, close = self.expect(("op", "]"), ("op", "}"))
        return Range(low, high, include_low, close == "]")

    def bound(self) -> str | None:
        kind, text = self.take()
        if kind not in ("word", "phrase"):
            raise QuerySyntaxError(f"unexpected {text!r} in a range")
        text = unescape(text.strip('"'))
        return None if text == "*" else text


def parse_query(text: str, matcher: Matcher) -> Q:
    """``text`` as a ``Q``; ``matcher(field, value)`` gives the condition of one clause (``field`` None
    for free text, ``value`` a string or a ``Range``)."""
    return QueryParser(text, matcher).parse()
