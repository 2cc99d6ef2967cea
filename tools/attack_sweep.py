"""The cross-unit attack sweep (issue 18): every operation of the OpenAPI schema, tried by every demo person
(with a session), by an API key of every unit and anonymously, on other units' objects.

    .venv/bin/python tools/attack_sweep.py                      # a fresh SQLite database in a temporary folder
    .venv/bin/python tools/attack_sweep.py --targets 2 --only /api/v1/sharing/
    DATABASE_URL=postgres://…/empty_db .venv/bin/python tools/attack_sweep.py --database-url-from-env

The world is the demo (``seed_demo``) on a database of its own, never the developer's: a temporary SQLite
file, or with ``--database-url-from-env`` the ``DATABASE_URL`` given, which must be empty (no tables). To it
it is a federated city node (the federation's demo: peers, the province's catalog, back-flow); to it
the sweep adds a draft entry and a draft application of every government unit, an API key of every unit
and a canary: a token such as ``QZLEAKsharing.applicationx7Z`` written into a confidential text of each
object (an entry's description, an application's scenario, a ticket's description, a key's name, a push
target's user name, a notification's title, a project's description, …).

Each path id is replaced by the ids of objects the caller may not see (and one it may), by the platform's
own rules: the ``*_visible_to`` querysets of each app's access module, the same ones its views call.
Reads are GET; writes are POST, PUT, PATCH and DELETE with the body the schema's request example gives.
Every request runs in a transaction that is rolled back, so that no try changes what the next one reads.

An answer is
- a LEAK if its body (a spreadsheet's too) carries the canary of an object the caller may not see, or if
  it is a 2xx on a path naming an object the caller may not see (a write on a catalog entry or a key also
  when the caller may see it but not change it);
- a server error if it is a 5xx, except the 502 of a data call whose producer's interface did not answer
  (the call was admitted: it is judged as a 2xx);
- allowed if it is any other 2xx, refused otherwise (401, 403, 404, 405, 400, 409, 429, …).

Lists are read on their first page (50 rows), which holds every object of the demo's kinds.
It prints a table per area (the URL prefix) and exits 1 on any leak, server error or operation it could
not try. tests/hardening/test_attack_sweep.py runs the same sweep on a part of the callers.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import re
import sys
import tempfile
import zipfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CANARY = re.compile(rb"QZLEAK([a-z_]+(?:\.[a-z_]+)+)x(\d+)Z")
METHODS = ("get", "post", "put", "patch", "delete")
REFUSED = "refused"
ALLOWED = "allowed"
LEAK = "LEAK"
SERVER_ERROR = "5xx"


def canary(label: str, pk: int) -> str:
    return f"QZLEAK{label}x{pk}Z"


# --- who may see what: the platform's own rules -------------------------------------------------------


def _rules() -> dict[str, Callable[[Any], Any]]:
    """Object kind -> the queryset of those a caller may see, as the app's access module says. Imported
    late: Django must be set up first."""
    from catalog.access import interface_requests_visible_to, resources_visible_to
    from catalog.aggregation.services import batch_for_user
    from catalog.collection.emergency import emergencies_visible_to, temporary_collections_visible_to
    from catalog.collection.services import source_conflicts_visible_to
    from catalog.models import AggregationBatch, Resource, ServiceInterface
    from correction.access import tickets_visible_to
    from dataplatform.core.access import api_keys_visible_to
    from dataplatform.core.administrators import (
        personnel_changes_visible_to,
        units_visible_for_registration,
    )
    from dataplatform.core.models import Notification, Role
    from federation.backflow import backflow_for_user
    from federation.cascade import remote_catalog_visible
    from federation.models import BackflowRequest, Peer, RemoteEntry
    from governance import access as governance
    from governance.models import ProjectAsset
    from opening import access as opening
    from opening.models import OpenEntry
    from sharing.access import applications_visible_to, grants_visible_to
    from sharing.exchange.config import push_tasks_visible_to
    from sharing.exchange.models import PushRun, PushTask
    from sharing.models import Attachment, Grant, GrantStatus, VerificationRule

    def opened_to(caller):
        # A dataset open on application is served to the keys of the organizations granted it (opening.api).
        if getattr(caller, "api_key", None) is None:
            return OpenEntry.objects.none()
        return OpenEntry.objects.filter(grants__organization=caller.unit, grants__is_active=True)

    def granted_resources(caller):
        # A data call is served on an active grant of the caller's unit (sharing.grant_check).
        if getattr(caller, "api_key", None) is None:
            return Resource.objects.none()
        granted = Grant.objects.filter(unit=caller.unit, status=GrantStatus.ACTIVE).values("resource")
        return Resource.objects.filter(pk__in=granted)

    def connection_shown(caller):
        # sharing.exchange.config.sees_connection: the target is the holding unit's own database.
        from dataplatform.core.people import working_unit_id

        return PushTask.objects.filter(grant__unit=working_unit_id(caller))

    def run_errors_shown(caller):
        return PushRun.objects.filter(task__in=connection_shown(caller))

    def peers_shown(caller):
        return Peer.objects.all() if caller.has_role(Role.PLATFORM_ADMIN) else Peer.objects.none()

    def remote_entries_shown(caller):
        return RemoteEntry.objects.all() if remote_catalog_visible(caller) else RemoteEntry.objects.none()

    def backflows_shown(caller):
        every = BackflowRequest.objects.values_list("pk", flat=True)
        return BackflowRequest.objects.filter(pk__in=[pk for pk in every if backflow_for_user(caller, pk)])

    return {
        "federation.peer": peers_shown,
        "federation.remoteentry": remote_entries_shown,
        "federation.backflowrequest": backflows_shown,
        "catalog.resource": resources_visible_to,
        "catalog.aggregationbatch": _passing(batch_for_user, AggregationBatch),
        "catalog.interfacerequest": interface_requests_visible_to,
        "catalog.serviceinterface": lambda c: ServiceInterface.objects.filter(
            resource__in=resources_visible_to(c)
        ),
        "catalog.sourceconflict": source_conflicts_visible_to,
        "catalog.emergency": emergencies_visible_to,
        "catalog.temporarycollection": temporary_collections_visible_to,
        "correction.correctionticket": tickets_visible_to,
        "core.apikey": api_keys_visible_to,
        "core.notification": lambda c: Notification.objects.filter(recipient=c.pk),
        "core.personnelchange": personnel_changes_visible_to,
        "core.unit": units_visible_for_registration,
        "governance.infoproject": governance.projects_visible_to,
        "governance.projectasset": lambda c: ProjectAsset.objects.filter(
            project__in=governance.projects_visible_to(c)
        ),
        "governance.copyrequest": governance.copies_visible_to,
        "governance.subjectauthorization": governance.authorizations_visible_to,
        "governance.complaint": governance.complaints_visible_to,
        "governance.dispute": governance.disputes_visible_to,
        "opening.openapplication": opening.applications_visible_to,
        "opening.openentry": opening.entries_managed_by,
        "sharing.application": applications_visible_to,
        "sharing.attachment": lambda c: Attachment.objects.filter(application__in=applications_visible_to(c)),
        "sharing.grant": grants_visible_to,
        "sharing.pushtask": push_tasks_visible_to,
        "sharing.pushtask.connection": connection_shown,
        "sharing.pushrun.connection": run_errors_shown,
        "sharing.pushrun": lambda c: PushRun.objects.filter(task__in=push_tasks_visible_to(c)),
        "sharing.verificationrule": lambda c: VerificationRule.objects.filter(is_active=True),
        "data.resource": granted_resources,
        "open.dataset": opened_to,
        "data.serviceinterface": lambda c: ServiceInterface.objects.filter(resource__in=granted_resources(c)),
    }


def _passing(access: Callable[[Any, int], Any], model) -> Callable[[Any], Any]:
    """A rule from an ``<thing>_for_user`` function: the objects it hands the caller."""

    def rule(caller):
        return model.objects.filter(
            pk__in=[pk for pk in model.objects.values_list("pk", flat=True) if _ok(access, caller, pk)]
        )

    return rule


def _ok(access: Callable[[Any, int], Any], caller, pk: int) -> bool:
    try:
        access(caller, pk)
    except Exception:  # Http404 or PermissionDenied: the rule says no
        return False
    return True


def _changeable(operation: Operation) -> Callable[[Any, int], bool] | None:
    """The write rule of the paths whose viewers are not all their writers: a unit's own catalog entries
    (its people and its systems aggregate into them) and API keys. A reviewer's actions on an entry
    (``transition``, ``basis-changed``) follow the workflow's table, not the producer's right."""
    from catalog.access import can_aggregate
    from catalog.models import Resource
    from dataplatform.core.access import api_key_for_user

    if operation.method == "GET":
        return None
    if operation.kind == "catalog.resource" and not operation.path.endswith(
        ("/transition/", "/basis-changed/")
    ):
        return lambda c, pk: can_aggregate(c, Resource.objects.get(pk=pk))
    if operation.kind == "core.apikey":
        return lambda c, pk: _ok(lambda c, pk: api_key_for_user(c, pk, write=True), c, pk)
    return None


# The kind of the object each path's ``{id}`` names, by the path's beginning. A new path with an ``{id}``
# of a kind not named here is reported untried (and fails the sweep) until it has its row.
PATH_KINDS = [
    ("/api/v1/api-keys/", "core.apikey"),
    ("/api/v1/catalog/emergencies/", "catalog.emergency"),
    ("/api/v1/catalog/interface-requests/", "catalog.interfacerequest"),
    ("/api/v1/catalog/interfaces/", "catalog.serviceinterface"),
    ("/api/v1/catalog/resources/", "catalog.resource"),
    ("/api/v1/catalog/source-checks/", "catalog.sourceconflict"),
    ("/api/v1/catalog/temporary-collections/", "catalog.temporarycollection"),
    ("/api/v1/catalog/uploads/", "catalog.aggregationbatch"),
    ("/api/v1/correction/tickets/", "correction.correctionticket"),
    ("/api/v1/data/interfaces/", "data.serviceinterface"),
    ("/api/v1/data/resources/", "data.resource"),
    ("/api/v1/data/verification-rules/", "sharing.verificationrule"),
    ("/api/v1/federation/backflow/", "federation.backflowrequest"),
    ("/api/v1/federation/peers/", "federation.peer"),
    ("/api/v1/federation/remote-entries/", "federation.remoteentry"),
    ("/api/v1/governance/authorizations/", "governance.subjectauthorization"),
    ("/api/v1/governance/complaints/", "governance.complaint"),
    ("/api/v1/governance/copy-requests/", "governance.copyrequest"),
    ("/api/v1/governance/disputes/", "governance.dispute"),
    ("/api/v1/governance/projects/", "governance.infoproject"),
    ("/api/v1/opening/applications/", "opening.openapplication"),
    ("/api/v1/opening/entries/", "opening.openentry"),
    ("/api/v1/organizations/", "core.unit"),
    ("/api/v1/personnel-changes/", "core.personnelchange"),
    ("/api/v1/sharing/applications/", "sharing.application"),
    ("/api/v1/sharing/grants/", "sharing.grant"),
    ("/api/v1/sharing/push-runs/", "sharing.pushrun"),
    ("/api/v1/sharing/push-tasks/", "sharing.pushtask"),
    ("/api/v1/units/", "core.unit"),
]

# Where the canary goes: kind -> the text fields that carry it (the first is enough to see a leak).
CANARY_FIELDS = {
    "catalog.resource": ["description"],
    "catalog.aggregationbatch": ["file_name"],
    "catalog.interfacerequest": ["description"],
    "catalog.serviceinterface": ["specification"],
    "catalog.emergency": ["description"],
    "catalog.temporarycollection": ["reason"],
    "correction.correctionticket": ["description"],
    "federation.peer": ["last_error"],
    "federation.backflowrequest": ["scenario"],
    "core.apikey": ["name"],
    "core.notification": ["body"],
    "core.personnelchange": ["reason"],
    "governance.infoproject": ["description"],
    "governance.projectasset": ["description"],
    "governance.subjectauthorization": ["purpose"],
    "governance.complaint": ["description"],
    "governance.dispute": ["description"],
    "opening.openapplication": ["purpose"],
    "sharing.application": ["scenario"],
    "sharing.attachment": ["title"],
    "sharing.pushtask": ["name"],
    "sharing.pushtask.connection": ["username"],
    "sharing.pushrun.connection": ["error"],
    "sharing.verificationrule": ["description"],
}


# --- the world ----------------------------------------------------------------------------------------


@dataclass
class Caller:
    name: str  # a demo user name, "key:<unit>" or "anonymous"
    user: Any = None  # the User, or the ApiClient of a key; None: anonymous
    key: str = ""  # the API key, for a key's caller


@dataclass
class World:
    callers: list[Caller]
    canaries: dict[str, tuple[str, int]] = field(default_factory=dict)  # token -> (kind, pk)
    visible: dict[tuple[str, str], set[int]] = field(default_factory=dict)  # (caller, kind) -> pks
    pool: dict[str, list[int]] = field(default_factory=dict)  # kind -> every pk
    record_keys: dict[int, str] = field(default_factory=dict)  # resource pk -> a record's key
    group_by: dict[str, str] = field(default_factory=dict)  # "<kind> <pk>" -> an item to count by
    slugs: dict[int, str] = field(default_factory=dict)  # the open catalog's datasets by pk


def _draft_entry(person, n: int):
    from catalog.models import Category, DataFormat, GradingLevel, OpenType, ShareType, UpdateFrequency
    from catalog.services import resource_create

    return resource_create(
        actor=person,
        producer=person.unit,
        code=f"SWEEP-{person.unit.pk}-{n}",
        name="攻击扫描草稿目录",
        description="仅本单位可见的草稿。",
        category=Category.LEGAL_PERSON,
        data_format=DataFormat.TABLE,
        update_frequency=UpdateFrequency.DAILY,
        share_type=ShareType.UNCONDITIONAL,
        open_type=OpenType.UNIVERSAL,
        grading_level=GradingLevel.LEVEL_1,
        service_methods=["interface"],
        holds_no_classified_data=True,
        items=[{"name": "code", "label": "编码", "item_type": "string", "length": 18, "is_key": True}],
    )


def _draft_application(person, resource):
    import datetime as dt

    from sharing.services import application_create

    return application_create(
        actor=person,
        lines=[{"resource": resource, "items": [resource.items.first().name]}],
        business_matter="攻击扫描",
        scenario="仅本单位可见的草稿申请。",
        information_system="扫描系统",
        service_method="interface",
        end_date=dt.date.today() + dt.timedelta(days=365),
    )


def _verification_rule(resource) -> None:
    """A cross-verification rule of the technical service unit over a published entry's key item."""
    from dataplatform.core.models import Role, User
    from sharing.verification import verification_rule_create

    key = resource.items.filter(is_key=True).values_list("name", flat=True).first()
    verification_rule_create(
        actor=User.objects.filter(role_assignments__role=Role.EVALUATOR).first(),
        name="扫描核验",
        inputs=[{"name": "key", "label": "主键"}],
        checks=[{"name": "registered", "resource": resource.pk, "match": {key: "key"}}],
    )


def _failed_pushes() -> None:
    """A failed run of every push task: its driver's error names the holder's own database."""
    from sharing.exchange.models import PushRun, PushTask, RunStatus, RunTrigger

    for task in PushTask.objects.all():
        PushRun.objects.create(
            task=task, trigger=RunTrigger.MANUAL, status=RunStatus.FAILED, error="connection refused"
        )


def add_to_demo() -> dict[str, str]:
    """Two or more of each confidential thing: a draft entry and a draft application of every government
    unit's data administrator, an API key of every unit. Returns unit name -> its key."""
    from catalog.models import Resource
    from dataplatform.core.apikeys import api_key_issue
    from dataplatform.core.models import Role, Unit, User

    admins = User.objects.filter(role_assignments__role=Role.DATA_ADMIN, unit__isnull=False).select_related(
        "unit"
    )
    published = Resource.objects.filter(published_version__isnull=False).order_by("pk")
    # The government catalog and its applications are government units' (the others use the open portal).
    for n, person in enumerate(admins.order_by("pk")):
        if person.unit.is_government:
            _draft_entry(person, n)
            other = published.exclude(producer=person.unit).first()
            if other is not None:
                _draft_application(person, other)
    _verification_rule(published.first())
    _failed_pushes()
    anyone = User.objects.filter(role_assignments__role=Role.PLATFORM_ADMIN).first()
    keys = {}
    for unit in Unit.objects.order_by("pk"):
        issuer = User.objects.filter(unit=unit).first() or anyone
        keys[unit.name] = api_key_issue(actor=issuer, unit=unit, name="扫描系统").key
    return keys


def plant_canaries() -> dict[str, tuple[str, int]]:
    """Append each object's token to its confidential text, without an audit row: the sweep looks for
    the object's own fields in answers, and an audit event is read by its own rule."""
    from django.db.models import Value
    from django.db.models.functions import Concat, Left

    tokens = {}
    for kind, names in CANARY_FIELDS.items():
        model = model_of(kind)
        for pk in model.objects.values_list("pk", flat=True):
            token = canary(kind, pk)
            changes = {}
            for name in names:
                limit = model._meta.get_field(name).max_length
                kept = Left(name, limit - len(token) - 1) if limit else name
                changes[name] = Concat(kept, Value(" " + token))
            model.objects.filter(pk=pk).update(**changes)
            tokens[token] = (kind, pk)
    return tokens


def build_world(*, keys: dict[str, str], people: Iterable | None = None, with_keys: bool = True) -> World:
    """The callers (demo people, each unit's key, anonymous) and what each may see."""
    from catalog.models import DataItem, Resource
    from catalog.records import records_where
    from dataplatform.core.apikeys import api_key_authenticate
    from dataplatform.core.authentication import ApiClient
    from dataplatform.core.models import User
    from opening.models import OpenEntry

    users = people if people is not None else User.objects.order_by("pk")
    callers = [Caller("anonymous")] + [Caller(user.username, user) for user in users]
    if with_keys:
        for unit, key in keys.items():
            callers.append(Caller(f"key:{unit}", ApiClient(api_key=api_key_authenticate(key)), key))
    world = World(callers=callers, canaries=plant_canaries())
    for kind, rule in _rules().items():
        world.pool[kind] = sorted(model_of(kind).objects.values_list("pk", flat=True))
        for caller in callers:
            world.visible[(caller.name, kind)] = _visible(rule, caller)
    # Each entry's records sit in a table of their own: the first key of each.
    for resource in Resource.objects.order_by("pk").values_list("pk", flat=True):
        first = records_where(resource_id=resource, limit=1)
        if first:
            world.record_keys[resource] = first[0].key
    for resource, name in (
        DataItem.objects.filter(is_key=False).order_by("-pk").values_list("resource", "name")
    ):
        world.group_by[f"data.resource {resource}"] = name
    for entry, slug, resource in OpenEntry.objects.values_list("pk", "slug", "resource"):
        world.slugs[entry] = slug
        world.group_by[f"open.dataset {entry}"] = world.group_by.get(f"data.resource {resource}", "")
    return world


def model_of(kind: str):
    """``sharing.pushtask.connection`` is a push task; ``data.resource`` a catalog entry."""
    from django.apps import apps

    app, name = kind.split(".")[:2]
    return apps.get_model(
        {"data": "catalog", "open": "opening"}.get(app, app), {"dataset": "openentry"}.get(name, name)
    )


def _visible(rule, caller: Caller) -> set[int]:
    if caller.user is None:
        return set()  # the API shows a visitor nothing but the public portal's datasets
    try:
        return set(rule(caller.user).values_list("pk", flat=True))
    except AttributeError:  # a rule written for people, asked about a key: it shows a key nothing
        return set()


# --- the operations -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # the schema's template: /api/v1/sharing/applications/{id}/act/
    body: Any  # the request example, or None
    content_type: str  # application/json or multipart/form-data
    required: tuple[tuple[str, str], ...] = ()  # required query parameters: (name, type or format)

    @property
    def area(self) -> str:
        parts = self.path.split("/")
        return "/".join(parts[:4]) + "/" if len(parts) > 4 and not parts[3].startswith("{") else self.path

    @property
    def kind(self) -> str | None:
        if "{slug}" in self.path:
            return "open.dataset"
        if "{id}" not in self.path:
            return None
        return next((kind for start, kind in PATH_KINDS if self.path.startswith(start)), None)


def operations(only: str = "") -> list[Operation]:
    from django.core.serializers.json import DjangoJSONEncoder
    from drf_spectacular.generators import SchemaGenerator

    schema = json.loads(
        json.dumps(SchemaGenerator().get_schema(request=None, public=True), cls=DjangoJSONEncoder)
    )
    found = []
    for path, item in sorted(schema["paths"].items()):
        if not path.startswith(only):
            continue
        for method in METHODS:
            if method not in item:
                continue
            content = item[method].get("requestBody", {}).get("content", {})
            content_type = "application/json" if "application/json" in content or not content else ""
            content_type = content_type or next(iter(content))
            examples = content.get(content_type, {})
            body = examples.get("example")
            if body is None and examples.get("examples"):
                body = next(iter(examples["examples"].values())).get("value")
            required = tuple(
                (q["name"], q.get("schema", {}).get("format") or q.get("schema", {}).get("type", "string"))
                for q in item[method].get("parameters", [])
                if q["in"] == "query" and q.get("required")
            )
            found.append(Operation(method.upper(), path, body, content_type, required))
    return found


# --- the tries ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Try:
    operation: Operation
    caller: Caller
    url: str
    target: int | None  # the pk the path names, if any


@dataclass
class Result:
    counts: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    leaks: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    untried: list[str] = field(default_factory=list)  # operations whose path the sweep cannot fill
    seen: set[bytes] = field(default_factory=set)  # canaries found in any answer: the sweep is not blind

    @property
    def tries(self) -> int:
        return sum(counter["tries"] for counter in self.counts.values())


def targets(world: World, kind: str, caller: Caller, many: int) -> list[int]:
    """Up to ``many`` objects the caller may not see, spread over the pool, and one it may."""
    every = world.pool.get(kind, [])
    seen = world.visible.get((caller.name, kind), set())
    hidden = [pk for pk in every if pk not in seen]
    step = max(1, len(hidden) // many) if many else 1
    chosen = hidden[::step][:many]
    chosen += [pk for pk in every if pk in seen][:1]
    return chosen


def tries(world: World, ops: list[Operation], *, many: int, untried: list[str]) -> Iterator[Try]:
    """Each operation for each caller on its targets. An operation whose path the sweep cannot fill (an
    ``{id}`` of a kind PATH_KINDS does not name) goes into ``untried``: add its row."""
    for operation in ops:
        kind = operation.kind
        if "{id}" in operation.path and kind is None or fill(operation, world, None, probe=True) is None:
            untried.append(f"{operation.method} {operation.path}")
            continue
        if kind is not None and not world.pool.get(kind):
            untried.append(f"{operation.method} {operation.path} (no {kind} in the world)")
            continue
        for caller in world.callers:
            ids: list[int | None] = targets(world, kind, caller, many) if kind else [None]
            for pk in ids:
                url = fill(operation, world, pk)
                if url is not None:
                    yield Try(operation, caller, url, pk)


def fill(operation: Operation, world: World, pk: int | None, *, probe: bool = False) -> str | None:
    """The URL of one try: path parameters from the world, required query parameters with plausible values."""
    from urllib.parse import urlencode

    from governance.models import ProjectAsset

    url = operation.path.replace("{year}", "2026")
    if probe:
        return url
    if pk is not None:
        url = url.replace("{id}", str(pk)).replace("{slug}", world.slugs.get(pk, ""))
        url = url.replace("{key}", world.record_keys.get(pk, "91350500MA0000001X"))
        if "{asset_pk}" in url:
            asset = ProjectAsset.objects.filter(project=pk).values_list("pk", flat=True).first()
            url = url.replace("{asset_pk}", str(asset or 0))
    if "{" in url:
        return None
    values = {"integer": 1, "date": "2026-11-20", "boolean": "true"}
    query = {
        name: world.group_by.get(f"{operation.kind} {pk}", "")
        if name == "group_by"
        else values.get(kind, "示例")
        for name, kind in operation.required
    }
    return f"{url}?{urlencode(query)}" if query else url


@contextmanager
def rolled_back() -> Iterator[None]:
    from django.db import transaction

    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def send(client, attempt: Try):
    from django.core.cache import cache
    from django.core.files.uploadedfile import SimpleUploadedFile

    cache.clear()  # rate limits and quotas count per caller: a 429 would hide what the sweep looks for
    operation = attempt.operation
    headers = {"HTTP_ACCEPT_LANGUAGE": "en"}
    if attempt.caller.key:
        headers["HTTP_AUTHORIZATION"] = f"Api-Key {attempt.caller.key}"
    if operation.method == "GET":
        return client.get(attempt.url, **headers)
    if operation.content_type == "multipart/form-data":
        data = {
            name: SimpleUploadedFile("f.csv", b"code\n1\n") if value == "(the file's bytes)" else value
            for name, value in (operation.body or {}).items()
            if value is not None
        }
        return client.generic_multipart(operation.method, attempt.url, data, **headers)
    body = json.dumps(operation.body if operation.body is not None else {})
    return client.generic(operation.method, attempt.url, body, content_type="application/json", **headers)


def body_of(response) -> bytes:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content[:4] == b"PK\x03\x04":  # a spreadsheet: its text is inside the zip
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            content = b"".join(archive.read(name) for name in archive.namelist())
    return content


def judge(world: World, attempt: Try, status: int, content: bytes) -> tuple[str, str]:
    """The verdict on one answer and, for a leak, why."""
    caller, operation = attempt.caller, attempt.operation
    for match in CANARY.finditer(content):
        kind, pk = match.group(1).decode(), int(match.group(2))
        # A push task's connection canary is in its own kind; the rest are checked by the object's kind.
        if pk not in world.visible.get((caller.name, kind), set()):
            return LEAK, f"shows {kind} {pk}"
    # 502: the call was admitted and the producer's own interface did not answer (sharing.data_api), a
    # gateway's answer, judged as the call it relays.
    if status >= 500 and status != 502:
        return SERVER_ERROR, f"answered {status}"
    if not 200 <= status < 300 and status != 502:
        return REFUSED, ""
    kind = operation.kind
    if kind is not None and attempt.target is not None:
        if attempt.target not in world.visible.get((caller.name, kind), set()):
            return LEAK, f"{status} on {kind} {attempt.target}, which it may not see"
        writable = _changeable(operation)
        if writable is not None and caller.user is not None and not writable(caller.user, attempt.target):
            return LEAK, f"{status} on {kind} {attempt.target}, which it may not change"
    return ALLOWED, ""


class SweepClient:
    """Django's test client, with the multipart body for any method."""

    def __init__(self, caller: Caller):
        from django.test import Client

        self.client = Client(raise_request_exception=False)
        if caller.user is not None and not caller.key:
            self.client.force_login(caller.user)

    def get(self, url, **headers):
        return self.client.get(url, **headers)

    def generic(self, method, url, body, **extra):
        return self.client.generic(method, url, body, **extra)

    def generic_multipart(self, method, url, data, **headers):
        from django.test.client import MULTIPART_CONTENT, encode_multipart

        boundary = "SweepBoundary"
        body = encode_multipart(boundary, data)
        content_type = MULTIPART_CONTENT.replace("BoUnDaRyStRiNg", boundary)
        return self.client.generic(method, url, body, content_type=content_type, **headers)


def sweep(world: World, ops: list[Operation], *, many: int = 4) -> Result:
    result = Result()
    clients = {caller.name: SweepClient(caller) for caller in world.callers}
    quiet = logging.getLogger("django.request"), logging.getLogger("django.server")
    levels = [logger.level for logger in quiet]
    for logger in quiet:
        logger.setLevel(logging.CRITICAL)  # a 4xx or 5xx is counted here, not logged line by line
    try:
        for attempt in tries(world, ops, many=many, untried=result.untried):
            with rolled_back():
                response = send(clients[attempt.caller.name], attempt)
                content = body_of(response)
            verdict, why = judge(world, attempt, response.status_code, content)
            result.seen.update(match.group(0) for match in CANARY.finditer(content))
            area = result.counts[attempt.operation.area]
            area["tries"] += 1
            area[verdict] += 1
            line = f"{attempt.operation.method} {attempt.url} as {attempt.caller.name}: {why}"
            if verdict == LEAK:
                result.leaks.append(line)
            elif verdict == SERVER_ERROR:
                result.errors.append(line)
    finally:
        for logger, level in zip(quiet, levels, strict=True):
            logger.setLevel(level)
    return result


def table(result: Result) -> str:
    columns = ("tries", REFUSED, ALLOWED, LEAK, SERVER_ERROR)
    rows = [("area", "tries", "refused", "allowed", "leaks", "5xx")]
    total: Counter = Counter()
    for area, counts in sorted(result.counts.items()):
        rows.append((area, *(str(counts[c]) for c in columns)))
        total.update({c: counts[c] for c in columns})
    rows.append(("total", *(str(total[c]) for c in columns)))
    width = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(cell.ljust(width[0]) if i == 0 else cell.rjust(width[i]) for i, cell in enumerate(row))
        for row in rows
    ]
    return "\n".join(lines)


# --- the command --------------------------------------------------------------------------------------


SWEPT_NODE = {
    "NODE_ID": "fj-350500",
    "NODE_LEVEL": "city",
    "NODE_REGION": "350500",
    "NODE_NAME": "泉州市公共数据汇聚共享平台",
}


def _own_database(args, scratch: Path) -> None:
    """Settings for a database and files of the sweep's own, before Django reads them."""
    if not args.database_url_from_env:
        os.environ["DATABASE_URL"] = f"sqlite:///{scratch / 'sweep.sqlite3'}"
    os.environ["MEDIA_ROOT"] = str(scratch / "media")
    os.environ["AUDIT_CHECKPOINT_DIR"] = str(scratch / "audit-checkpoints")
    os.environ["AUDIT_ARCHIVE_DIR"] = str(scratch / "audit-archives")
    os.environ["REDIS_URL"] = ""  # an in-process cache: the sweep clears it between tries
    os.environ["EMAIL_URL"] = "dummymail://"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dataplatform.settings")
    # A federated city node, so the demo seeds its peers, the province's catalog and back-flow applications
    # (federation.demo); the key is made before the demo is seeded.
    for name, value in SWEPT_NODE.items():
        os.environ[name] = value
    os.environ["NODE_KEY_FILE"] = str(scratch / "node-ed25519.pem")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", type=int, default=4, help="other units' objects per path and caller")
    parser.add_argument("--only", default="", help="only the paths that begin so, e.g. /api/v1/sharing/")
    parser.add_argument(
        "--database-url-from-env",
        action="store_true",
        help="use DATABASE_URL (an empty database) instead of a temporary SQLite file",
    )
    parser.add_argument("--show", type=int, default=30, help="leaks and server errors to list")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory(prefix="attack-sweep-") as scratch:
        _own_database(args, Path(scratch))
        import django
        from django.core.management import call_command

        django.setup()
        from django.db import connection

        # Asked before migrating: a database with any table is someone's, and the sweep writes to it.
        if connection.introspection.table_names():
            print("The database has tables already: the sweep runs on an empty one only.", file=sys.stderr)
            return 2
        call_command("migrate", verbosity=0)
        from federation.node import generate_key_file

        generate_key_file(Path(os.environ["NODE_KEY_FILE"]))
        call_command("seed_demo", stdout=io.StringIO())
        world = build_world(keys=add_to_demo())
        ops = operations(args.only)
        result = sweep(world, ops, many=args.targets)
    callers = len(world.callers)
    print(
        f"{len(ops)} operations, {callers} callers, {result.tries} tries; "
        f"{len(result.seen)} of {len(world.canaries)} canaries shown to whoever may see them"
    )
    print(table(result))
    for line in (result.leaks + result.errors)[: args.show]:
        print(" ", line)
    for line in result.untried:
        print("  untried (add its kind to PATH_KINDS):", line)
    return 1 if result.leaks or result.errors or result.untried else 0


if __name__ == "__main__":
    sys.exit(main())
