"""Reads for the supervision dashboard (Q9.1, G48): who may see which units, the pending work by stage,
the overdue items, and the per-unit assessment figures for a period."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Min, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from catalog.access import resources_visible_to
from catalog.models import FRESHNESS, DataFormat, Resource, ResourceStatus
from correction.access import tickets_visible_to
from correction.models import OPEN_STATUSES as TICKET_OPEN_STATUSES
from correction.models import TIMED_STATUSES, CorrectionTicket
from correction.selectors import correction_statistics
from dataplatform.core.models import Role, Unit, User
from dataplatform.core.people import regions_reviewed_by
from sharing.access import applications_visible_to
from sharing.models import OPEN_STATUSES as APPLICATION_OPEN_STATUSES
from sharing.models import Application, ApplicationStep, DeadlineMiss, Grant, GrantEvent, GrantStatus

from .periods import Period


@dataclass(frozen=True)
class OverdueItem:
    kind: str
    title: str
    unit: int
    unit_name: str
    due: dt.date | None
    url: str | None  # None: the viewer may not open the item's page (its link would answer 404)
    days_late: int | None


def units_supervised_by(*, user: User) -> QuerySet[Unit]:
    """Platform admins see every unit, reviewers the units of the regions they review (a county
    authority its county), anyone else of a unit only that unit (SPEC 7); a person of no unit nothing."""
    if user.has_role(Role.PLATFORM_ADMIN):
        return Unit.objects.all()
    if user.has_role(Role.REVIEWER):
        return Unit.objects.filter(region__in=regions_reviewed_by(user))
    if user.unit_id is None:
        raise PermissionDenied
    return Unit.objects.filter(pk=user.unit_id)


# --- pending work and overdue items ----------------------------------------------------------------


def _applications_of(units: QuerySet[Unit]) -> QuerySet[Application]:
    """Applications a unit is part of: as applicant, or as producer of a requested resource."""
    return Application.objects.filter(
        Q(applicant_unit__in=units) | Q(lines__resource__producer__in=units)
    ).distinct()


def _tickets_of(units: QuerySet[Unit]) -> QuerySet[CorrectionTicket]:
    return CorrectionTicket.objects.filter(Q(producer__in=units) | Q(reporter_unit__in=units))


def _stage_rows(queryset: QuerySet, statuses, labels: dict, today: dt.date) -> list[dict]:
    """Count, earliest due date and overdue count per open status; one query."""
    found = {
        row["status"]: row
        for row in queryset.filter(status__in=statuses)
        .values("status")
        .annotate(count=Count("id", distinct=True), due=Min("due"))
    }
    overdue = dict(
        queryset.filter(status__in=statuses, due__lt=today)
        .values("status")
        .annotate(n=Count("id", distinct=True))
        .values_list("status", "n")
    )
    return [
        {
            "stage": labels[status],
            "count": found.get(status, {}).get("count", 0),
            "due": found.get(status, {}).get("due"),
            "overdue": overdue.get(status, 0),
        }
        for status in statuses
    ]


def pending_work(*, units: QuerySet[Unit], today: dt.date | None = None) -> dict[str, list[dict]]:
    """The open work by stage, with its earliest due date and how much of it is late."""
    today = today or timezone.localdate()
    awaiting = Resource.objects.filter(producer__in=units, status=ResourceStatus.SUBMITTED).aggregate(
        count=Count("id"),
        due=Min("review_due"),
        overdue=Count("id", filter=Q(review_due__lt=today)),
    )
    applications = _applications_of(units).order_by()
    # The distinct() of _applications_of cannot take an aggregation; group over the ids instead.
    applications = Application.objects.filter(pk__in=applications.values("pk"))
    tickets = _tickets_of(units)
    return {
        "catalog": [{"stage": ResourceStatus.SUBMITTED.label, **awaiting}],
        "applications": _stage_rows(
            applications,
            APPLICATION_OPEN_STATUSES,
            dict(Application._meta.get_field("status").flatchoices),
            today,
        ),
        "corrections": _stage_rows(
            tickets, TICKET_OPEN_STATUSES, dict(CorrectionTicket._meta.get_field("status").flatchoices), today
        ),
    }


def _visible(visible: QuerySet, pks: Iterable[int]) -> set[int]:
    return set(visible.filter(pk__in=list(pks)).values_list("pk", flat=True))


def _overdue(*, today: dt.date, due: dt.date | None, url: str, visible: bool, **fields: Any) -> OverdueItem:
    return OverdueItem(
        **fields,
        due=due,
        url=url if visible else None,
        days_late=(today - due).days if due else None,
    )


def _resource_due(resource: Resource, today: dt.date) -> dt.date | None:
    """The legal-basis update's due date where it is past, the review's else."""
    return resource.update_due if resource.update_due and resource.update_due < today else resource.review_due


def overdue_items(*, units: QuerySet[Unit], viewer: User, today: dt.date | None = None) -> list[OverdueItem]:
    """Everything late now, earliest due first, each linked to its page where the viewer may open it:
    the dashboard counts a unit's work whose pages only the people it concerns may see."""
    today = today or timezone.localdate()
    resources = list(
        Resource.objects.filter(producer__in=units)
        .filter(Q(status=ResourceStatus.SUBMITTED, review_due__lt=today) | Q(update_due__lt=today))
        .select_related("producer")
    )
    seen = _visible(resources_visible_to(viewer), (resource.pk for resource in resources))
    items = [
        _overdue(
            today=today,
            kind="catalog",
            title=f"{resource.code} {resource.name}",
            unit=resource.producer_id,
            unit_name=resource.producer.name,
            due=_resource_due(resource, today),
            url=reverse("catalog-resource", args=[resource.pk]),
            visible=resource.pk in seen,
        )
        for resource in resources
    ]
    applications = list(
        Application.objects.filter(
            pk__in=_applications_of(units).values("pk"),
            status__in=APPLICATION_OPEN_STATUSES,
            due__lt=today,
        ).select_related("applicant_unit")
    )
    seen = _visible(applications_visible_to(viewer), (application.pk for application in applications))
    items += [
        _overdue(
            today=today,
            kind="application",
            title=f"#{application.pk} {application.business_matter}",
            unit=application.applicant_unit_id,
            unit_name=application.applicant_unit.name,
            due=application.due,
            url=reverse("sharing-application", args=[application.pk]),
            visible=application.pk in seen,
        )
        for application in applications
    ]
    tickets = list(
        _tickets_of(units).filter(status__in=TIMED_STATUSES, due__lt=today).select_related("producer")
    )
    seen = _visible(tickets_visible_to(viewer), (ticket.pk for ticket in tickets))
    items += [
        _overdue(
            today=today,
            kind="correction",
            title=str(ticket),
            unit=ticket.producer_id,
            unit_name=ticket.producer.name,
            due=ticket.due,
            url=reverse("correction-ticket", args=[ticket.pk]),
            visible=ticket.pk in seen,
        )
        for ticket in tickets
    ]
    return sorted(items, key=lambda item: (item.due or dt.date.max, item.title))


# --- per-unit assessment figures -------------------------------------------------------------------

FIGURES = (
    "published",
    "update_overdue",
    "stale",
    "steps_completed",
    "deadline_misses",
    "applications_on_time",
    "tickets_received",
    "decided_on_time",
    "corrected",
    "corrected_on_time",
    "corrections_on_time",
    "active_grants",
    "grants_reported",
    "grants_suspended",
    "tickets_overdue",
)


def _stale_q(now: dt.datetime) -> Q:
    """Resource.is_stale in SQL: available, not an interface, and never or too long ago aggregated."""
    too_old = reduce(
        or_,
        (
            Q(update_frequency=frequency, last_aggregated_at__lt=now - age)
            for frequency, age in FRESHNESS.items()
        ),
    )
    return (
        Q(published_version__isnull=False)
        & ~Q(status=ResourceStatus.RETIRED)
        & ~Q(data_format=DataFormat.INTERFACE)
        & (Q(last_aggregated_at__isnull=True) | too_old)
    )


def _catalog_figures(units: QuerySet[Unit], today: dt.date, now: dt.datetime) -> dict[int, dict]:
    """Catalog completeness and currency, and data freshness, as they stand now."""
    available = Q(published_version__isnull=False) & ~Q(status=ResourceStatus.RETIRED)
    rows = (
        Resource.objects.filter(producer__in=units)
        .values("producer")
        .annotate(
            published=Count("id", filter=available),
            update_overdue=Count("id", filter=Q(update_due__lt=today)),
            stale=Count("id", filter=_stale_q(now)),
        )
    )
    return {row.pop("producer"): row for row in rows}


def _application_figures(units: QuerySet[Unit], period: Period) -> dict[int, dict]:
    """Steps a unit completed on applications in the period (answers leaving an owed stage), against
    the deadlines it missed in the period."""
    steps = dict(
        ApplicationStep.objects.filter(
            actor__unit__in=units,
            from_status__in=APPLICATION_OPEN_STATUSES,
            at__date__range=(period.start, period.end),
        )
        .values("actor__unit")
        .annotate(n=Count("id"))
        .values_list("actor__unit", "n")
    )
    misses = dict(
        DeadlineMiss.objects.filter(owing_unit__in=units, due__range=(period.start, period.end))
        .values("owing_unit")
        .annotate(n=Count("id"))
        .values_list("owing_unit", "n")
    )
    return {
        unit: {"steps_completed": steps.get(unit, 0), "deadline_misses": misses.get(unit, 0)}
        for unit in steps.keys() | misses.keys()
    }


def _grant_figures(units: QuerySet[Unit], period: Period) -> dict[int, dict]:
    """Usage reports filed in the period by the holders of active grants, and grants suspended in it."""
    in_period = (period.start, period.end)
    rows = (
        Grant.objects.filter(unit__in=units)
        .values("unit")
        .annotate(
            active_grants=Count("id", filter=Q(status=GrantStatus.ACTIVE), distinct=True),
            grants_reported=Count(
                "id",
                filter=Q(status=GrantStatus.ACTIVE, usage_reports__filed_at__date__range=in_period),
                distinct=True,
            ),
        )
    )
    figures = {row.pop("unit"): row for row in rows}
    suspended = (
        GrantEvent.objects.filter(
            grant__unit__in=units, to_status=GrantStatus.SUSPENDED, at__date__range=in_period
        )
        .values("grant__unit")
        .annotate(n=Count("grant", distinct=True))
        .values_list("grant__unit", "n")
    )
    for unit, count in suspended:
        figures.setdefault(unit, {})["grants_suspended"] = count
    return figures


def _rate(good: int, total: int) -> float | None:
    return round(100 * good / total, 1) if total else None


def unit_figures(
    *, units: QuerySet[Unit], period: Period, today: dt.date | None = None, now: dt.datetime | None = None
) -> list[dict]:
    """One row per unit with the assessment figures of SPEC 7. Catalog, freshness and overdue figures
    are as of today; the sharing and usage figures count the period; the correction figures are
    correction_statistics' (every ticket dispatched to the unit)."""
    today = today or timezone.localdate()
    now = now or timezone.now()
    catalog = _catalog_figures(units, today, now)
    applications = _application_figures(units, period)
    grants = _grant_figures(units, period)
    corrections = {row["producer"]: row for row in correction_statistics(units=units, today=today)}
    rows = []
    for unit in units.order_by("region__code", "name").values("pk", "name"):
        pk = unit["pk"]
        ticket = corrections.get(pk, {})
        row: dict[str, Any] = {name: 0 for name in FIGURES}  # counts, then rates (None: nothing to rate)
        row.update(catalog.get(pk, {}), **applications.get(pk, {}), **grants.get(pk, {}))
        row.update(
            tickets_received=ticket.get("received", 0),
            decided_on_time=ticket.get("decided_on_time", 0),
            corrected=ticket.get("corrected", 0),
            corrected_on_time=ticket.get("corrected_on_time", 0),
            tickets_overdue=ticket.get("overdue_now", 0),
        )
        steps, misses = row["steps_completed"], row["deadline_misses"]
        row["applications_on_time"] = _rate(max(steps - misses, 0), steps)
        row["corrections_on_time"] = _rate(row["corrected_on_time"], row["corrected"])
        rows.append({"unit": pk, "unit_name": unit["name"], **row})
    return rows


# --- the table's order ------------------------------------------------------------------------------

UNIT = "unit"


def figures_sorted(rows: list[dict], *, sort: str | None) -> tuple[list[dict], str]:
    """The rows in the order ?sort= asks: a figure's key, or "unit" (region, then name: the default),
    "-" before it for descending. Rows with nothing to rate come last either way; ties keep the units'
    order. Returns the rows and the order actually applied ("unit" for anything unknown)."""
    key = (sort or "").removeprefix("-")
    if key not in FIGURES:
        return (rows[::-1] if sort == f"-{UNIT}" else rows), (sort if sort == f"-{UNIT}" else UNIT)
    assert sort is not None  # a figure's key was found in it
    descending = sort.startswith("-")
    rated = [row for row in rows if row[key] is not None]
    unrated = [row for row in rows if row[key] is None]
    return sorted(rated, key=lambda row: row[key], reverse=descending) + unrated, sort


def figures_overall(rows: list[dict]) -> dict[str, float | None]:
    """The on-time rates over every unit shown, as the per-unit rates are counted."""
    steps = sum(row["steps_completed"] for row in rows)
    answered = sum(max(row["steps_completed"] - row["deadline_misses"], 0) for row in rows)
    corrected = sum(row["corrected"] for row in rows)
    return {
        "applications_on_time": _rate(answered, steps),
        "corrections_on_time": _rate(sum(row["corrected_on_time"] for row in rows), corrected),
    }
