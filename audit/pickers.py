"""The audit search's pickers (Q8.4, F24): the units, people, resources, grants and actions a person picks
by name as they type, and what they typed read back into the ids and codes the search filters by.

A picker offers only what the person's own search can find (``search.audit_events_visible_to``): a
platform administrator everything; anyone else the units whose events they see (their own, the units of the
regions they review, the units that used their data or whose data they used), the people who acted in
those events, and the resources and grants of the units the search covers. A name typed without the
picker's list (no script, or no choice made) is read the same way: one match is taken, none or several
are an error that names them.
"""

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from dataplatform.core.audit_actions import AuditAction
from dataplatform.core.models import Role, Unit, User
from dataplatform.core.people import regions_reviewed_by, working_unit_id

from .lookups import Choice, finder
from .search import audit_events_visible_to

LIMIT = 10  # choices a picker lists at once
PICKER_KINDS = ("unit", "person", "resource", "grant")
# "王公安（泉州市公安局）" or "Wang (Police)": a person's label with the unit that tells two namesakes apart.
_NAME_AND_UNIT = re.compile(r"^\s*(?P<name>[^（(]+?)\s*[（(](?P<unit>[^）)]+)[）)]\s*$")


def search_scope_units(user) -> QuerySet | None:
    """The ids of the units whose every event the person's search covers; None for everything."""
    if user.has_role(Role.PLATFORM_ADMIN):
        return None
    unit = working_unit_id(user)  # as the search: a role at the unit, not membership alone
    if unit is None:
        return Unit.objects.none().values("pk")
    return Unit.objects.filter(Q(pk=unit) | Q(region__in=regions_reviewed_by(user))).values("pk")


def picker_find(
    *, user, kind: str, text: str = "", ids: Collection[int] = (), limit: int = LIMIT
) -> list[Choice]:
    """What the ``kind`` picker offers the person for ``text`` (or, with ``ids``, which of those it offers)."""
    if kind == "action":
        return _actions_find(text)[:limit]
    units = search_scope_units(user)
    if units is not None and working_unit_id(user) is None:
        return []  # a citizen's search finds nothing (nor a person awaiting a role): nor do his pickers
    if kind == "unit":
        return _units_find(user, units, text=text, ids=ids, limit=limit)
    if kind == "person":
        return _people_find(user, units, text=text, ids=ids, limit=limit)
    return finder(kind)(text=text, ids=ids, units=units, limit=limit)


def _units_find(user, units: QuerySet | None, *, text: str, ids: Collection[int], limit: int) -> list[Choice]:
    found = Unit.objects.select_related("region")
    if ids:
        found = found.filter(pk__in=ids)
    if text:
        found = found.filter(Q(name__icontains=text) | Q(credit_code=text.upper()))
    if units is not None:
        seen = audit_events_visible_to(user)
        found = found.filter(
            Q(pk__in=units)
            | Exists(seen.filter(actor_unit=OuterRef("pk")))
            | Exists(seen.filter(owner_unit=OuterRef("pk")))
        )
    found = _closest_first(found, text, "name").order_by("closeness", "name")
    return [Choice(unit.pk, unit.name, unit.region.name) for unit in found[:limit]]


def _people_find(
    user, units: QuerySet | None, *, text: str, ids: Collection[int], limit: int
) -> list[Choice]:
    found = User.objects.select_related("unit")
    if ids:
        found = found.filter(pk__in=ids)
    if text:
        named = _NAME_AND_UNIT.match(text)
        if named:
            found = found.filter(
                real_name__icontains=named["name"], unit__name__icontains=named["unit"].strip()
            )
        else:
            found = found.filter(Q(real_name__icontains=text) | Q(username__iexact=text))
    if units is not None:
        # Other units' people only as far as they acted in events the person sees.
        found = found.filter(Exists(audit_events_visible_to(user).filter(actor=OuterRef("pk"))))
    found = _closest_first(found, text, "real_name").order_by("closeness", "real_name", "username")
    return [Choice(person.pk, person_label(person)) for person in found[:limit]]


def person_label(person: User) -> str:
    name = person.real_name or person.username
    if person.unit is None:
        return name
    return _("%(name)s (%(unit)s)") % {"name": name, "unit": person.unit.name}


def _closest_first(found: QuerySet, text: str, name_field: str) -> QuerySet:
    """The exact name first, then names starting with the text, then the rest."""
    if not text:
        return found.annotate(closeness=Value(0, output_field=IntegerField()))
    return found.annotate(
        closeness=Case(
            When(**{f"{name_field}__iexact": text}, then=0),
            When(**{f"{name_field}__istartswith": text}, then=1),
            default=2,
            output_field=IntegerField(),
        )
    )


def action_choices() -> list[Choice]:
    """Every action and, before the first of its members, every group of two or more actions."""
    groups_before: dict[str, list[str]] = {}  # a member → the groups it opens
    for group in AuditAction.groups():
        members = AuditAction.group(group)
        if len(members) > 1:
            groups_before.setdefault(members[0].value, []).append(group)
    choices: list[Choice] = []
    for member in AuditAction:
        choices += [Choice(group, group_label(group)) for group in groups_before.get(member.value, [])]
        choices.append(Choice(member.value, str(member.label)))
    return choices


def group_label(group: str) -> str:
    return _("%(group)s (every action)") % {"group": AuditAction.group_label(group)}


def _actions_find(text: str) -> list[Choice]:
    words = text.casefold()
    return [c for c in action_choices() if words in c.label.casefold() or words in str(c.id)]


# --- reading the form back ----------------------------------------------------------------------------


@dataclass
class Picked:
    """One picker's field as the page shows it again: the text in the box and the value searched by."""

    kind: str
    text: str = ""
    value: str = ""
    error: str = ""


@dataclass
class SearchInput:
    picked: dict[str, Picked]
    params: dict[str, str]  # for AuditFilterParams: ids and codes in place of the names typed
    errors: dict[str, str] = field(default_factory=dict)


def search_input_read(*, user, data: Mapping[str, str]) -> SearchInput:
    """The search form's fields with every name read into its id or code."""
    params = {key: data[key] for key in ("date_from", "date_to") if data.get(key)}
    picked = {
        kind: picker_read(user=user, kind=kind, typed=data.get(kind, ""))
        for kind in (*PICKER_KINDS, "action")
    }
    params.update({kind: p.value for kind, p in picked.items() if p.value})
    errors = {kind: p.error for kind, p in picked.items() if p.error}
    return SearchInput(picked=picked, params=params, errors=errors)


def picker_read(*, user, kind: str, typed: str) -> Picked:
    text = typed.strip()[:200]
    if not text:
        return Picked(kind)
    if kind == "action":
        return _action_read(text)
    if text.isdigit():  # an id, as links and the API give it; its name only if the person may find it
        found = picker_find(user=user, kind=kind, ids=[int(text)], limit=1)
        return Picked(kind, found[0].label if found else text, text)
    found = picker_find(user=user, kind=kind, text=text, limit=LIMIT + 1)
    exact = [c for c in found if c.label.casefold() == text.casefold()]
    if len(exact) == 1 or len(found) == 1:
        choice = (exact or found)[0]
        return Picked(kind, choice.label, str(choice.id))
    return Picked(kind, text, error=_no_single_match(kind, text, found))


def _action_read(text: str) -> Picked:
    codes = dict(AuditAction.filter_choices())
    code = text if text in codes else f"{text}." if f"{text}." in codes else ""  # "data" is "data."
    if code:
        label = next((c.label for c in action_choices() if c.id == code), code)
        return Picked("action", label, code)
    found = _actions_find(text)
    exact = [c for c in found if c.label.casefold() == text.casefold()]
    if len(exact) == 1 or len(found) == 1:
        choice = (exact or found)[0]
        return Picked("action", choice.label, str(choice.id))
    return Picked("action", text, error=_no_single_match("action", text, found[: LIMIT + 1]))


def _with_hint(choice: Choice) -> str:
    return (
        _("%(name)s (%(unit)s)") % {"name": choice.label, "unit": choice.hint}
        if choice.hint
        else choice.label
    )


def _no_single_match(kind: str, text: str, found: list[Choice]) -> str:
    what = {"unit": _("unit"), "person": _("person"), "resource": _("resource"), "grant": _("grant")}.get(
        kind, _("action")
    )
    if not found:
        return _("No %(what)s matches “%(text)s”.") % {"what": what, "text": text}
    names = pgettext("list separator", ", ").join(_with_hint(c) for c in found[:LIMIT])
    more = "…" if len(found) > LIMIT else ""
    return _("More than one %(what)s matches “%(text)s”: %(names)s%(more)s. Pick one from the list.") % {
        "what": what,
        "text": text,
        "names": names,
        "more": more,
    }
