"""Minimal same-work views for bench/load.py: each kind of the load's mix done with the database reads and
writes the real endpoint must do, and nothing else — no DRF, no middleware (bench.wsgi_bench serves
/bench/min/ without any), plain SQL on one cursor, JSON by hand. The load's ratio real / minimal is what
the framework, the services' generality and our extras cost on top of the unavoidable work.

What each does, as the real one must:

- record lookup: the API key by its prefix (hash compared), the unit's active interface grant, the record
  from the resource's typed table, one audit INSERT committed (autocommit) before the answer;
- verification: the key, the rule, the unit's active verification grant, the matching read, the audit;
- catalog search: the session and its person, the same full-text query over the search index (visible
  entries, ranked, at most RESULT_CAP + 1), the page's data items;
- application create: the session, the application row, its line, the audit, in one transaction;
- application submit: the session, the draft locked and moved on, the audit, in one transaction;
- open-data CSV: the entry, its items and de-identification rules, the download count and the audit, then
  the records streamed as CSV a keyset batch at a time.

Left out on purpose (what the real endpoints add): the Redis limits and crawler watch, CSRF, the session's
password hash check, the validation of input beyond what the SQL needs, the notifications of a submission.
"""

import csv
import datetime as dt
import functools
import hashlib
import hmac
import json
from collections.abc import Iterator

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from catalog.records import KEY, published_columns, table_name
from catalog.records.reads import canonical
from catalog.search.text import RESULT_CAP, query_terms
from dataplatform.core.spreadsheets import spreadsheet_safe
from opening.deidentify import apply_rule

PAGE = 20
CHUNK = 2000


class Refused(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status


def refusals(view):
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except Refused as refused:
            return JsonResponse({"detail": str(refused)}, status=refused.status)

    return csrf_exempt(wrapper)


@functools.cache
def tables() -> dict[str, str]:
    from audit.models import AuditEvent
    from catalog.models import DataItem, Resource
    from dataplatform.core.models import ApiKey, Unit, User
    from opening.models import ItemRule, OpenEntry
    from sharing.models import Application, ApplicationLine, Grant, VerificationRule

    models = {
        "audit": AuditEvent,
        "item": DataItem,
        "resource": Resource,
        "apikey": ApiKey,
        "unit": Unit,
        "user": User,
        "rule": ItemRule,
        "entry": OpenEntry,
        "application": Application,
        "line": ApplicationLine,
        "grant": Grant,
        "vrule": VerificationRule,
    }
    return {name: connection.ops.quote_name(model._meta.db_table) for name, model in models.items()}


# --- the essential steps ---------------------------------------------------------------------------


def api_client(cursor, request: HttpRequest) -> tuple[int, str, int]:
    """(key id, key name, unit id) of the request's usable API key."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if not header.startswith("Api-Key "):
        raise Refused(401, "no key")
    key = header[8:]
    cursor.execute(
        f"SELECT id, name, unit_id, hashed_key, revoked_at, expires_at FROM {tables()['apikey']} WHERE prefix = %s",
        [key.partition(".")[0]],
    )
    row = cursor.fetchone()
    if row is None or not hmac.compare_digest(row[3], hashlib.sha256(key.encode()).hexdigest()):
        raise Refused(401, "invalid key")
    if row[4] is not None or (row[5] is not None and row[5] <= timezone.now()):
        raise Refused(401, "unusable key")
    return row[0], row[1], row[2]


def active_grant(cursor, *, unit_id: int, resource_id: int, method: str) -> tuple[int, list, str, int]:
    """(grant id, items, scenario, producer id) of the unit's active grant on an available resource."""
    cursor.execute(
        f"SELECT g.id, g.items, g.scenario, r.producer_id FROM {tables()['grant']} g "
        f"JOIN {tables()['resource']} r ON r.id = g.resource_id "
        "WHERE g.unit_id = %s AND g.resource_id = %s AND g.service_method = %s AND g.status = 'active' "
        "AND g.end_date >= %s AND r.published_version IS NOT NULL "
        "ORDER BY g.granted_at DESC LIMIT 1",
        [unit_id, resource_id, method, timezone.localdate()],
    )
    row = cursor.fetchone()
    if row is None:
        raise Refused(403, "no grant")
    items = row[1] if isinstance(row[1], list) else json.loads(row[1])
    return row[0], items, row[2], row[3]


def audit(
    cursor,
    request: HttpRequest,
    *,
    action: str,
    actor_name: str,
    object_type: str,
    object_id,
    user_id: int | None = None,
    unit_id: int | None = None,
    api_key_id: int | None = None,
    owner_unit_id: int | None = None,
    data_items: list | None = None,
    record_count: int | None = None,
    purpose: str = "",
    detail: dict | None = None,
) -> None:
    cursor.execute(
        f"INSERT INTO {tables()['audit']} (occurred_at, action, outcome, actor_id, actor_name, actor_unit_id, "
        "api_key_id, owner_unit_id, object_type, object_id, object_repr, data_items, record_count, purpose, "
        "client_ip, detail, request_id, prev_hash, hash) "
        "VALUES (%s, %s, 'ok', %s, %s, %s, %s, %s, %s, %s, '', %s, %s, %s, %s, %s, '', '', '')",
        [
            timezone.now(),
            action,
            user_id,
            actor_name,
            unit_id,
            api_key_id,
            owner_unit_id,
            object_type,
            str(object_id),
            json.dumps(data_items or [], ensure_ascii=False),
            record_count,
            purpose[:300],
            request.META.get("REMOTE_ADDR") or None,
            json.dumps(detail or {}, ensure_ascii=False),
        ],
    )


def session_person(cursor, request: HttpRequest) -> tuple[int, int | None, str]:
    """(user id, unit id, name) of the logged-in person: the session row, then the person's."""
    session_key = request.COOKIES.get("sessionid")
    user_id = SessionStore(session_key).get(SESSION_KEY) if session_key else None
    if user_id is None:
        raise Refused(403, "not logged in")
    cursor.execute(
        f"SELECT id, unit_id, real_name, username FROM {tables()['user']} WHERE id = %s AND is_active",
        [int(user_id)],
    )
    row = cursor.fetchone()
    if row is None:
        raise Refused(403, "no such person")
    return row[0], row[1], row[2] or row[3]


# --- the views -------------------------------------------------------------------------------------


@refusals
def record(request: HttpRequest, pk: int, key: str) -> HttpResponse:
    with connection.cursor() as cursor:
        key_id, key_name, unit_id = api_client(cursor, request)
        grant_id, items, scenario, producer_id = active_grant(
            cursor, unit_id=unit_id, resource_id=pk, method="interface"
        )
        cursor.execute(f"SELECT * FROM {table_name(pk)} WHERE {KEY} = %s", [key])
        row = cursor.fetchone()
        names = [column[0] for column in cursor.description]
        audit(
            cursor,
            request,
            action="data.query",
            actor_name=f"API · {key_name}",
            object_type="catalog.resource",
            object_id=pk,
            unit_id=unit_id,
            api_key_id=key_id,
            owner_unit_id=producer_id,
            data_items=items,
            record_count=1 if row else 0,
            purpose=scenario,
            detail={"grant": grant_id, "key": key},
        )
    if row is None:
        raise Refused(404, "no record")
    found = dict(zip(names, row, strict=True))
    data = {item: canonical(found.get(item)) for item in items}
    return JsonResponse({"key": found[KEY], "data": data, "updated_at": found["_updated_at"]})


@refusals
def verify(request: HttpRequest, pk: int) -> HttpResponse:
    inputs = json.loads(request.body)["inputs"]
    with connection.cursor() as cursor:
        key_id, key_name, unit_id = api_client(cursor, request)
        cursor.execute(f"SELECT checks FROM {tables()['vrule']} WHERE id = %s AND is_active", [pk])
        found = cursor.fetchone()
        if found is None:
            raise Refused(404, "no rule")
        checks = found[0] if isinstance(found[0], list) else json.loads(found[0])
        results, audited = {}, []
        for check in checks:
            resource_id = check["resource"]
            grant_id, _items, scenario, producer_id = active_grant(
                cursor, unit_id=unit_id, resource_id=resource_id, method="verification"
            )
            where, params = [], []
            for item, field in check["match"].items():
                is_key = any(c.is_key for c in _columns(resource_id) if c.name == item)
                where.append(f"{KEY} = %s" if is_key else f"{connection.ops.quote_name(item)} = %s")
                params.append(str(inputs[field]))
            cursor.execute(
                f"SELECT 1 FROM {table_name(resource_id)} WHERE {' AND '.join(where)} LIMIT 10", params
            )
            results[check["name"]] = cursor.fetchone() is not None
            audited.append((check, grant_id, scenario, producer_id))
        with transaction.atomic(savepoint=False) if len(audited) > 1 else _nothing():
            for check, grant_id, scenario, producer_id in audited:
                audit(
                    cursor,
                    request,
                    action="data.verify",
                    actor_name=f"API · {key_name}",
                    object_type="sharing.verificationrule",
                    object_id=pk,
                    unit_id=unit_id,
                    api_key_id=key_id,
                    owner_unit_id=producer_id,
                    data_items=list(check["match"]),
                    record_count=0,
                    purpose=scenario,
                    detail={"grant": grant_id, "check": check["name"], "result": results[check["name"]]},
                )
    return JsonResponse({"rule": pk, "results": results, "all": all(results.values())})


class _nothing:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def _columns(resource_id: int):
    from catalog.models import Resource

    return _published(resource_id, Resource)


@functools.lru_cache(maxsize=64)
def _published(resource_id: int, model):
    return published_columns(model.objects.get(pk=resource_id))


def _tsquery(q: str) -> tuple[str, list[str]]:
    """The same tsquery as catalog.search.text.terms_tsquery: every word, or all of its finest parts."""
    parts, params = [], []
    for term in query_terms(q):
        match = "plainto_tsquery('simple'::regconfig, %s)"
        params.append(term.word)
        if term.parts:
            match = f"({match} || plainto_tsquery('simple'::regconfig, %s))"
            params.append(" ".join(term.parts))
        parts.append(match)
    return " && ".join(parts), params


@refusals
def search(request: HttpRequest) -> HttpResponse:
    query, params = _tsquery(request.GET.get("q", ""))
    if not query:
        raise Refused(400, "no words")
    with connection.cursor() as cursor:
        session_person(cursor, request)
        cursor.execute(
            f"""
            WITH q AS MATERIALIZED (SELECT {query} AS query),
            hits AS MATERIALIZED (
                SELECT r.id FROM {tables()["resource"]} r, q
                WHERE to_tsvector('simple'::regconfig, r.search_text) @@ q.query
                  AND r.published_version IS NOT NULL AND r.status <> 'retired'
                LIMIT %s
            )
            SELECT r.id, r.code, r.name, r.producer_id, u.name, r.category, r.share_type, r.open_type,
                   r.update_frequency, r.last_aggregated_at,
                   ts_rank(to_tsvector('simple'::regconfig, r.search_text), q.query) AS rank
            FROM hits JOIN {tables()["resource"]} r USING (id) JOIN {tables()["unit"]} u ON u.id = r.producer_id, q
            ORDER BY rank DESC, r.name, r.id
            """,
            [*params, RESULT_CAP + 1],
        )
        matches = cursor.fetchall()
        page = matches[:PAGE]
        items: dict[int, list] = {row[0]: [] for row in page}
        if items:
            cursor.execute(
                f"SELECT resource_id, name, label FROM {tables()['item']} WHERE resource_id = ANY(%s) "
                "ORDER BY position, id",
                [list(items)],
            )
            for resource_id, name, label in cursor.fetchall():
                items[resource_id].append({"name": name, "label": label})
    results = [
        {
            "id": row[0],
            "code": row[1],
            "name": row[2],
            "producer": {"id": row[3], "name": row[4]},
            "category": row[5],
            "share_type": row[6],
            "open_type": row[7],
            "update_frequency": row[8],
            "last_aggregated_at": row[9],
            "items": items[row[0]],
            "rank": row[10],
        }
        for row in page
    ]
    count = min(len(matches), RESULT_CAP)
    return JsonResponse({"count": count, "count_capped": len(matches) > RESULT_CAP, "results": results})


@refusals
def application_create(request: HttpRequest) -> HttpResponse:
    body = json.loads(request.body)
    now = timezone.now()
    with connection.cursor() as cursor:
        user_id, unit_id, name = session_person(cursor, request)
        with transaction.atomic():
            cursor.execute(
                f"INSERT INTO {tables()['application']} (applicant_unit_id, applicant_id, business_matter, "
                "scenario, information_system, service_method, scope, end_date, status, decision_basis, "
                "decision_reason, created_at, updated_at) "
                "VALUES (%s, %s, %s, %s, %s, %s, '', %s, 'draft', '', '', %s, %s) RETURNING id",
                [
                    unit_id,
                    user_id,
                    body["business_matter"],
                    body["scenario"],
                    body["information_system"],
                    body["service_method"],
                    dt.date.fromisoformat(body["end_date"]),
                    now,
                    now,
                ],
            )
            application_id = cursor.fetchone()[0]
            for line in body["lines"]:
                cursor.execute(
                    f"INSERT INTO {tables()['line']} (application_id, resource_id, items, producer_opinion) "
                    "SELECT %s, r.id, %s, '' FROM {resource} r WHERE r.id = %s AND r.published_version IS NOT NULL".replace(
                        "{resource}", tables()["resource"]
                    ),
                    [application_id, json.dumps(line["items"]), line["resource"]],
                )
                if cursor.rowcount != 1:
                    raise Refused(400, "no such resource")
            audit(
                cursor,
                request,
                action="application.create",
                actor_name=name,
                object_type="sharing.application",
                object_id=application_id,
                user_id=user_id,
                unit_id=unit_id,
            )
    return JsonResponse({"id": application_id, "status": "draft"}, status=201)


@refusals
def application_submit(request: HttpRequest, pk: int) -> HttpResponse:
    now = timezone.now()
    with connection.cursor() as cursor:
        user_id, unit_id, name = session_person(cursor, request)
        with transaction.atomic():
            cursor.execute(
                f"SELECT status FROM {tables()['application']} WHERE id = %s AND applicant_unit_id = %s FOR UPDATE",
                [pk, unit_id],
            )
            row = cursor.fetchone()
            if row is None or row[0] != "draft":
                raise Refused(400, "not a draft of yours")
            cursor.execute(
                f"UPDATE {tables()['application']} SET status = 'evaluating', submitted_at = %s, "
                "step_started_at = %s, updated_at = %s WHERE id = %s",
                [now, now, now, pk],
            )
            audit(
                cursor,
                request,
                action="application.submit",
                actor_name=name,
                object_type="sharing.application",
                object_id=pk,
                user_id=user_id,
                unit_id=unit_id,
            )
    return JsonResponse({"id": pk, "status": "evaluating"})


class _Echo:
    def write(self, value: str) -> str:
        return value


@refusals
def download(request: HttpRequest, slug: str) -> StreamingHttpResponse:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT e.id, e.resource_id, r.producer_id, r.record_count FROM {tables()['entry']} e "
            f"JOIN {tables()['resource']} r ON r.id = e.resource_id WHERE e.slug = %s AND e.status = 'open'",
            [slug],
        )
        entry = cursor.fetchone()
        if entry is None:
            raise Refused(404, "no such dataset")
        entry_id, resource_id, producer_id, record_count = entry
        cursor.execute(
            f"SELECT i.name, i.is_personal OR i.is_sensitive, coalesce(x.rule, '') FROM {tables()['item']} i "
            f"LEFT JOIN {tables()['rule']} x ON x.entry_id = %s AND x.item_name = i.name "
            "WHERE i.resource_id = %s ORDER BY i.position, i.id",
            [entry_id, resource_id],
        )
        columns = [
            (n, rule) for n, marked, rule in cursor.fetchall() if rule != "drop" and (rule or not marked)
        ]
        with transaction.atomic():
            cursor.execute(
                f"UPDATE {tables()['entry']} SET download_count = download_count + 1 WHERE id = %s",
                [entry_id],
            )
            audit(
                cursor,
                request,
                action="open.download",
                actor_name="public",
                object_type="opening.openentry",
                object_id=entry_id,
                owner_unit_id=producer_id,
                data_items=[n for n, _ in columns],
                record_count=record_count,
                detail={"public": True, "format": "csv"},
            )
    return StreamingHttpResponse(_csv(resource_id, columns), content_type="text/csv; charset=utf-8")


def _csv(resource_id: int, columns: list[tuple[str, str]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"
    yield writer.writerow([n for n, _ in columns])
    names = ", ".join(connection.ops.quote_name(n) for n, _ in columns)
    after = ""
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {KEY}, {names} FROM {table_name(resource_id)} WHERE {KEY} > %s ORDER BY {KEY} LIMIT %s",
                [after, CHUNK],
            )
            rows = cursor.fetchall()
        for row in rows:
            yield writer.writerow([_cell(v, rule) for v, (_n, rule) in zip(row[1:], columns, strict=True)])
        if len(rows) < CHUNK:
            return
        after = rows[-1][0]


def _cell(value, rule: str) -> str:
    value = canonical(value)
    if rule:
        value = apply_rule(rule, value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return spreadsheet_safe(str(value))
