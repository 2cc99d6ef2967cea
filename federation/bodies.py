"""Reading a received message's body (docs/federation.md §8): each reader returns the field's value or
refuses the message with a ``HandlerError`` that names the field, prefixed with the message's kind when
given. The words are the sending node's administrator's (English, in its outbox's last error), not a
person's here."""

import datetime as dt

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from .handlers import HandlerError


def _refuse(kind: str, text: str) -> HandlerError:
    return HandlerError(f"{kind}: {text}" if kind else text)


def text(body: dict, name: str, max_length: int, *, required: bool = True, kind: str = "") -> str:
    """A text of at most ``max_length`` characters, not blank when ``required``; an optional one may be
    missing or null (then "")."""
    value = body.get(name)
    if value is None and not required:
        value = ""
    if not isinstance(value, str) or (required and not value.strip()) or len(value) > max_length:
        article = "a" if required else "an optional"
        raise _refuse(kind, f'"{name}" must be {article} text of at most {max_length} characters')
    return value


def whole(body: dict, name: str, *, minimum: int = 0, kind: str = "") -> int:
    """A whole number (not a boolean), ``minimum`` or more."""
    value = body.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise _refuse(kind, f'"{name}" must be a whole number, {minimum} or more')
    return value


def day(body: dict, name: str, *, kind: str = "") -> dt.date:
    value = body.get(name)
    try:
        return dt.date.fromisoformat(value if isinstance(value, str) else "")
    except ValueError:
        raise _refuse(kind, f'"{name}" must be a date, YYYY-MM-DD') from None


def moment(body: dict, name: str, *, required: bool = True, kind: str = "") -> dt.datetime | None:
    """An ISO 8601 date and time with its offset; an optional one may be missing, null or "" (then None)."""
    value = body.get(name)
    if value in (None, "") and not required:
        return None
    try:
        found = parse_datetime(value) if isinstance(value, str) else None
    except ValueError:  # well formed, not a date: 2026-13-45
        found = None
    if found is None or timezone.is_naive(found):
        raise _refuse(kind, f'"{name}" must be an ISO 8601 date and time with its time zone')
    return found
