"""Checking rows against a resource's data items: required values, types, keys."""

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from ..models import ItemType
from .readers import RowChunk
from .schema import Item, Schema
from .values import CONVERTERS, FAST_TEXT_CONVERTERS, MAX_CELL_CHARS, OutOfRange, _show

MAX_LISTED_ERRORS = 1000  # a file of bad rows lists this many; the count says how many more there were
KEY_MAX_LENGTH = 200  # Record.key

_BAD_CELL = (ValueError, TypeError, ArithmeticError)


@dataclass
class Chunk:
    """Checked rows: their keys, and one list of canonical values per data item, in the schema's order.

    ``numbers`` and ``bad`` (positions of rows with an error) are for a checker that leaves repeated keys
    to the caller (``remember_keys=False``): it hands on every chunk, with errors or not, and
    ``claims`` are the keys the caller looks for repeats in.
    """

    keys: list
    columns: list[list]
    numbers: Sequence[int] = ()
    bad: set[int] = field(default_factory=set)

    def rows(self) -> Iterator[tuple]:
        return zip(self.keys, *self.columns, strict=True)

    def claims(self) -> Iterator[tuple[str, int, bool]]:
        """(key, row number, has an error) of each row whose key could be stored: a row wrong in other
        columns still claims its key, so that a later row with the same key is said at once."""
        for i, (key, number) in enumerate(zip(self.keys, self.numbers, strict=True)):
            if key is not None and _storable_key(key):
                yield key, number, i in self.bad


def _storable_key(key: str) -> bool:
    return len(key) <= KEY_MAX_LENGTH and not any(character in key for character in "\t\n\r")


@dataclass
class RowChecker:
    """Checks the rows of one file or API batch against a schema and collects every error.

    The checks yield a ``Chunk`` of canonical values per CHUNK_ROWS rows, or None once any error has
    been found: a batch is applied only when ``error_count`` is still 0 at the end.

    ``remember_keys``: repeated keys are found here, which holds every key and its row number until the
    end. False: the caller finds them (PostgreSQL's stage table, ``repeated_keys``), nothing here grows
    with the file, and every chunk is handed on, errors or not, for its keys.
    """

    schema: Schema
    remember_keys: bool = True
    errors: list[dict] = field(default_factory=list)
    error_count: int = 0
    bad_rows: int = 0
    processed: int = 0
    key_column: str = ""  # as the file names it: the data item's name or its label
    _seen: dict[str, int] = field(default_factory=dict)

    def error(self, row: int, column: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_LISTED_ERRORS:
            self.errors.append({"row": row, "column": column, "message": message})

    def summary(self) -> str:
        counts = {
            "errors": number_format(self.error_count, force_grouping=True),
            "rows": number_format(max(self.bad_rows, 1), force_grouping=True),
            "listed": number_format(len(self.errors), force_grouping=True),
        }
        if self.error_count > len(self.errors):
            return (
                _(
                    "Nothing was stored: %(errors)s error(s) in %(rows)s row(s); the first %(listed)s are "
                    "listed. Correct the data and send it again."
                )
                % counts
            )
        return (
            _(
                "Nothing was stored: %(errors)s error(s) in %(rows)s row(s). Correct the data and send it again."
            )
            % counts
        )

    def repeated_keys(self, repeats: Iterable[tuple[int, str, int]], *, count: int, rows: int) -> None:
        """Add the repeated keys the caller found: (row, key, first row with it) for the first
        MAX_LISTED_ERRORS of them in row order, ``count`` in all, ``rows`` of which in rows without
        another error. Listed as if found row by row: after a row's other errors, first rows first."""
        found = [
            {
                "row": row,
                "column": self.key_column,
                "message": _("The key %(value)s appears in row %(first)s too.")
                % {"value": _show(key), "first": first},
            }
            for row, key, first in repeats
        ]
        if found:
            # Both lists are in row order; sorted() keeps a row's other errors before its key's.
            self.errors = sorted(self.errors + found, key=lambda error: error["row"])[:MAX_LISTED_ERRORS]
        self.error_count += count
        self.bad_rows += rows

    # Tables: CSV and XLSX

    def check_table(
        self, header: Sequence[Any], chunks: Iterable[RowChunk], *, text: bool
    ) -> Iterator[Chunk | None]:
        """Rows of a sheet, positional under ``header`` (row 1). ``text``: every cell is a str (CSV)."""
        plan, blank = self._plan(header)
        if plan is None:
            return
        width, filler = len(header), "" if text else None
        for numbers, cells in chunks:
            if cells:  # not a run of blank lines only
                self.processed += len(cells)
                yield _ChunkCheck(self, numbers).table(cells, plan, blank, width, filler, text)

    def _plan(self, header: Sequence[Any]) -> tuple[list | None, list[int]]:
        """Which file column feeds which data item (None: no column); header errors are on row 1."""
        plan: list[list] = [[None, item.name] for item in self.schema.items]
        blank = []
        for pos, cell in enumerate(header):
            column = "" if cell is None else str(cell).strip().lstrip("\ufeff")
            if not column:
                blank.append(pos)
                continue
            index = self.schema.index_of(column)
            if index is None:
                expected = self.schema.expected_columns()
                self.error(
                    1,
                    column,
                    _("Unknown column: not a data item of this entry (%(expected)s).")
                    % {"expected": expected},
                )
            elif plan[index][0] is not None:
                self.error(
                    1, column, _("Data item %(item)s has two columns.") % {"item": self.schema.names[index]}
                )
            else:
                plan[index] = [pos, column]
        for (pos, _column), item in zip(plan, self.schema.items, strict=True):
            if pos is None and item.required:
                if item.is_key:
                    missing = _("The key column %(item)s (%(label)s) is missing.")
                else:
                    missing = _("The required column %(item)s (%(label)s) is missing.")
                self.error(1, item.name, missing % {"item": item.name, "label": item.label})
        if self.error_count:
            self.bad_rows = 1
        if plan[self.schema.key_index][0] is None:
            return None, blank  # without its key no row can be stored: say so once, not on every row
        return [tuple(entry) for entry in plan], blank

    # Records: JSON files and API batches

    def check_mappings(self, chunks: Iterable[RowChunk]) -> Iterator[Chunk | None]:
        """Objects, one per record, whose keys are data item names or labels."""
        lookup: dict[str, int | None] = {}
        reported: set[str] = set()
        for numbers, records in chunks:
            self.processed += len(records)
            check = _ChunkCheck(self, numbers)
            cells = [check.record_cells(i, record, lookup, reported) for i, record in enumerate(records)]
            yield check.columns(
                [(index, item.name) for index, item in enumerate(self.schema.items)], cells, False
            )


def _convert_one(convert: Callable[[Any], Any], raw: Any, limit: int | None) -> Any:
    """One value, for its message: a number out of range, a text over its data item's length."""
    if isinstance(raw, OutOfRange):
        raise ValueError(raw.message)
    value = convert(raw)
    if limit is not None and value is not None and len(value) > limit:
        raise ValueError(
            _("The text is longer than the data item's %(length)s characters.") % {"length": limit}
        )
    return value


class _ChunkCheck:
    """One chunk's checks; errors are collected by row, then handed to the checker in row order."""

    def __init__(self, checker: RowChecker, numbers: Sequence[int]) -> None:
        self.checker, self.schema, self.numbers = checker, checker.schema, numbers
        self.bad: set[int] = set()  # positions in the chunk of rows with an error
        self.found: list[tuple[int, int, str, str]] = []

    def fail(self, i: int, column: str, message: str) -> None:
        self.bad.add(i)
        self.found.append((i, len(self.found), column, message))

    def table(
        self, cells: list, plan: list, blank: list[int], width: int, filler, text: bool
    ) -> Chunk | None:
        if set(map(len, cells)) != {width}:
            cells = [self.fit(i, row, width, filler) for i, row in enumerate(cells)]
        by_position = list(zip(*cells, strict=True))
        for pos in blank:
            for i in [i for i, value in enumerate(by_position[pos]) if value not in (None, "")]:
                self.fail(i, f"#{pos + 1}", _("A value in a column without a header."))
        columns = [by_position[pos] if pos is not None else None for pos, _ in plan]
        return self.columns(
            [(i, column) for i, (_, column) in enumerate(plan)], columns, text, by_column=True
        )

    def fit(self, i: int, row: Sequence, width: int, filler) -> Sequence:
        if len(row) < width:  # spreadsheets drop trailing empty cells
            return [*row, *[filler] * (width - len(row))]
        if any(value not in (None, "") for value in row[width:]):
            self.fail(
                i, "", _("This row has more values than the header's %(width)s columns.") % {"width": width}
            )
        return row[:width]

    def record_cells(self, i: int, record: Any, lookup: dict, reported: set) -> list:
        items, cells = self.schema.items, [None] * len(self.schema.items)
        if not isinstance(record, dict):
            self.fail(i, "", _("A record must be a JSON object of data item values."))
            return cells
        given = set()
        for column, raw in record.items():
            if column not in lookup:
                lookup[column] = self.schema.index_of(str(column))
            index = lookup[column]
            if index is None:
                self.bad.add(i)
                if column not in reported:  # once per file, not once per record
                    reported.add(column)
                    self.fail(i, str(column), _("Unknown data item: not a data item of this entry."))
            elif index in given:
                self.fail(
                    i, str(column), _("Data item %(item)s is given twice.") % {"item": items[index].name}
                )
            else:
                given.add(index)
                cells[index] = raw
        return cells

    def columns(self, sources: list, cells: list, text: bool, *, by_column: bool = False) -> Chunk | None:
        """Convert each item's column, then check required values and keys."""
        size = len(self.numbers)
        by_item = cells if by_column else (list(zip(*cells, strict=True)) if cells else [()] * len(sources))
        values: list[list] = []
        for (index, column), raw in zip(sources, by_item, strict=True):
            item = self.schema.items[index]
            values.append([None] * size if raw is None else self.convert(item, column, raw, text))
        converted_bad = set(self.bad)
        for (index, column), column_values in zip(sources, values, strict=True):
            if self.schema.items[index].required and by_item[index] is not None and None in column_values:
                for i, value in enumerate(column_values):
                    if value is None and i not in converted_bad:
                        self.fail(i, column, _("A value is required."))
        keys = self.keys(values[self.schema.key_index], sources[self.schema.key_index][1])
        self.report()
        if not self.checker.remember_keys:
            return Chunk(keys=keys, columns=values, numbers=self.numbers, bad=self.bad)
        return Chunk(keys=keys, columns=values) if not self.checker.error_count else None

    def convert(self, item: Item, column: str, raw: Sequence, text: bool) -> list:
        fast = FAST_TEXT_CONVERTERS.get(item.item_type) if text else None
        convert = CONVERTERS[item.item_type]
        limit = (item.length or MAX_CELL_CHARS) if item.item_type == ItemType.STRING else None
        try:
            values = fast(raw) if fast is not None else list(map(convert, raw))
            if limit is None or max(map(len, filter(None, values)), default=0) <= limit:
                return values
        except _BAD_CELL:
            pass
        values = []
        for i, value in enumerate(raw):
            try:
                values.append(_convert_one(convert, value, limit))
            except ValueError as exc:
                values.append(None)
                self.fail(i, column, str(exc))
        return values

    def keys(self, values: list, column: str) -> list[str]:
        keys = (
            values
            if self.schema.key_item.item_type == ItemType.STRING
            else [None if value is None else str(value) for value in values]
        )
        self.checker.key_column = column
        seen = self.checker._seen if self.checker.remember_keys else None
        numbers = self.numbers
        joined = "".join(keys) if None not in keys else ""
        if (
            not self.bad
            and None not in keys
            and max(map(len, keys), default=0) <= KEY_MAX_LENGTH
            and not any(character in joined for character in "\t\n\r")
            and (seen is None or (len(set(keys)) == len(keys) and seen.keys().isdisjoint(keys)))
        ):
            if seen is not None:
                seen.update(zip(keys, numbers, strict=True))
            return keys
        for i, key in enumerate(keys):
            if key is None:  # a row wrong in other columns still claims its key: duplicates show at once
                continue
            if len(key) > KEY_MAX_LENGTH:
                self.fail(
                    i,
                    column,
                    _("The key is longer than %(key_max_length)s characters.")
                    % {"key_max_length": KEY_MAX_LENGTH},
                )
            elif any(character in key for character in "\t\n\r"):
                self.fail(i, column, _("The key must not contain tabs or line breaks."))
            elif seen is not None and (first := seen.setdefault(key, numbers[i])) != numbers[i]:
                self.fail(
                    i,
                    column,
                    _("The key %(value)s appears in row %(first)s too.")
                    % {"value": _show(key), "first": first},
                )
        return keys

    def report(self) -> None:
        checker = self.checker
        checker.bad_rows += len(self.bad)
        for i, _order, column, message in sorted(self.found):
            checker.error(self.numbers[i], column, message)


# --- Reading files ---------------------------------------------------------------------------------
