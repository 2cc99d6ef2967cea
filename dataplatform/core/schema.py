"""The API's OpenAPI contract (drf-spectacular), made once for every endpoint of every app.

- ``ApiKeyScheme``: how the API key appears as a security scheme.
- ``AutoSchema`` (REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]): every operation gets a description (its
  docstring or summary, and who may call it), every parameter a description, and its error answers in
  the error envelope that dataplatform.core.api_errors answers: 400, 401, 403, 404, 429 and 503 as they
  apply, with ``Retry-After`` on 429 and 503. A view that declares ``refusal_codes`` (the data interface)
  documents its 403 with those codes as an enum.
- ``add_request_examples`` (a postprocessing hook): a request body without an example gets one derived
  from its schema's fields.

A new endpoint is covered without doing anything; tests/core/test_openapi.py holds every operation to it.
"""

import inspect
import re
from typing import Any

import uritemplate
from drf_spectacular import openapi
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import serializers
from rest_framework.permissions import AllowAny

from .permissions import IsApiClient, IsPerson


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "dataplatform.core.authentication.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key <prefix>.<secret>`, as issued to your unit on the API keys page.",
        }


# --- the error envelope ------------------------------------------------------------------------------

ERROR_CODES = (
    "`not_authenticated` (no credentials), `authentication_failed` (a bad, revoked or expired API key), "
    "`permission_denied` (not for this kind of caller), `forbidden` (a rule says: not you), `not_found`, "
    "`invalid` (a rule refused the request), `throttled` (over a rate or quota), `api_key_locked_out` "
    "(too many rejected keys), `method_not_allowed`, `unsupported_media_type`, `parse_error`, "
    "`unavailable` (the database could not do its part), or a rule's own code"
)


class ErrorSerializer(serializers.Serializer):
    """Every error answer except a 400 with field errors: ``{"detail": ..., "code": ...}``, and any more
    fields the refusal names (e.g. ``keys``)."""

    detail = serializers.CharField(help_text="What went wrong, for a person to read.")
    code = serializers.CharField(help_text=f"What went wrong, for a program: {ERROR_CODES}.")


# A 400: a rule's refusal ({"detail", "code"}) or the fields of the body or query that are not valid,
# each with its messages ({"<field>": ["..."]}, nested as the body is).
VALIDATION_ERROR = {
    "type": "object",
    "description": (
        "The request is not valid. Either a rule refused it (`detail` says why, `code` names it), or the "
        "fields that are not valid are named, each with its messages: "
        '`{"<field>": ["<message>", ...]}` (nested as the body is; `non_field_errors` for the whole body).'
    ),
    # A body may have fields named ``detail`` or ``code`` (an information project's code): their
    # messages come under the same names, as a list.
    "properties": {
        "detail": {
            "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
            "description": "Why a rule refused the request (or the messages of a field named `detail`).",
        },
        "code": {
            "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
            "description": "The rule's code, `invalid` unless it names one (or the messages of a field named "
            "`code`).",
        },
    },
    "additionalProperties": {},
    "example": {"end_date": ["Enter a valid date."]},
}

RETRY_AFTER = {
    "Retry-After": {
        "schema": {"type": "integer"},
        "description": "Seconds to wait before trying again.",
    }
}

# The words of each answer's description; 403 on a data call is the refusal (see ``refusal_codes``).
ERROR_ANSWERS = {
    "400": "The request is not valid, or a rule refused it.",
    "401": (
        "No credentials, or an API key that is not valid (bad, revoked or expired). The answer carries "
        "`WWW-Authenticate: Api-Key`."
    ),
    "403": "The caller may not do this: `code` is `permission_denied` or `forbidden` (or a rule's own code).",
    "404": "Nothing with this id that the caller may see (or a page number past the end).",
    "429": (
        "Over a limit: a rate, a daily quota of calls or of records returned, too many pages of one "
        "filter set, most of a resource's records taken today (`throttled`), or too many rejected API "
        "keys from this address (`api_key_locked_out`). Wait `Retry-After` seconds."
    ),
    "503": "The database could not do its part (nothing was done or answered): try again after `Retry-After`.",
}

# Described once by name; a parameter declared with its own description keeps it.
PARAMETER_DESCRIPTIONS = {
    "q": "Words to search for.",
    "status": "Only those in this status.",
    "mine": "`true`: only those the caller's unit is party to.",
    "todo": "`true`: only those waiting for the caller to act.",
    "purpose": "The purpose of the use, as the data subject authorized it.",
    "resource": "Only those of this catalog entry (its id).",
    "code": "Only the one with this code.",
    "after": "The later version's number (default: the newest).",
    "before": "The earlier version's number (default: the one before `after`).",
    "group_by": "The data item to count by.",
    "days": "The number of business days to add.",
    "start": "The date to count from (YYYY-MM-DD); it is not counted.",
    "key": "The record's key: the value of the entry's key data item (e.g. a unified social credit code).",
    "slug": "The dataset's name, as in its address on the open data portal.",
    "year": "The year (1900 to 9999).",
}


def _singular(word: str) -> str:
    word = word.replace("-", " ")
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith("ses"):  # statuses, businesses
        return word[:-2]
    return word[:-1] if word.endswith("s") else word


def describe_path_parameter(path: str, name: str) -> str:
    """`{id}` is the id of what the segment before it names: /catalog/resources/{id}/ → a resource."""
    if name in PARAMETER_DESCRIPTIONS:
        return PARAMETER_DESCRIPTIONS[name]
    before = path.split("{" + name + "}")[0].rstrip("/").rsplit("/", 1)[-1]
    if name.endswith("_pk") or before.startswith("{"):
        thing = name.removesuffix("_pk").replace("_", " ")
    else:
        thing = _singular(before)
    return f"The id of the {thing}."


def _sentence(text: str) -> str:
    return text if text.endswith((".", "。", ")", ":")) else f"{text}."


def who_may_call(view) -> str:
    """One sentence on the caller an operation serves, read from its view's permissions."""
    permissions = view.get_permissions()
    if not view.get_authenticators() and all(isinstance(p, AllowAny) for p in permissions):
        return "Public: no credentials needed."
    if any(isinstance(p, IsApiClient) for p in permissions):
        return (
            "Called by a unit's information system with its API key (`Authorization: Api-Key <key>`); "
            "a person's session is refused (403)."
        )
    if any(isinstance(p, IsPerson) for p in permissions):
        return "For a person signed in to the platform; an API key is refused (403)."
    return (
        "A signed-in person or a unit's information system with its API key; what the caller sees and may "
        "do follows its unit and roles."
    )


class AutoSchema(openapi.AutoSchema):
    def get_description(self) -> str:  # type: ignore[override]
        # The handler's docstring or summary, and for a GET the view's own docstring (a base class's
        # describes the base, not the endpoint); else words made from the path; then who may call.
        handler = getattr(self.view, getattr(self.view, "action", None) or self.method.lower(), None)
        parts = [inspect.getdoc(handler) if handler is not None and handler.__doc__ else self.get_summary()]
        view_doc = inspect.cleandoc(self.view.__class__.__dict__.get("__doc__") or "")
        if view_doc and (self.method == "GET" or not parts[0]):
            parts.append(view_doc)
        said = [_sentence(part) for part in dict.fromkeys(parts) if part] or [self._from_path()]
        return "\n\n".join([*said, who_may_call(self.view)])

    def _from_path(self) -> str:
        segments = [s for s in self.path.strip("/").split("/") if s]
        named = [s for s in segments if not s.startswith("{")]
        thing = named[-1].replace("-", " ") if named else "resource"
        if self.method == "GET":
            if segments[-1].startswith("{"):
                return f"One {_singular(thing)}, by its id."
            return f"The {thing} the caller may see."
        verbs = {"POST": "Create", "PUT": "Replace", "PATCH": "Change", "DELETE": "Delete"}
        return f"{verbs.get(self.method, self.method)} a {_singular(thing)}."

    def _get_parameters(self) -> list[dict]:
        parameters = super()._get_parameters()
        for parameter in parameters:
            if parameter["in"] == "path" and parameter.get("schema", {}).get("type") == "integer":
                # Django's <int:...> matches digits only: a negative number is no address of the API.
                parameter["schema"].setdefault("minimum", 0)
            if parameter.get("description"):
                continue
            if parameter["in"] == "path":
                parameter["description"] = describe_path_parameter(self.path, parameter["name"])
            else:
                name = parameter["name"]
                parameter["description"] = PARAMETER_DESCRIPTIONS.get(
                    name, f"Only those whose `{name}` is this value."
                )
        return parameters

    # --- error answers

    def _get_response_bodies(self, direction: Any = "response") -> dict:
        responses = super()._get_response_bodies(direction)
        for status, response in self._error_responses().items():
            responses.setdefault(status, response)
        return responses

    def _error_responses(self) -> dict[str, dict]:
        view = self.view
        public = not view.get_authenticators() and all(
            isinstance(p, AllowAny) for p in view.get_permissions()
        )
        error = self.resolve_serializer(ErrorSerializer, "response").ref
        invalid = self._component("ValidationError", VALIDATION_ERROR)
        has_query = any(p["in"] == "query" for p in super()._get_parameters())
        has_path = bool(uritemplate.variables(self.path))
        codes: dict[str, str] | None = getattr(view, "refusal_codes", None)

        answers: dict[str, tuple[dict, dict]] = {}
        if self.method in ("POST", "PUT", "PATCH") or has_query:
            answers["400"] = (invalid, {})
        if not public:
            answers["401"] = (error, {})
            answers["403"] = (self._refusal(codes), {}) if codes else (error, {})
        if has_path or has_query:
            answers["404"] = (error, {})
        if not public:
            answers["429"] = (error, RETRY_AFTER)
        answers["503"] = (error, RETRY_AFTER)

        result = {}
        for status, (schema, headers) in answers.items():
            description = ERROR_ANSWERS[status]
            if status == "403" and codes:
                description = "The data call is refused; `code` says why:\n\n" + "\n".join(
                    f"- `{code}`: {meaning}" for code, meaning in codes.items()
                )
            response: dict = {"content": {"application/json": {"schema": schema}}, "description": description}
            if headers:
                response["headers"] = headers
            result[status] = response
        return result

    def _component(self, name: str, schema: dict) -> dict:
        component = ResolvedComponent(name=name, type=ResolvedComponent.SCHEMA, schema=schema, object=name)
        self.registry.register_on_missing(component)
        return component.ref

    def _refusal(self, codes: dict[str, str]) -> dict:
        code = self._component(
            "RefusalCode",
            {
                "type": "string",
                "enum": [*codes, "permission_denied"],
                "description": "Why a data call is refused (`permission_denied`: not called with an API key).\n\n"
                + "\n".join(f"* `{code}` - {meaning}" for code, meaning in codes.items()),
            },
        )
        return self._component(
            "DataRefusal",
            {
                "type": "object",
                "description": "A refused data call (403): `code` says why, `detail` in words.",
                "properties": {
                    "detail": {"type": "string", "description": "Why, for a person to read."},
                    "code": code,
                },
                "required": ["detail", "code"],
                "additionalProperties": {},
            },
        )


# --- request body examples ---------------------------------------------------------------------------

STRING_EXAMPLES = {
    "date": "2026-11-20",
    "date-time": "2026-11-20T08:00:00+08:00",
    "time": "08:00:00",
    "email": "zhang.wei@example.gov.cn",
    "uri": "https://data.example.gov.cn/api/records",
    "uuid": "3f2b8c6e-1d4a-4b7e-9c0f-2a5d6e7f8a9b",
    "ipv4": "10.0.0.1",
    "binary": "(the file's bytes)",
    "decimal": "1.00",
}
NAMED_EXAMPLES = [
    (re.compile(r"phone"), "0595-22000000"),
    (re.compile(r"credit_code"), "91350500MA0000001X"),
    (re.compile(r"id_number"), "350503199001011234"),
    (re.compile(r"real_name|person"), "张伟"),
    (re.compile(r"reason|note|description|comment|purpose|scenario"), "依据《泉州市政务数据管理办法》办理。"),
    (re.compile(r"name|title"), "企业登记信息"),
]


def example_of(schema: dict, components: dict, name: str = "", depth: int = 0) -> Any:
    """A value that fits ``schema`` (first enum values, formats, the fields of objects)."""
    if depth > 6:
        return None
    if "$ref" in schema:
        return example_of(components[schema["$ref"].rsplit("/", 1)[-1]], components, name, depth + 1)
    if "example" in schema:
        return schema["example"]
    for combined in ("allOf", "oneOf", "anyOf"):
        if schema.get(combined):
            return example_of(schema[combined][0], components, name, depth + 1)
    if schema.get("enum"):
        return next((v for v in schema["enum"] if v not in ("", None)), schema["enum"][0])
    kind = schema.get("type", "object")
    if kind == "object":
        properties = {
            field: example_of(sub, components, field, depth + 1)
            for field, sub in schema.get("properties", {}).items()
            if not sub.get("readOnly")
        }
        if not properties and isinstance(schema.get("additionalProperties"), dict):
            properties = {"item": example_of(schema["additionalProperties"], components, "item", depth + 1)}
        return properties
    if kind == "array":
        return [example_of(schema.get("items", {}), components, name, depth + 1)]
    if kind == "integer":
        return max(schema.get("minimum", 1), 1)
    if kind == "number":
        return float(max(schema.get("minimum", 1), 1))
    if kind == "boolean":
        return True
    if schema.get("format") in STRING_EXAMPLES:
        return STRING_EXAMPLES[schema["format"]]
    text = next((value for pattern, value in NAMED_EXAMPLES if pattern.search(name)), "示例")
    return text[: schema.get("maxLength", len(text))]


def add_request_examples(result: dict, generator, request, public) -> dict:
    """Every request body without an example gets one, derived from its schema."""
    components = result.get("components", {}).get("schemas", {})
    for item in result.get("paths", {}).values():
        for operation in item.values():
            for content in operation.get("requestBody", {}).get("content", {}).values():
                if "example" in content or "examples" in content:
                    continue
                content["examples"] = {
                    "Fields": {
                        "value": example_of(content.get("schema", {}), components),
                        "summary": "Each field with a value of its type",
                    }
                }
    return result
