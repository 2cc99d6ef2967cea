from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils.functional import Promise

from .navigation import navigation_links
from .notifications import unread_count


def navigation(request: HttpRequest) -> dict:
    """The navigation bar: what a person's roles let them reach, as each app declares it
    (core/navigation.py)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        # The open-data portal needs no login (F10).
        return {"nav_groups": group_by_area(navigation_links(AnonymousUser())), "unread_notifications": 0}
    return {"nav_groups": group_by_area(navigation_links(user)), "unread_notifications": unread_count(user)}


def group_by_area(items: list[tuple[str, str]]) -> list[dict]:
    """Links whose address starts with one of the prefixes of NAVIGATION_MENUS (settings) share that
    menu, so the bar fits a laptop's width. Lone links stay links ({"label", "url"}); links of one area with company become a menu
    ({"label": area, "links": [(label, url), …]})."""
    groups: list[dict] = []
    menus: dict[str | Promise, dict] = {}  # the areas' names are translated lazily (settings)
    for label, url in items:
        area = next((name for prefix, name in settings.NAVIGATION_MENUS if url.startswith(prefix)), None)
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
