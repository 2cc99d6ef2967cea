"""Pages of records by their key (keyset): a page starts after the last key of the one before, so the
thousandth page costs what the first does, and no page counts every match. The ``cursor`` is opaque
(the last key, base64): clients follow ``next`` until it is null. Page sizes are bounded."""

import base64
import binascii
from dataclasses import dataclass

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

CURSOR_PARAM = "cursor"
SIZE_PARAM = "page_size"
DEFAULT_SIZE = 50
MAX_SIZE = 200
PARAMS = {CURSOR_PARAM, SIZE_PARAM}


@dataclass(frozen=True)
class KeysetPage:
    after: str  # the last key of the page before ("" for the first page)
    size: int

    @property
    def fetch(self) -> int:
        """Rows to read: one more than the page, to know whether there is a next."""
        return self.size + 1


def keyset_page(request: Request) -> KeysetPage:
    """The page a request asks for; 400 for a size out of bounds or a cursor not ours."""
    raw_size = request.query_params.get(SIZE_PARAM, "")
    size = DEFAULT_SIZE
    if raw_size:
        if not (raw_size.isascii() and raw_size.isdigit()) or not 1 <= int(raw_size) <= MAX_SIZE:
            raise exceptions.ValidationError(
                {SIZE_PARAM: _("Give a page size from 1 to %(max)s.") % {"max": MAX_SIZE}}
            )
        size = int(raw_size)
    cursor = request.query_params.get(CURSOR_PARAM, "")
    try:
        after = base64.urlsafe_b64decode(cursor.encode("ascii")).decode() if cursor else ""
    except (ValueError, UnicodeError, binascii.Error):
        raise exceptions.ValidationError({CURSOR_PARAM: _("This cursor is not one of ours.")}) from None
    return KeysetPage(after=after, size=size)


def page_response(request: Request, page: KeysetPage, keys: list[str], results: list) -> Response:
    """The page's results (at most its size), and the address of the next page while there is one."""
    following = None
    if len(keys) > page.size:
        cursor = base64.urlsafe_b64encode(keys[page.size - 1].encode()).decode("ascii")
        following = replace_query_param(request.build_absolute_uri(), CURSOR_PARAM, cursor)
    return Response({"next": following, "results": results[: page.size]})


class KeysetPagination(BasePagination):
    """What the OpenAPI schema says of a keyset page; the views page with ``keyset_page`` themselves,
    since the read happens inside the data call."""

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            {
                "name": CURSOR_PARAM,
                "required": False,
                "in": "query",
                "description": "The `next` page's cursor, as the page before gave it.",
                "schema": {"type": "string"},
            },
            {
                "name": SIZE_PARAM,
                "required": False,
                "in": "query",
                "description": f"Records per page, 1 to {MAX_SIZE} ({DEFAULT_SIZE} by default).",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_SIZE},
            },
        ]

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "required": ["next", "results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }
