"""A JSON file of records read one record at a time, so that a large file never sits in memory whole as
a list of dicts: ``[{…}, {…}]`` or ``{"records": [{…}, {…}]}``. Numbers are parsed with bounds
(``values.json_int`` and friends), and errors say the line and column, as ``json.loads`` would.
"""

import json
from collections.abc import Iterator
from typing import IO, Any

from django.utils.translation import gettext as _

from .schema import IngestError
from .values import json_constant, json_float, json_int

READ_CHARS = 1 << 20
MAX_RECORD_CHARS = 4 << 20  # one record's JSON text; a record of a hundred 4,000-character items fits
CUT_SHORT_CHARS = 16  # the longest token a read can cut in two and the decoder fail on (-Infinity)
_WHITESPACE = " \t\n\r"
_DECODER = json.JSONDecoder(parse_float=json_float, parse_int=json_int, parse_constant=json_constant)


class JsonRecords:
    """The records of a JSON text stream, in order."""

    def __init__(self, text: IO[str]) -> None:
        self.text = text
        self.buffer = ""
        self.position = 0  # in the buffer
        self.line, self.column = 0, 0  # where the buffer starts (0-based), for the messages
        self.ended = False

    def __iter__(self) -> Iterator[Any]:
        opening = self.next_character()
        if opening == "{":
            self.records_member()
        elif opening != "[":
            raise _not_a_list()
        self.position += 1
        if self.next_character() == "]":
            self.position += 1
        else:
            while True:
                yield self.value()
                separator = self.next_character()
                self.position += 1
                if separator == "]":
                    break
                if separator != ",":
                    raise self.error(_("Expecting ',' delimiter"), self.position - 1)
        if opening == "{":
            self.rest_of_object()
        if self.next_character() != "":
            raise self.error(_("Extra data"), self.position)

    def records_member(self) -> None:
        """``{"records": [`` : the list of records is the object's first member."""
        self.position += 1
        if self.next_character() != '"':
            raise _not_a_list()
        if self.value() != "records" or self.next_character() != ":":
            raise _not_a_list()
        self.position += 1
        if self.next_character() != "[":
            raise _not_a_list()

    def rest_of_object(self) -> None:
        """Members after the records (a count, a date) are read and left; then the closing brace."""
        while (character := self.next_character()) == ",":
            self.position += 1
            self.value()  # the member's name
            if self.next_character() != ":":
                raise self.error(_("Expecting ':' delimiter"), self.position)
            self.position += 1
            self.value()
        if character != "}":
            raise self.error(_("Expecting ',' delimiter"), self.position)
        self.position += 1

    def next_character(self) -> str:
        """The next character that is not white space, without taking it; "" at the end."""
        while True:
            while self.position < len(self.buffer) and self.buffer[self.position] in _WHITESPACE:
                self.position += 1
            if self.position < len(self.buffer) or not self.read_more():
                return self.buffer[self.position : self.position + 1]

    def value(self) -> Any:
        """One JSON value from the buffer, reading more while it is cut short."""
        self.next_character()
        while True:
            try:
                value, end = _DECODER.raw_decode(self.buffer, self.position)
            except json.JSONDecodeError as exc:
                if not _cut_short(exc, self.buffer):  # a mistake in the text, not the end of a read
                    raise self.error(exc.msg, exc.pos) from None
                if len(self.buffer) - self.position > MAX_RECORD_CHARS:
                    raise IngestError(
                        _("A record is longer than %(max)s characters.") % {"max": MAX_RECORD_CHARS}
                    ) from None
                start = self.position
                if self.read_more():
                    continue
                # The read that found the end dropped what was before the value: the buffer moved.
                raise self.error(exc.msg, exc.pos - (start - self.position)) from None
            if end == len(self.buffer) and self.read_more():
                continue  # a number may go on in the next read: 12|34
            self.position = end
            return value

    def read_more(self) -> bool:
        if self.ended:
            return False
        self.forget_read()
        more = self.text.read(READ_CHARS)
        self.ended = not more
        self.buffer += more
        return bool(more)

    def forget_read(self) -> None:
        """Drop what has been read, keeping the line and column where the buffer now starts."""
        done = self.buffer[: self.position]
        lines = done.count("\n")
        self.line += lines
        self.column = len(done) - done.rfind("\n") - 1 if lines else self.column + len(done)
        self.buffer, self.position = self.buffer[self.position :], 0

    def error(self, message: str, position: int) -> IngestError:
        before = self.buffer[:position]
        lines = before.count("\n")
        column = len(before) - before.rfind("\n") if lines else self.column + len(before) + 1
        return IngestError(
            _("The file is not valid JSON: %(exc)s (line %(lineno)s, column %(colno)s).")
            % {"exc": message, "lineno": self.line + lines + 1, "colno": column}
        )


def _cut_short(exc: json.JSONDecodeError, buffer: str) -> bool:
    """Whether the decoder failed only because the buffer ends inside the value: a string not closed yet,
    or a failure within the last few characters (``tru``, ``1.``, ``\\u12``, nothing after a comma).
    Reading on past any other failure would only end in "a record is longer than …", not its place."""
    return exc.msg.startswith("Unterminated string") or exc.pos >= len(buffer) - CUT_SHORT_CHARS


def _not_a_list() -> IngestError:
    return IngestError(_('A JSON file holds a list of records: [{"item": value, …}, …].'))
