"""A CKAN-compatible action API (/api/3/action/<action>), read-only, over open datasets only, so that
CKAN clients and harvesters read the portal unchanged.

Shapes follow CKAN 2.10 (ckan/views/api.py and the action docs): every answer is ``{"help", "success",
"result"}``; a failure is ``{"help", "success": false, "error": {"__type", "message"}}`` with the status CKAN
gives: 404 Not Found Error, 409 Validation Error (with the field's messages beside ``message``), 400 Search
Query Error. An unknown action is a 400 "Bad request" too, in the same envelope (CKAN answers a bare string).
Datasets are packages, producing units organizations, categories groups, files resources.
"""

import json
import re
import uuid
from typing import Any

from django.db import transaction
from django.db.models import Count, QuerySet
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from audit.models import Outcome
from audit.services import audit_record
from dataplatform.core.audit_actions import AuditAction
from dataplatform.core.models import Unit

from .ckan_dicts import group_dict, org_name, organization_dict, package_dict, resource_dicts
from .downloads import FORMATS
from .models import OpenEntry
from .selectors import public_entries, public_search

CKAN_VERSION = "2.10.4"
MAX_ROWS = 1000
SORTS = {
    "score": "-download_count",
    "name": "slug",
    "title_string": "resource__name",
    "metadata_modified": "updated_at",
    "metadata_created": "opened_at",
}
FQ_CLAUSE = re.compile(r'([+-]?)(\w+):("(?:[^"]*)"|\[[^\]]*\]|\S+)')


class ActionError(Exception):
    def __init__(self, kind: str, message: str, status: int, **fields) -> None:
        super().__init__(message)
        self.kind, self.message, self.status, self.fields = kind, message, status, fields


def not_found(what: str) -> ActionError:
    return ActionError("Not Found Error", f"Not found: {what}", 404)


def invalid(field: str, message: str) -> ActionError:
    return ActionError("Validation Error", message, 409, **{field: [message]})


def _int(params: dict, name: str, default: int, maximum: int | None = None) -> int:
    try:
        value = int(params.get(name, default))
    except (TypeError, ValueError) as exc:
        raise invalid(name, "Invalid integer") from exc
    if value < 0:
        raise invalid(name, "Must be a natural number")
    return min(value, maximum) if maximum else value


# --- actions --------------------------------------------------------------------------------------


def _entry(params: dict) -> OpenEntry:
    ref = str(params.get("id") or params.get("name_or_id") or "")
    if not ref:
        raise invalid("id", "Missing value")
    entries = public_entries()
    try:
        entry = entries.filter(uuid=uuid.UUID(ref)).first()
    except ValueError:
        entry = entries.filter(slug=ref).first()
    if entry is None:
        raise not_found("Dataset")
    return entry


def _unit(ref: str) -> Unit:
    for unit in Unit.objects.filter(resources__open_entry__in=public_entries()).distinct():
        if ref in (org_name(unit), organization_dict(unit)["id"]):
            return unit
    raise not_found("Organization")


def status_show(params, base):
    return {
        "ckan_version": CKAN_VERSION,
        "site_title": "泉州市公共数据开放平台",
        "site_description": "Quanzhou open government data",
        "site_url": base.rstrip("/"),
        "locale_default": "zh_Hans_CN",
        "error_emails_to": None,
        "extensions": ["dcat"],
    }


def package_list(params, base):
    offset, limit = _int(params, "offset", 0), _int(params, "limit", MAX_ROWS, MAX_ROWS)
    return list(public_entries().order_by("slug").values_list("slug", flat=True)[offset : offset + limit])


def _filter_fq(entries: QuerySet, fq: str) -> QuerySet:
    for sign, field, value in FQ_CLAUSE.findall(fq):
        value = value.strip('"')
        if field == "dataset_type" and value == "dataset":
            continue
        if field == "organization":
            match = entries.filter(resource__producer__in=[u.pk for u in _orgs_named(value)])
        elif field == "tags":
            match = entries.filter(tags_text__contains=OpenEntry.tag_token(value))
        elif field == "groups":
            match = entries.filter(resource__category=value)
        elif field == "res_format":
            match = entries if value.lower() in FORMATS else entries.none()
        elif field == "metadata_modified" and value.startswith("["):
            start = value[1:].split(" TO ")[0].strip()
            match = entries if start in ("*", "") else entries.filter(updated_at__gte=start)
        else:
            raise ActionError(
                "Search Query Error", f"Search Query is invalid: unsupported field {field!r}", 400
            )
        entries = entries.exclude(pk__in=match.values("pk")) if sign == "-" else match
    return entries


def _orgs_named(name: str) -> list[Unit]:
    return [u for u in Unit.objects.filter(credit_code__iexact=name)]


def _sort(sort: str) -> list[str]:
    order = []
    for part in filter(None, (p.strip() for p in sort.split(","))):
        field, _, direction = part.partition(" ")
        if field not in SORTS or direction.strip() not in ("asc", "desc", ""):
            raise ActionError("Search Query Error", f"Search Query is invalid: cannot sort by {part!r}", 400)
        column = SORTS[field].lstrip("-")
        descending = (direction.strip() == "desc") != SORTS[field].startswith("-")
        order.append(("-" if descending else "") + column)
    return order + ["slug"]


def package_search(params, base):
    rows, start = _int(params, "rows", 10, MAX_ROWS), _int(params, "start", 0)
    sort = params.get("sort") or "score desc, metadata_modified desc"
    q = str(params.get("q", "")).strip()
    entries = public_search(q="" if q in ("*:*", "") else q)
    entries = _filter_fq(entries, str(params.get("fq", ""))).order_by(*_sort(sort))
    count = entries.count()
    return {
        "count": count,
        "sort": sort,
        "facets": {},
        "search_facets": {},
        "results": [package_dict(e, base) for e in entries[start : start + rows]],
    }


def package_show(params, base):
    return package_dict(_entry(params), base)


def resource_show(params, base):
    ref = str(params.get("id", ""))
    if not ref:
        raise invalid("id", "Missing value")
    for entry in public_entries():
        for resource in resource_dicts(entry, base):
            if resource["id"] == ref:
                return resource
    raise not_found("Resource")


def organization_list(params, base):
    units = (
        Unit.objects.filter(resources__open_entry__in=public_entries())
        .annotate(n=Count("resources__open_entry"))
        .order_by("credit_code")
    )
    if str(params.get("all_fields", "")).lower() in ("true", "1"):
        return [organization_dict(u, package_count=u.n) for u in units]
    return [org_name(u) for u in units]


def organization_show(params, base):
    unit = _unit(str(params.get("id", "")))
    entries = public_entries().filter(resource__producer=unit)
    result = organization_dict(unit, package_count=entries.count())
    if str(params.get("include_datasets", "")).lower() in ("true", "1"):
        result["packages"] = [package_dict(e, base) for e in entries[:1000]]
    return result


def group_list(params, base):
    counts = dict(public_entries().values_list("resource__category").annotate(n=Count("id")))
    if str(params.get("all_fields", "")).lower() in ("true", "1"):
        return [group_dict(c, n) for c, n in sorted(counts.items())]
    return sorted(counts)


def tag_list(params, base):
    tags = {tag for tags in public_entries().values_list("tags", flat=True) for tag in tags}
    query = str(params.get("query", ""))
    return sorted(tag for tag in tags if query in tag)


def help_show(params, base):
    action = ACTIONS.get(str(params.get("name", "")))
    if action is None:
        raise not_found("Action")
    return (action.__doc__ or action.__name__).strip()


ACTIONS = {
    f.__name__: f
    for f in (
        status_show,
        package_list,
        package_search,
        package_show,
        resource_show,
        organization_list,
        organization_show,
        group_list,
        tag_list,
        help_show,
    )
}


def _params(request: HttpRequest) -> dict:
    params = request.GET.dict()
    if request.method == "POST" and request.body:
        try:
            body = json.loads(request.body)
        except ValueError as exc:
            raise ActionError("Bad request", "JSON Error: could not read the request body", 400) from exc
        if isinstance(body, dict):
            params.update(body)
    return params


@csrf_exempt  # read-only, no session use: CKAN clients POST JSON without a CSRF token
def ckan_action(request: HttpRequest, action: str) -> JsonResponse:
    base = request.build_absolute_uri("/")
    envelope: dict[str, Any] = {"help": f"{base}api/3/action/help_show?name={action}"}
    status, owner, target = 200, None, None
    try:
        function = ACTIONS.get(action)
        if function is None:
            raise ActionError("Bad request", f"Bad request - Action name not known: {action}", 400)
        params = _params(request)
        if action == "package_show":
            target = _entry(params)
            owner = target.resource.producer
        envelope.update(success=True, result=function(params, base))
    except ActionError as error:
        status = error.status
        envelope.update(success=False, error={"__type": error.kind, "message": error.message, **error.fields})
    with transaction.atomic():
        audit_record(
            action=AuditAction.OPEN_API,
            actor=request.user if request.user.is_authenticated else None,
            request=request,
            target=target,
            owner_unit=owner,
            outcome=Outcome.OK if status == 200 else Outcome.FAILED,
            detail={"public": True, "ckan_action": action, "query": request.GET.dict(), "status": status},
        )
    return JsonResponse(envelope, status=status, json_dumps_params={"ensure_ascii": False})
