"""package_search over open entries: what each Solr field of CKAN's index means here, sorting, and facets.

The syntax is ``opening.ckan_query``'s; the fields are CKAN's (ckan/config/solr/schema.xml): ``name``,
``id``, ``organization``, ``owner_org``, ``groups``, ``tags``, ``res_format``, ``license_id``,
``metadata_modified``, ``metadata_created``, free text (``text``, ``title``, ``notes`` or no field).
"""

import re
import uuid
from collections import Counter
from collections.abc import Iterable

from django.db.models import F, Q, QuerySet
from django.db.models.functions import Greatest, Lower

from catalog.models import OpenType
from dataplatform.core.models import Unit

from .ckan_dicts import LICENSES, formats_of, group_title, license_id, org_id, org_name
from .ckan_query import ALL, NONE, QueryFieldError, Range, parse_query, solr_date
from .models import OpenEntry
from .selectors import public_entries, public_search

FACETS = ("organization", "groups", "tags", "res_format", "license_id")
SORTS = {
    "score": "-download_count",  # no relevance score without Solr: the most downloaded first
    "id": "uuid",
    "name": "slug",
    "title_string": "resource__name",
    "metadata_modified": "ckan_modified",
    "metadata_created": "opened_at",
    "views_recent": "-view_count",
    "views_total": "-view_count",
}
DATE_FIELDS = {"metadata_modified": "ckan_modified", "metadata_created": "opened_at"}
# Fields every public dataset has the one value of: CKAN's default filters send them.
CONSTANTS = {"dataset_type": "dataset", "type": "dataset", "state": "active", "capacity": "public"}


def searchable_entries() -> QuerySet[OpenEntry]:
    """Open entries with ``ckan_modified``, CKAN's ``metadata_modified`` (see ``ckan_dicts``)."""
    return public_entries().annotate(
        ckan_modified=Greatest(F("opened_at"), F("decided_at"), F("resource__published_at"))
    )


def _text(value: str) -> Q:
    if value in ("*", ""):
        return ALL
    return Q(pk__in=public_search(q=value).values("pk"))


def _name(value: str) -> Q:
    if value == "*":
        return ALL
    if "*" in value or "?" in value:
        pattern = "".join({"*": ".*", "?": "."}.get(c, re.escape(c)) for c in value)
        return Q(slug__regex=f"^{pattern}$")
    return Q(slug=value)


def _id(value: str) -> Q:
    try:
        return Q(uuid=uuid.UUID(value))
    except ValueError:
        return NONE


def _units(value: str, name) -> Q:
    units = Unit.objects.filter(resources__open_entry__in=public_entries()).distinct()
    ids = [u.pk for u in units if name(u) == value]
    return Q(resource__producer__in=ids)


def _res_format(value: str) -> Q:
    universal = formats_of(OpenType.UNIVERSAL)
    if value.upper() in universal or value == "*":
        return Q(open_type=OpenType.UNIVERSAL) if value != "*" else ALL
    return ~Q(open_type=OpenType.UNIVERSAL) if value.upper() == "API" else NONE


def _license(value: str) -> Q:
    values = OpenEntry.objects.values_list("licence", flat=True).distinct()
    return Q(licence__in=[v for v in values if license_id(v) == value.lower()])


def _date(field: str, value: "str | Range") -> Q:
    column = DATE_FIELDS[field]
    if isinstance(value, str):
        if value == "*":
            return ALL
        return Q(**{column: solr_date(value)})
    conditions = {}
    if value.low is not None:
        conditions[f"{column}__{'gte' if value.include_low else 'gt'}"] = solr_date(value.low)
    if value.high is not None:
        conditions[f"{column}__{'lte' if value.include_high else 'lt'}"] = solr_date(value.high)
    return Q(**conditions) if conditions else ALL


MATCHERS = {
    "text": _text,
    "title": _text,
    "notes": _text,
    "name": _name,
    "id": _id,
    "organization": lambda v: _units(v.lower(), org_name),
    "owner_org": lambda v: _units(v, org_id),
    "groups": lambda v: ALL if v == "*" else Q(resource__category=v),
    "tags": lambda v: ALL if v == "*" else Q(tags_text__contains=OpenEntry.tag_token(v)),
    "res_format": _res_format,
    "license_id": _license,
}


def field_match(field: str | None, value: "str | Range") -> Q:
    if field in DATE_FIELDS:
        return _date(field, value)
    if isinstance(value, Range):
        raise QueryFieldError(f"cannot search a range of {field!r}")
    if field is None:
        return ALL if value == "*:*" else _text(value)
    if field in CONSTANTS:
        return ALL if value in (CONSTANTS[field], "*") else NONE
    if field in ("private", "site_id", "entity_type"):
        return ALL if value in ("false", "*", "package") or field == "site_id" else NONE
    if field not in MATCHERS:
        raise QueryFieldError(f"unsupported field {field!r}")
    return MATCHERS[field](value)


def search_filter(entries: QuerySet[OpenEntry], q: str, fqs: Iterable[str]) -> QuerySet[OpenEntry]:
    """``entries`` matching ``q`` and every ``fq`` (raises ``QuerySyntaxError`` or ``QueryFieldError``)."""
    condition = parse_query(q, field_match)
    for fq in fqs:
        condition &= parse_query(fq, field_match)
    return entries.filter(condition)


def search_order(sort: str) -> list[str]:
    """Django's ordering for a CKAN ``sort`` ("score desc, metadata_modified desc"); ties by name."""
    order = []
    for part in filter(None, (p.strip() for p in sort.split(","))):
        field, _, direction = part.partition(" ")
        direction = direction.strip().lower() or "asc"
        if field not in SORTS or direction not in ("asc", "desc"):
            raise QueryFieldError(f'Invalid "sort" parameter: {part!r}')
        column = SORTS[field].lstrip("-")
        descending = (direction == "desc") != SORTS[field].startswith("-")
        order.append(("-" if descending else "") + column)
    return [*order, "slug"]


def facet_counts(entries: QuerySet[OpenEntry], fields: list[str], limit: int) -> dict[str, dict[str, int]]:
    """``{field: {value: count}}`` over every match (not the page), the commonest first, at most ``limit``
    values a field (all when negative), as Solr's facet.field with facet.mincount=1."""
    wanted = [f for f in fields if f in FACETS]
    if not wanted:
        return {field: {} for field in fields}
    rows = entries.values_list(
        "resource__producer__credit_code", "resource__category", "tags", "open_type", "licence"
    )
    counts: dict[str, Counter] = {field: Counter() for field in FACETS}
    for credit_code, category, tags, open_type, licence in rows.order_by():
        counts["organization"][credit_code.lower()] += 1
        counts["groups"][category] += 1
        counts["tags"].update(set(tags))
        counts["res_format"].update(formats_of(open_type))
        counts["license_id"][license_id(licence)] += 1
    result = {}
    for field in fields:
        common = sorted(counts[field].items(), key=lambda kv: (-kv[1], kv[0])) if field in counts else []
        result[field] = dict(common if limit < 0 else common[:limit])
    return result


def facet_display(field: str, value: str, units: dict[str, str]) -> str:
    if field == "groups":
        return group_title(value)
    if field == "organization":
        return units.get(value, value)
    if field == "license_id":
        return LICENSES[value]["title"] if value in LICENSES else value
    return value


def search_facets(facets: dict[str, dict[str, int]]) -> dict[str, dict]:
    """CKAN's ``search_facets``: each field's items with a display name."""
    names = list(facets.get("organization", {}))
    units = dict(
        Unit.objects.annotate(lc=Lower("credit_code")).filter(lc__in=names).values_list("lc", "name")
    )
    return {
        field: {
            "title": field,
            "items": [
                {"name": value, "display_name": facet_display(field, value, units), "count": count}
                for value, count in values.items()
            ],
        }
        for field, values in facets.items()
    }
