"""De-identification (脱敏, Q6.1, G32, F13): the one place every open output passes through.

``open_view(entry)`` says which columns an open dataset shows and turns a record's data into the
de-identified row: preview, CSV, XLSX, JSON, the authorised API and the statistics all call it, so no
output can forget a rule. A personal or sensitive item without a rule is dropped, never shown raw.
"""

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import methodcaller
from typing import Any

from catalog.models import DataItem

from .models import DeidRule, OpenEntry
from .public import PublicItem, public_dataset

MASK = "*"
# 省 / 市 (or 自治州, 盟) / 区, 县 or county-level 市: an address is kept down to its county.
ADDRESS_PREFIX = re.compile(
    r"^(?:[^省]{2,7}?省)?(?:[^省市]{1,7}?(?:自治州|市|盟))?(?:[^区县市]{1,7}?[区县市旗])?"
)


def mask_id_number(value: str) -> str:
    """350503199001011234 → 350503********1234: the issuing county and the last digits only."""
    if len(value) <= 8:
        return MASK * len(value)
    return value[:6] + MASK * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    """13812345678 → 138****5678."""
    digits = value.strip()
    if len(digits) <= 7:
        return MASK * len(digits)
    return digits[:3] + MASK * (len(digits) - 7) + digits[-4:]


def mask_name(value: str) -> str:
    """陈伟 → 陈*, 欧阳娜娜 → 欧***: the surname's first character only."""
    value = value.strip()
    return value[:1] + MASK * max(len(value) - 1, 1) if value else value


def generalise_date(value: str) -> str:
    """1990-01-01 → 1990."""
    match = re.match(r"\s*(\d{4})", value)
    return match.group(1) if match else MASK


def generalise_address(value: str) -> str:
    """泉州市鲤城区刺桐路12号 → 泉州市鲤城区. An address with no county in it is masked whole."""
    match = ADDRESS_PREFIX.match(value.strip())
    assert match is not None  # every part of the pattern is optional: it always matches
    prefix = match.group(0)
    return prefix if prefix else MASK * 3


RULES: dict[str, Callable[[str], str]] = {
    DeidRule.MASK_ID_NUMBER: mask_id_number,
    DeidRule.MASK_PHONE: mask_phone,
    DeidRule.MASK_NAME: mask_name,
    DeidRule.GENERALISE_DATE: generalise_date,
    DeidRule.GENERALISE_ADDRESS: generalise_address,
}


def apply_rule(rule: str, value):
    if value is None or value == "":
        return value
    return RULES[rule](str(value))


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    rule: str  # "" for an item shown as it is


@dataclass(frozen=True)
class OpenView:
    columns: tuple[Column, ...]

    @property
    def names(self) -> list[str]:
        return [column.name for column in self.columns]

    @property
    def plain(self) -> list[str]:
        """The items shown as they are: the only ones statistics may group by."""
        return [column.name for column in self.columns if not column.rule]

    def row(self, data: dict) -> dict:
        """One record's data, de-identified, in column order."""
        return {
            c.name: apply_rule(c.rule, data.get(c.name)) if c.rule else data.get(c.name) for c in self.columns
        }

    def table(self, records: Sequence[dict]) -> list[list[Any]]:
        """Many records' data, de-identified, a column at a time (what ``row`` gives, for a download's
        batch: each rule is looked up once per column, not once per cell, and no dict is built per row)."""
        return self.table_of_columns(
            {column.name: list(map(methodcaller("get", column.name), records)) for column in self.columns}
        )

    def table_of_columns(self, stored: dict[str, list]) -> list[list[Any]]:
        """The same from the records' values read a column at a time (``catalog.records.iter_columns``)."""
        table = []
        for column in self.columns:
            values = stored[column.name]
            if column.rule:
                rule = RULES[column.rule]
                values = [value if value is None or value == "" else rule(str(value)) for value in values]
            table.append(values)
        return table


def needs_rule(item: DataItem | PublicItem) -> bool:
    return item.is_personal or item.is_sensitive


def open_view(entry: OpenEntry) -> OpenView:
    """The columns of an open dataset: its reviewed items (a revision's draft items wait for review)
    minus dropped ones, and minus personal or sensitive ones that have no rule (fail safe: a revision
    that renames an item cannot expose it, and one that marks an item personal hides it at once)."""
    rules = dict(entry.rules.values_list("item_name", "rule"))
    live_items = list(entry.resource.items.all())
    live = {item.name: item for item in live_items}
    public = public_dataset(entry)
    # The reviewed items are the live ones unless a revision is pending: no second query for them.
    reviewed = public.items.all() if public.is_revision_pending else live_items
    columns = []
    for item in reviewed:
        rule = rules.get(item.name, "")
        marked = needs_rule(item) or (item.name in live and needs_rule(live[item.name]))
        if rule == DeidRule.DROP or (marked and not rule):
            continue
        columns.append(Column(item.name, item.label, rule))
    return OpenView(tuple(columns))


def items_missing_rules(entry: OpenEntry, rules: dict[str, str]) -> list[str]:
    """Personal or sensitive items of the entry that ``rules`` leaves without a rule."""
    return [item.name for item in entry.resource.items.all() if needs_rule(item) and not rules.get(item.name)]
