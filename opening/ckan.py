"""A CKAN-compatible Action API, read-only, over open datasets only, so that CKAN clients (ckanapi, the
ckanext-harvest CKAN harvester) read the portal unchanged. Served as CKAN serves it, at
``/api/action/<name>`` and ``/api/3/action/<name>``, by GET (query string) and POST (a JSON body or a form).

The envelope and statuses are CKAN 2.10's (ckan/views/api.py): every answer is ``{"help", "success",
"result"}``; a failure is ``{"help", "success": false, "error": {"__type", "message"}}`` with 403
Authorization Error (every write action), 404 Not Found Error, 409 Validation Error (the field's messages
beside ``__type``), 400 Search Query Error (a field or sort the index has not) and 409 Search Error (a
query Solr would not parse). An unknown action and an unreadable body are CKAN's bare 400 string.
Datasets are packages, producing units organizations, catalog categories groups, files resources; the
actions are in ``opening.ckan_actions``.
"""

import json
from typing import Any

from django.db import transaction
from django.http import HttpRequest, JsonResponse, QueryDict
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from audit.models import Outcome
from audit.services import audit_record
from dataplatform.core.audit_actions import AuditAction

from .ckan_actions import DENIED_ACTIONS, READ_ACTIONS, ActionError, package_entry

ACTIONS = {f.__name__: f for f in READ_ACTIONS}


def help_show(params: dict, base: str) -> str:
    action = ACTIONS.get(str(params.get("name", "")))
    if action is None:
        raise ActionError("Not Found Error", "Not found: Action", 404)
    return (action.__doc__ or action.__name__).strip()


ACTIONS["help_show"] = help_show


class BadRequest(Exception):
    """CKAN's ``_finish_bad_request``: a 400 whose body is a bare JSON string, not the envelope."""


def _mixed(values: QueryDict) -> dict[str, Any]:
    """CKAN's ``mixed``: a repeated parameter is a list, any other a string."""
    return {key: items[0] if len(items) == 1 else items for key, items in values.lists()}


def _params(request: HttpRequest) -> dict:
    params = _mixed(request.GET)
    if request.method != "POST":
        return params
    body: Any = {}
    if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = request.POST
        if len(form) == 1 and list(form.values())[0] in ("1", ""):
            body = _json(next(iter(form)))  # CKAN: a JSON document posted as a form's only key
        else:
            body = _mixed(form)
    elif request.body:
        body = _json(request.body)
    if not isinstance(body, dict):
        raise BadRequest(
            f"JSON Error: Request data JSON decoded to {body!r} but it needs to be a dictionary."
        )
    return {**params, **body}


def _json(text: str | bytes) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise BadRequest(f"JSON Error: Error decoding JSON data. Error: {exc}") from exc


def _call(action: str, request: HttpRequest, base: str) -> Any:
    if action in DENIED_ACTIONS:
        raise ActionError("Authorization Error", f"Access denied: {action} is not available to you", 403)
    function = ACTIONS.get(action)
    if function is None:
        raise BadRequest(f"Action name not known: {action}")
    return function(_params(request), base)


@csrf_exempt  # read-only, no session use: CKAN clients POST without a CSRF token
@require_http_methods(["GET", "POST"])
def ckan_action(request: HttpRequest, action: str) -> JsonResponse:
    base = request.build_absolute_uri("/")
    envelope: dict[str, Any] = {"help": f"{base}api/3/action/help_show?name={action}"}
    status, owner, target, answer = 200, None, None, None
    try:
        envelope.update(success=True, result=_call(action, request, base))
        if action == "package_show":
            target = package_entry(_params(request))
            owner = target.resource.producer
    except BadRequest as error:
        status, answer = 400, f"Bad request: {error}"
    except ActionError as error:
        status = error.status
        envelope.pop("result", None)
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
    content = envelope if answer is None else answer
    return JsonResponse(content, status=status, safe=False, json_dumps_params={"ensure_ascii": False})
