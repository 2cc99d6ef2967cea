"""The per-unit figures' columns, for the dashboard's table and the spreadsheet alike: each with its
full label (the spreadsheet's header, the table's tooltip) and a short one under its group's heading."""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


@dataclass(frozen=True)
class Column:
    key: str
    label: Promise
    short: Promise
    rate: bool = False  # a percentage, None where there was nothing to rate
    alert: bool = False  # more than none is work late: shown in red


@dataclass(frozen=True)
class ColumnGroup:
    label: Promise
    columns: tuple[Column, ...]


GROUPS = (
    ColumnGroup(
        _("Catalog"),
        (
            Column("published", _("Entries published"), pgettext_lazy("figure", "Published")),
            Column(
                "update_overdue",
                _("Legal-basis updates overdue"),
                pgettext_lazy("figure", "Update overdue"),
                alert=True,
            ),
            Column("stale", _("Published entries stale"), pgettext_lazy("figure", "Stale data"), alert=True),
        ),
    ),
    ColumnGroup(
        _("Sharing applications"),
        (
            Column("steps_completed", _("Application steps completed"), pgettext_lazy("figure", "Steps")),
            Column(
                "deadline_misses",
                _("Application deadlines missed"),
                pgettext_lazy("figure", "Missed"),
                alert=True,
            ),
            Column(
                "applications_on_time",
                _("Applications answered on time (%)"),
                pgettext_lazy("figure", "On time"),
                rate=True,
            ),
        ),
    ),
    ColumnGroup(
        _("Correction tickets"),
        (
            Column("tickets_received", _("Correction tickets received"), pgettext_lazy("figure", "Received")),
            Column(
                "decided_on_time",
                _("Correction tickets decided on time"),
                pgettext_lazy("figure", "Decided on time"),
            ),
            Column("corrected", _("Correction tickets corrected"), pgettext_lazy("figure", "Corrected")),
            Column(
                "corrected_on_time",
                _("Correction tickets corrected on time"),
                pgettext_lazy("figure", "Corrected on time"),
            ),
            Column(
                "corrections_on_time",
                _("Corrections on time (%)"),
                pgettext_lazy("figure", "On time"),
                rate=True,
            ),
            Column(
                "tickets_overdue",
                _("Correction steps overdue now"),
                pgettext_lazy("figure", "Overdue now"),
                alert=True,
            ),
        ),
    ),
    ColumnGroup(
        _("Grants"),
        (
            Column("active_grants", _("Active grants"), pgettext_lazy("figure", "Active")),
            Column("grants_reported", _("Grants with a usage report"), pgettext_lazy("figure", "Reported")),
            Column("grants_suspended", _("Grants suspended"), pgettext_lazy("figure", "Suspended")),
        ),
    ),
)

COLUMNS = tuple(column for group in GROUPS for column in group.columns)
GROUP_STARTS = {group.columns[0].key for group in GROUPS}  # a rule on their left sets the groups apart
