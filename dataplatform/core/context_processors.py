from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from .models import Role
from .notifications import unread_count
from .people import is_government_staff


def navigation(request: HttpRequest) -> dict:
    """The navigation bar: what a person's roles let them reach."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        # The open-data portal needs no login (F10).
        return {
            "nav_groups": [{"label": _("Open data"), "url": reverse("open-home")}],
            "unread_notifications": 0,
        }
    items = [(_("Home"), reverse("home"))]
    unit = user.unit
    if unit is not None and unit.is_government:
        items.append((_("Catalog search"), reverse("catalog-search")))
        if user.has_role(Role.DATA_ADMIN, Role.LEADER):
            items.append((_("My catalog"), reverse("catalog-mine")))
    if user.has_role(Role.REVIEWER):
        items.append((_("Catalog review"), reverse("catalog-review")))
    if (unit is not None and unit.is_government) or user.has_role(Role.PLATFORM_ADMIN):
        # Q3.1–Q3.3: the legal source of each item; Q3.2, G40: temporary and emergency collection.
        items.append((_("Collection catalog"), reverse("catalog-collection")))
        items.append((_("Temporary collection"), reverse("catalog-temporary")))
    if user.has_role(Role.REVIEWER) or is_government_staff(user):
        items.append((_("Interface requests"), reverse("catalog-interface-requests")))
    # Sharing: the unit's applications for its own people; the queue for whoever owes steps
    # (evaluators, reviewers, producers' data administrators); grants for holders and authorities.
    unit_people = is_government_staff(user, Role.DATA_ADMIN, Role.LEADER)
    if unit_people:
        items.append((_("Applications"), reverse("sharing-applications")))
    if user.has_role(Role.REVIEWER, Role.EVALUATOR) or is_government_staff(user):
        items.append((_("Sharing queue"), reverse("sharing-queue")))
    if unit_people or user.has_role(Role.REVIEWER):
        items.append((_("Grants"), reverse("sharing-grants")))
    if user.has_role(Role.EVALUATOR):
        items.append((_("Verification rules"), reverse("sharing-verification-rules")))
    items.append((_("Corrections"), reverse("correction-home")))  # reports, objections, queues
    # Opening: the portal for everyone; the open catalog for producers and the authority; applications
    # for public organizations and those who evaluate and confirm them.
    items.append((_("Open data"), reverse("open-home")))
    if user.has_role(Role.REVIEWER) or is_government_staff(user):
        items.append((_("Open catalog"), reverse("open-manage")))
    if user.has_role(Role.REVIEWER, Role.EVALUATOR) or (unit is not None and unit.is_public_organization):
        items.append((_("Open data applications"), reverse("open-applications")))
    # G39–G43, G50, G51: projects, data-subject rights (citizens too), disputes, complaints
    items.append((_("Governance"), reverse("governance-home")))
    if user.has_role(Role.DATA_ADMIN, Role.LEADER):
        items.append((_("API keys"), reverse("api-keys")))
    if user.has_role(Role.REVIEWER, Role.PLATFORM_ADMIN) or (
        is_government_staff(user, Role.DATA_ADMIN, Role.LEADER)
    ):
        items.append((_("Administrators and leaders"), reverse("administrators")))  # Q9.2
    if unit is not None or user.has_role(Role.PLATFORM_ADMIN):
        # Q8.4: every unit sees its own events and the use of its data; reviewers verify the chain.
        items.append((_("Audit"), reverse("audit-index")))
        items.append((_("Supervision"), reverse("supervision-dashboard")))  # Q9.1: a unit sees its figures
    items.append((_("API docs"), reverse("swagger-ui")))
    if user.has_role(Role.PLATFORM_ADMIN):
        items.append((_("Administration"), reverse("admin:index")))
    return {"nav_groups": group_by_area(items), "unread_notifications": unread_count(user)}


# Links whose address starts with one of these share a menu, so the bar fits a laptop's width.
AREAS = [
    ("/catalog/", _lazy("Catalog")),
    ("/sharing/", _lazy("Sharing")),
    ("/api", _lazy("API")),
    ("/audit/", _lazy("Supervision")),
    ("/supervision/", _lazy("Supervision")),
    ("/open/", _lazy("Open data")),
    ("/units/", _lazy("Supervision")),
]


def group_by_area(items: list[tuple[str, str]]) -> list[dict]:
    """Lone links stay links ({"label", "url"}); links of one area with company become a menu
    ({"label": area, "links": [(label, url), …]})."""
    groups: list[dict] = []
    menus: dict[str, dict] = {}
    for label, url in items:
        area = next((name for prefix, name in AREAS if url.startswith(prefix)), None)
        if area is None:
            groups.append({"label": label, "url": url})
        elif area in menus:
            menus[area]["links"].append((label, url))
        else:
            menus[area] = {"label": area, "links": [(label, url)]}
            groups.append(menus[area])
    for group in groups:
        if len(group.get("links", ())) == 1:
            group["label"], group["url"] = group.pop("links")[0]
    return groups
