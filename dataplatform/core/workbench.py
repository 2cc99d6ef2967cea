"""The home page as a person's workbench: their to-do with its counts (to do, due within one business day,
overdue), the recent events they may see, shortcuts to their role's main work, what to do when nothing
waits, and, for a person at a unit who holds no role yet, whose approval they await (Q9.2); for a public
organization's person before its registration is verified, whose verification (issue 18).

Like the navigation, the core knows no app's pages: the to-do comes from PENDING_WORK_PROVIDERS, the
events from RECENT_ACTIVITY_PROVIDERS, the shortcuts from HOME_SHORTCUTS (settings) and the navigation.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from .business_days import add_business_days
from .models import IdentityStatus, PersonnelChange, PersonnelChangeStatus, Role, Unit, User
from .models.units import UnitKind
from .navigation import navigation_links
from .pending import PendingItem
from .people import acts_for_proven_organization, reviewers_of

RECENT_ACTIVITY_LIMIT = 8
SHORTCUT_LIMIT = 8


@dataclass(frozen=True)
class Todo:
    """One row of the to-do: the item and where its due date stands today."""

    item: PendingItem
    overdue_days: int  # calendar days past the due date; 0 when not overdue
    due_soon: bool  # due today or by the end of the next business day

    @property
    def overdue(self) -> bool:
        return self.overdue_days > 0


@dataclass(frozen=True)
class TodoCounts:
    total: int
    due_soon: int
    overdue: int


@dataclass(frozen=True)
class ActivityItem:
    """One recent event, said in words (the provider translates its codes)."""

    at: dt.datetime
    what: str  # the action's label
    subject: str = ""  # what it was done to
    actor: str = ""  # who did it
    unit: str = ""  # the unit they acted for


@dataclass(frozen=True)
class Shortcut:
    label: str
    url: str
    icon: str


def pending_work_for(user) -> list[PendingItem]:
    """Each app that gives people work to do names a provider in PENDING_WORK_PROVIDERS."""
    items = []
    for path in settings.PENDING_WORK_PROVIDERS:
        items.extend(import_string(path)(user))
    return sorted(items, key=lambda item: (item.due is None, item.due))


def todo_list(items: list[PendingItem], *, today: dt.date) -> list[Todo]:
    """The items with their standing: overdue after the due date, due soon up to the end of the next
    business day (a Friday's "soon" reaches Monday, a holiday's the first working day after it)."""
    soon_until = add_business_days(today, 1).date
    return [
        Todo(
            item=item,
            overdue_days=max((today - item.due).days, 0) if item.due else 0,
            due_soon=item.due is not None and today <= item.due <= soon_until,
        )
        for item in items
    ]


def todo_counts(todos: list[Todo]) -> TodoCounts:
    return TodoCounts(
        total=len(todos),
        due_soon=sum(todo.due_soon for todo in todos),
        overdue=sum(todo.overdue for todo in todos),
    )


def recent_activity_for(user, *, limit: int = RECENT_ACTIVITY_LIMIT) -> list[ActivityItem]:
    items: list[ActivityItem] = []
    for path in settings.RECENT_ACTIVITY_PROVIDERS:
        items.extend(import_string(path)(user, limit=limit))
    return sorted(items, key=lambda item: item.at, reverse=True)[:limit]


def shortcuts_for(user) -> list[Shortcut]:
    """The main work of the person's roles (HOME_SHORTCUTS) that their navigation bar offers them."""
    offered = {url: label for label, url in navigation_links(user)}
    roles = sorted(user.roles, key=list(Role.values).index) or [""]
    shortcuts: dict[str, Shortcut] = {}
    for role in roles:
        for name, icon in settings.HOME_SHORTCUTS.get(role, []):
            url = reverse(name)
            if url in offered and url not in shortcuts:
                shortcuts[url] = Shortcut(label=offered[url], url=url, icon=icon)
    return list(shortcuts.values())[:SHORTCUT_LIMIT]


# What to do next when nothing waits, by the person's first role (the page says "Nothing is waiting").
NEXT_STEPS = {
    Role.REVIEWER: _(
        "Catalog entries, applications and changes of administrator that the units of your region submit "
        "appear here, with the day each is due. Meanwhile, the supervision dashboard shows how your "
        "region's work stands."
    ),
    Role.EVALUATOR: _(
        "Applications to evaluate, problem reports to analyse and service interfaces to check appear here "
        "as they arrive."
    ),
    Role.DATA_ADMIN: _(
        "Keep your unit's catalog complete and current, or apply for the data of other units that your work "
        "needs; the steps you owe will appear here."
    ),
    Role.LEADER: _(
        "Your unit's catalog, applications and grants are a click away below; what your unit owes shows "
        "on the supervision dashboard."
    ),
    Role.PLATFORM_ADMIN: _(
        "Keep an eye on the supervision dashboard and on the audit log, and administer units, people and "
        "the working-day calendar in the administration."
    ),
}
NEXT_STEP_PUBLIC_ORGANIZATION = _(
    "Find open data for your research or business; data opened on application is yours to use once your "
    "application is confirmed."
)
NEXT_STEP_WITHOUT_ROLE = _(
    "Browse and download the open data, or tell the data's holder when data about you is wrong."
)


def next_step_for(user) -> str:
    if acts_for_proven_organization(user) and user.has_role(Role.DATA_ADMIN):
        return str(NEXT_STEP_PUBLIC_ORGANIZATION)
    for role in Role.values:
        if role in user.roles:
            return str(NEXT_STEPS[Role(role)])
    return str(NEXT_STEP_WITHOUT_ROLE)


@dataclass(frozen=True)
class RoleAwaited:
    """A person at a unit without a role: the latest change filing them, if any, and who decides it."""

    unit: Unit
    change: PersonnelChange | None  # filed (awaiting the decision) or rejected; None when never filed
    authorities: list[Unit]  # the data authority of the unit's region, which approves (Q9.2)
    reviewers: list[User]

    @property
    def authority_names(self) -> str:
        return "、".join(authority.name for authority in self.authorities)

    @property
    def reviewer_names(self) -> str:
        return "、".join(reviewer.real_name or reviewer.username for reviewer in self.reviewers)

    @property
    def filed(self) -> bool:
        return self.change is not None and self.change.status == PersonnelChangeStatus.FILED


def role_awaited_by(user: User) -> RoleAwaited:
    unit = user.unit
    assert unit is not None  # only a person at a unit awaits a role there
    change = (
        PersonnelChange.objects.filter(incoming=user, unit=unit)
        .exclude(status=PersonnelChangeStatus.APPROVED)
        .select_related("filed_by__unit", "decided_by__unit")
        .first()  # the latest (Meta.ordering)
    )
    authorities = Unit.objects.filter(kind=UnitKind.AUTHORITY, region=unit.region_id).order_by("name")
    return RoleAwaited(
        unit=unit,
        change=change,
        authorities=list(authorities),
        reviewers=list(reviewers_of(unit.region_id).order_by("real_name")),
    )


@dataclass(frozen=True)
class IdentityAwaited:
    """A public organization's person before its registration is verified (issue 18): the status, the
    reason of a rejection, and who decides."""

    unit: Unit
    authorities: list[Unit]  # the data authority of the unit's region, which verifies
    reviewers: list[User]

    @property
    def authority_names(self) -> str:
        return "、".join(authority.name for authority in self.authorities)

    @property
    def rejected(self) -> bool:
        return self.unit.identity_status == IdentityStatus.REJECTED


def identity_awaited_by(user: User) -> IdentityAwaited:
    unit = user.unit
    assert unit is not None  # only an organization's person awaits its verification
    authorities = Unit.objects.filter(kind=UnitKind.AUTHORITY, region=unit.region_id).order_by("name")
    return IdentityAwaited(
        unit=unit,
        authorities=list(authorities),
        reviewers=list(reviewers_of(unit.region_id).order_by("real_name")),
    )
