"""What the audit search needs to know of resources and grants, which belong to the apps above it.

The search's pickers find resources and grants as a person types, and its pages show a data item's
label where the event stored its identifier. The sharing app, which knows both, registers these lookups
when Django starts (``SharingConfig.ready``), as it registers the grant lookups of ``audit.grants``; the
audit app imports nothing above it. Without them, no resource or grant is found and items show their
identifiers.
"""

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Protocol

from django.db.models import QuerySet


@dataclass(frozen=True)
class Choice:
    """One thing a picker offers: its id (what the search filters by), its label (what the box shows and
    a person may type back) and a hint that tells two alike apart."""

    id: int | str
    label: str
    hint: str = ""


class Finder(Protocol):
    """Things whose label matches ``text`` (or, with ``ids``, those things), among those of ``units`` (a
    queryset of unit ids: what the person's search covers; None: every unit), at most ``limit``."""

    def __call__(
        self, *, text: str, ids: Collection[int], units: QuerySet | None, limit: int
    ) -> list[Choice]: ...


# resource ids or codes → {item identifier: label}
ItemLabels = Callable[[Iterable[int | str]], dict[int | str, dict[str, str]]]


def _nothing(*, text: str, ids: Collection[int], units: QuerySet | None, limit: int) -> list[Choice]:
    return []


_finders: dict[str, Finder] = {"resource": _nothing, "grant": _nothing}
_item_labels: ItemLabels = lambda resource_ids: {}  # noqa: E731


def register_lookups(*, resources: Finder, grants: Finder, item_labels: ItemLabels) -> None:
    global _item_labels
    _finders.update(resource=resources, grant=grants)
    _item_labels = item_labels


def finder(kind: str) -> Finder:
    return _finders[kind]


def item_labels(resources: Iterable[int | str]) -> dict[int | str, dict[str, str]]:
    """The labels of the data items of these resources (ids or codes), by resource and identifier."""
    keys = {r for r in resources if isinstance(r, int | str) and r != ""}
    return _item_labels(keys) if keys else {}
