"""The authorised interface for on-application open data (/api/v1/open/): an organization's system
calls it with its API key and an active open grant; records come de-identified, statistics only as
aggregates over groups of at least the minimum size (F15-F16). Every call is audited."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from catalog.models import OpenType, Resource
from catalog.records import records_where
from dataplatform.core.request_types import ApiRequest
from sharing.calls import Audited, Granted, Read, Scope, Use, data_call
from sharing.data_api import DataApiView
from sharing.grant_check import GrantRefused
from sharing.record_pages import KeysetPagination, keyset_page, page_response
from sharing.verification import grouped_counts

from .applications import usable_grant
from .deidentify import open_view
from .models import OpenEntry, OpenGrant
from .selectors import public_entries


class OpenDataset(Scope):
    """A dataset open on application, called on with the organization's open grant (OpenGrant). Open
    grants carry no rate or quota: the call is audited, not counted."""

    limited = False

    def __init__(self, entry: OpenEntry) -> None:
        self.entry = entry

    def grant(self, unit_id: int) -> OpenGrant:
        grant = usable_grant(unit_id=unit_id, entry=self.entry)
        if grant is None:
            raise GrantRefused(_("Your organization has no active open grant for this dataset."), "no_grant")
        return grant

    def resource(self, grant: OpenGrant | None) -> Resource:
        return self.entry.resource

    def available(self, resource: Resource) -> bool:
        return True  # the entry is open: public_entries() found it

    def items(self, grant: OpenGrant, requested) -> list[str]:
        return []  # the whole de-identified view (the read names its items)

    def target(self, resource: Resource) -> OpenEntry:
        return self.entry

    def purpose(self, grant: OpenGrant) -> str:
        return grant.application.purpose[:300]

    def detail(self, grant: OpenGrant | None, request) -> dict:
        return {"grant": grant.pk if grant else None, "path": request.path}

    def refusal_detail(self, refused: GrantRefused, request) -> dict:
        return self.detail(None, request)


class OpenGrantApi(DataApiView):
    # A view of the data interface (its RateLimit fields, should open grants ever be limited).

    def entry(self, slug: str) -> OpenEntry:
        entry = public_entries().filter(slug=slug, open_type=OpenType.ON_APPLICATION).first()
        if entry is None:
            raise exceptions.NotFound(_("No dataset open on application with this name."))
        return entry

    def call(self, request: Request, entry: OpenEntry, read) -> Read:
        use = Use(OpenDataset(entry))
        return data_call(client=request.user, request=request, action="open.api", uses=[use], read=read)


class OpenRecordsApi(OpenGrantApi):
    pagination_class = KeysetPagination  # read by the schema generator: the answer is a page

    @extend_schema(
        responses={200: OpenApiTypes.OBJECT}, summary="De-identified records of a dataset open on application"
    )
    def get(self, request: ApiRequest, slug: str) -> Response:
        entry = self.entry(slug)
        page = keyset_page(request)

        def read(granted: list[Granted]) -> Read:
            grant, view = granted[0].grant, open_view(entry)
            rows = records_where(resource_id=entry.resource_id, after=page.after, limit=page.fetch)
            response = page_response(
                request, page, [row.key for row in rows], [view.row(row.data) for row in rows[: page.size]]
            )
            response.data["use"] = {
                "use_kind": grant.use_kind,
                "research_and_education_only": grant.research_and_education_only,
                "commercial_use_allowed": grant.commercial_use_allowed,
                "until": grant.end_date,
            }
            return Read(response, [Audited(count=min(len(rows), page.size), items=view.names)])

        return self.call(request, entry, read).answer


def open_statistics(entry: OpenEntry, group_by: str) -> dict:
    """Counts per value of an item shown as it is; groups under the minimum size are suppressed."""
    view = open_view(entry)
    if group_by not in view.plain:
        raise exceptions.ValidationError(
            {
                "group_by": _("Group by one of the items shown as they are: %(plain)s.")
                % {"plain": ", ".join(view.plain)}
            }
        )
    return grouped_counts(entry.resource_id, group_by)


class OpenStatisticsApi(OpenGrantApi):
    @extend_schema(
        parameters=[OpenApiParameter("group_by", OpenApiTypes.STR, required=True)],
        responses={200: OpenApiTypes.OBJECT},
        summary="Aggregate counts over a dataset open on application; small groups are suppressed",
    )
    def get(self, request: ApiRequest, slug: str) -> Response:
        entry = self.entry(slug)

        def read(granted: list[Granted]) -> Read:
            answer = open_statistics(entry, request.query_params.get("group_by", ""))
            group_by = answer["group_by"]
            return Read(answer, [Audited(count=0, items=[group_by], detail={"statistics": group_by})])

        return Response(self.call(request, entry, read).answer)
