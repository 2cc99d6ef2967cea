"""The read actions of CKAN's Action API (ckan/logic/action/get.py) over open datasets only, with CKAN's
parameters, defaults and answers. Each takes the request's parameters and the site's base URL and returns
the ``result``, or raises ``ActionError``; ``opening.ckan`` serves them."""

import json
import uuid
from collections import Counter
from typing import Any

from django.db.models import Count

from dataplatform.core.models import Unit

from .ckan_dicts import (
    LICENSES,
    formats_of,
    group_dict,
    group_id,
    org_id,
    org_name,
    organization_dict,
    package_dict,
    resource_dicts,
    tag_dict,
)
from .ckan_query import QueryFieldError, QuerySyntaxError
from .ckan_search import facet_counts, search_facets, search_filter, search_order, searchable_entries
from .models import OpenEntry
from .public import public_datasets
from .selectors import public_entries

CKAN_VERSION = "2.10.4"
MAX_ROWS = 1000  # ckan.search.rows_max
DEFAULT_SORT = "score desc, metadata_modified desc"


class ActionError(Exception):
    def __init__(self, kind: str, message: str, status: int, **fields) -> None:
        super().__init__(message)
        self.kind, self.message, self.status, self.fields = kind, message, status, fields


def not_found(what: str) -> ActionError:
    return ActionError("Not Found Error", f"Not found: {what}", 404)


def invalid(field: str, message: str) -> ActionError:
    return ActionError("Validation Error", message, 409, **{field: [message]})


def _int(params: dict, name: str, default: int | None, maximum: int | None = None) -> int | None:
    value = params.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise invalid(name, "Invalid integer") from exc
    if number < 0:
        raise invalid(name, "Must be a natural number")
    return min(number, maximum) if maximum else number


def _bool(params: dict, name: str, default: bool = False) -> bool:
    value = params.get(name)
    return default if value in (None, "") else str(value).strip().lower() in ("true", "1", "yes", "on")


def _required(params: dict, name: str) -> str:
    value = params.get(name)
    if value in (None, ""):
        raise invalid(name, "Missing value")
    return str(value)


def _list(value: Any) -> list[str]:
    """A list parameter as CKAN reads it: a JSON list in a string, a list, or one value."""
    if isinstance(value, list):
        return [str(v) for v in value]
    if isinstance(value, str) and value.strip().startswith("["):
        try:
            parsed = json.loads(value)
        except ValueError as exc:
            raise ActionError("Search Query Error", f"Search Query is invalid: {value!r}", 400) from exc
        return [str(v) for v in parsed] if isinstance(parsed, list) else [str(parsed)]
    return [str(value)] if value not in (None, "") else []


# --- site -----------------------------------------------------------------------------------------


def status_show(params: dict, base: str) -> dict:
    return {
        "ckan_version": CKAN_VERSION,
        "site_title": "泉州市公共数据开放平台",
        "site_description": "Quanzhou open government data",
        "site_url": base.rstrip("/"),
        "locale_default": "zh_Hans_CN",
        "error_emails_to": None,
        "extensions": ["dcat"],
    }


def site_read(params: dict, base: str) -> bool:
    return True


def license_list(params: dict, base: str) -> list[dict]:
    return list(LICENSES.values())


# --- datasets -------------------------------------------------------------------------------------


def package_entry(params: dict) -> OpenEntry:
    ref = str(params.get("id") or params.get("name_or_id") or "")
    if not ref:
        raise invalid("id", "Missing value")
    entries = searchable_entries()
    try:
        entry = entries.filter(uuid=uuid.UUID(ref)).first()
    except ValueError:
        entry = entries.filter(slug=ref).first()
    if entry is None:
        raise not_found("Dataset")
    return entry


def package_list(params: dict, base: str) -> list[str]:
    offset, limit = _int(params, "offset", 0) or 0, _int(params, "limit", None)
    names = public_entries().order_by("slug").values_list("slug", flat=True)
    return list(names[offset : offset + limit] if limit is not None else names[offset:])


def package_show(params: dict, base: str) -> dict:
    return package_dict(package_entry(params), base)


def _search(params: dict) -> tuple:
    """The matching entries, ordered, for package_search's ``q``, ``fq``, ``fq_list`` and ``sort``."""
    q = str(params.get("q") or "").strip()
    fq = params.get("fq") or ""
    fqs = [*(fq if isinstance(fq, list) else [fq]), *_list(params.get("fq_list"))]  # fq=…&fq=… as Solr
    fqs = [str(f) for f in fqs]
    sort = str(params.get("sort") or DEFAULT_SORT)
    try:
        entries = search_filter(searchable_entries(), "" if q == "*:*" else q, fqs)
        return entries.order_by(*search_order(sort)), sort
    except QueryFieldError as error:
        raise ActionError("Search Query Error", f"Search Query is invalid: {error}", 400) from error
    except QuerySyntaxError as error:
        # CKAN passes the query to Solr, whose refusal it answers as a 409 "Search Error".
        raise ActionError("Search Error", f"Search error: {error}", 409) from error


def package_search(params: dict, base: str) -> dict:
    rows = _int(params, "rows", 10, MAX_ROWS) or 0
    start = _int(params, "start", 0) or 0
    entries, sort = _search(params)
    fields = _list(params.get("facet.field")) if _bool(params, "facet", True) else []
    facets = facet_counts(entries, fields, _facet_limit(params)) if fields else {}
    page = list(entries[start : start + rows])
    public_datasets(page)  # every reviewed snapshot the page needs, in one query
    return {
        "count": entries.count(),
        "facets": facets,
        "results": [package_dict(e, base) for e in page],
        "sort": sort,
        "search_facets": search_facets(facets),
    }


def _facet_limit(params: dict) -> int:
    """``facet.limit``: 50 by default (search.facets.limit), a negative number for every value."""
    try:
        return int(params.get("facet.limit") or 50)
    except (TypeError, ValueError) as exc:
        raise invalid("facet.limit", "Invalid integer") from exc


def current_package_list_with_resources(params: dict, base: str) -> list[dict]:
    limit = _int(params, "limit", None)
    offset = _int(params, "offset", None)
    if offset is None and "page" in params and limit:
        offset = ((_int(params, "page", 1) or 1) - 1) * limit
    search = {"rows": limit, "start": offset or 0, "sort": "metadata_modified desc"}
    return package_search(search, base)["results"]


def package_autocomplete(params: dict, base: str) -> list[dict]:
    q, limit = _required(params, "q").lower(), _int(params, "limit", 10) or 10
    entries = list(public_entries().order_by("slug"))
    found = []
    for entry, public in zip(entries, public_datasets(entries), strict=True):
        if q in entry.slug:
            found.append((entry.slug, public.name, "name", entry.slug))
        elif q in public.name.lower():
            found.append((entry.slug, public.name, "title", f"{public.name} ({entry.slug})"))
    return [
        {"name": name, "title": title, "match_field": field, "match_displayed": shown}
        for name, title, field, shown in found[:limit]
    ]


# --- resources ------------------------------------------------------------------------------------


def _all_resources(base: str) -> list[dict]:
    entries = list(public_entries().order_by("slug"))
    return [
        r for e, p in zip(entries, public_datasets(entries), strict=True) for r in resource_dicts(e, base, p)
    ]


def resource_show(params: dict, base: str) -> dict:
    ref = _required(params, "id")
    for resource in _all_resources(base):
        if resource["id"] == ref:
            return resource
    raise not_found("Resource")


RESOURCE_FIELDS = {"id", "package_id", "url", "format", "description", "name", "mimetype", "hash", "position"}


def _resource_terms(params: dict) -> dict[str, str]:
    query = params.get("query")
    fields = params.get("fields")
    if query in (None, "", []):
        if isinstance(fields, dict) and fields:
            return {str(k): str(v) for k, v in fields.items()}
        raise invalid("query", "Missing value")
    pairs = query if isinstance(query, list) else [query]
    if not all(":" in str(pair) for pair in pairs):
        raise invalid("query", "Must be <field>:<value> pair(s)")
    return dict(str(pair).split(":", 1) for pair in pairs)


def resource_search(params: dict, base: str) -> dict:
    terms = _resource_terms(params)
    for field in terms:
        if field not in RESOURCE_FIELDS:
            raise invalid("query", f'Field "{field}" not recognised in resource_search.')

    def matches(resource: dict) -> bool:
        for field, term in terms.items():
            value = str(resource.get(field) or "")
            if field == "hash" and not value.startswith(term):
                return False
            if field == "position" and value != term:
                return False
            if field not in ("hash", "position") and term.lower() not in value.lower():
                return False
        return True

    found = [r for r in _all_resources(base) if matches(r)]
    order_by = str(params.get("order_by") or "")
    if order_by in RESOURCE_FIELDS:
        found.sort(key=lambda r: str(r.get(order_by) or ""))
    offset, limit = _int(params, "offset", 0) or 0, _int(params, "limit", None)
    return {"count": len(found), "results": found[offset : offset + limit if limit is not None else None]}


def format_autocomplete(params: dict, base: str) -> list[str]:
    q, limit = _required(params, "q").lower(), _int(params, "limit", 5) or 5
    counts: Counter = Counter()
    for open_type in public_entries().values_list("open_type", flat=True):
        counts.update(formats_of(open_type))
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [fmt.lower() for fmt, _ in ranked if q in fmt.lower()][:limit]


def resource_view_list(params: dict, base: str) -> list:
    resource_show(params, base)
    return []  # no previews are configured as CKAN resource views


# --- organizations and groups ---------------------------------------------------------------------


def _units() -> list[Unit]:
    return list(
        Unit.objects.filter(resources__open_entry__in=public_entries())
        .annotate(n=Count("resources__open_entry"))
        .order_by("credit_code")
    )


def _unit(ref: str) -> Unit:
    for unit in _units():
        if ref in (org_name(unit), org_id(unit)):
            return unit
    raise not_found("Organization")


def _categories() -> dict[str, int]:
    return dict(public_entries().values_list("resource__category").annotate(n=Count("id")).order_by())


def _category(ref: str) -> str:
    for category in _categories():
        if ref in (category, group_id(category)):
            return category
    raise not_found("Group")


def _group_list(dicts: list[dict], params: dict, names_key: str) -> list:
    """group_list and organization_list: ``q``, ``groups``/``organizations``, ``sort``, paging, and
    names or (``all_fields``) dictionaries."""
    q = str(params.get("q") or "").strip().lower()
    wanted = _list(params.get(names_key))
    if wanted and len(wanted) == 1 and "," in wanted[0]:
        wanted = wanted[0].split(",")
    if q:
        dicts = [d for d in dicts if q in f"{d['name']} {d['title']} {d['description']}".lower()]
    if wanted:
        dicts = [d for d in dicts if d["name"] in wanted]
    field, _, direction = str(params.get("sort") or "title asc").strip().partition(" ")
    if field not in ("name", "title", "package_count"):
        raise invalid("sort", f"Cannot sort by field `{field}`")
    dicts.sort(key=lambda d: d[field], reverse=direction.strip().lower() == "desc")
    offset, limit = _int(params, "offset", 0) or 0, _int(params, "limit", None)
    dicts = dicts[offset : offset + limit if limit is not None else None]
    if _bool(params, "all_fields"):
        return dicts
    return [d["name"] for d in dicts]


def organization_list(params: dict, base: str) -> list:
    dicts = [organization_dict(u, package_count=u.n) for u in _units()]  # type: ignore[attr-defined]
    return _group_list(dicts, params, "organizations")


def group_list(params: dict, base: str) -> list:
    return _group_list([group_dict(c, n) for c, n in _categories().items()], params, "groups")


def _with_members(result: dict, params: dict, fq: str, base: str) -> dict:
    result.update(users=[], extras=[], groups=[], tags=[])
    if _bool(params, "include_datasets"):
        search = {"fq": fq, "rows": MAX_ROWS, "sort": "name asc"}
        result["packages"] = package_search(search, base)["results"]
    return result


def organization_show(params: dict, base: str) -> dict:
    unit = _unit(_required(params, "id"))
    result = organization_dict(unit, package_count=unit.n)  # type: ignore[attr-defined]
    return _with_members(result, params, f"organization:{org_name(unit)}", base)


def group_show(params: dict, base: str) -> dict:
    category = _category(_required(params, "id"))
    result = group_dict(category, _categories()[category])
    return _with_members(result, params, f"groups:{category}", base)


def group_package_show(params: dict, base: str) -> list[dict]:
    category = _category(_required(params, "id"))
    limit = _int(params, "limit", None)
    return package_search({"fq": f"groups:{category}", "rows": limit}, base)["results"]


def organization_list_for_user(params: dict, base: str) -> list:
    # The API answers every caller as CKAN answers an anonymous one: no one holds a permission
    # (manage_group, create_dataset, …) on an organization through it, since it writes nothing.
    return []


def organization_autocomplete(params: dict, base: str) -> list[dict]:
    return _autocomplete([organization_dict(u) for u in _units()], params)


def group_autocomplete(params: dict, base: str) -> list[dict]:
    return _autocomplete([group_dict(c) for c in _categories()], params)


def _autocomplete(dicts: list[dict], params: dict) -> list[dict]:
    q, limit = _required(params, "q").lower(), _int(params, "limit", 20) or 20
    found = [d for d in dicts if q in d["name"].lower() or q in d["title"].lower()]
    return [{"id": d["id"], "name": d["name"], "title": d["title"]} for d in found[:limit]]


# --- tags -----------------------------------------------------------------------------------------


def _tags() -> list[str]:
    return sorted({tag for tags in public_entries().values_list("tags", flat=True) for tag in tags})


def tag_list(params: dict, base: str) -> list:
    if params.get("vocabulary_id"):
        raise not_found("Vocabulary")  # the platform's keywords are free tags
    query = str(params.get("query") or params.get("q") or "")
    tags = [tag for tag in _tags() if query.lower() in tag.lower()]
    return [tag_dict(t) for t in tags] if _bool(params, "all_fields") else tags


def tag_show(params: dict, base: str) -> dict:
    ref = _required(params, "id")
    tag = next((t for t in _tags() if ref in (t, tag_dict(t)["id"])), None)
    if tag is None:
        raise not_found("Tag")
    result = tag_dict(tag)
    if _bool(params, "include_datasets"):
        search = {"fq": f'tags:"{tag}"', "rows": MAX_ROWS, "sort": "name asc"}
        result["packages"] = package_search(search, base)["results"]
    return result


def tag_autocomplete(params: dict, base: str) -> list[str]:
    q, limit = _required(params, "query" if "query" in params else "q").lower(), _int(params, "limit", 10)
    return [tag for tag in _tags() if q in tag.lower()][:limit]


def vocabulary_list(params: dict, base: str) -> list:
    return []


READ_ACTIONS = [
    status_show,
    site_read,
    license_list,
    package_list,
    package_show,
    package_search,
    current_package_list_with_resources,
    package_autocomplete,
    resource_show,
    resource_search,
    format_autocomplete,
    resource_view_list,
    organization_list,
    organization_show,
    organization_list_for_user,
    organization_autocomplete,
    group_list,
    group_show,
    group_package_show,
    group_autocomplete,
    tag_list,
    tag_show,
    tag_autocomplete,
    vocabulary_list,
]

# CKAN's other actions (ckan/logic/action/{create,update,patch,delete,get}.py): the writes, and the reads
# of accounts, members, followers, jobs and configuration. The portal is read-only and publishes no
# accounts, so these answer 403 "Authorization Error", as CKAN answers a visitor (ckanapi: NotAuthorized).
DENIED_ACTIONS = frozenset(
    """
    api_token_create api_token_revoke bulk_update_delete bulk_update_private bulk_update_public
    config_option_update dataset_purge follow_dataset follow_group follow_user group_create group_delete
    group_member_create group_member_delete group_patch group_purge group_update job_cancel job_clear
    member_create member_delete organization_create organization_delete organization_member_create
    organization_member_delete organization_patch organization_purge organization_update
    package_collaborator_create package_collaborator_delete package_create
    package_create_default_resource_views package_delete package_owner_org_update package_patch
    package_relationship_create package_relationship_delete package_relationship_update
    package_resource_reorder package_revise package_update resource_create
    resource_create_default_resource_views resource_delete resource_patch resource_update
    resource_view_clear resource_view_create resource_view_delete resource_view_reorder
    resource_view_update tag_create tag_delete task_status_delete task_status_update
    task_status_update_many term_translation_update term_translation_update_many unfollow_dataset
    unfollow_group unfollow_user user_create user_delete user_invite user_patch user_update
    vocabulary_create vocabulary_delete vocabulary_update
    member_list package_collaborator_list package_collaborator_list_for_user group_list_authz user_list
    user_show user_autocomplete task_status_show get_site_user config_option_show config_option_list
    job_list job_show api_token_list user_follower_list dataset_follower_list group_follower_list
    organization_follower_list followee_list user_followee_list dataset_followee_list
    group_followee_list organization_followee_list am_following_user am_following_dataset
    am_following_group package_relationships_list resource_view_show vocabulary_show tag_search
    term_translation_show member_roles_list user_follower_count dataset_follower_count
    group_follower_count organization_follower_count followee_count user_followee_count
    dataset_followee_count group_followee_count organization_followee_count
    """.split()  # noqa: SIM905 -- a paragraph of names reads better than a 100-item list
)
