"""The DCAT interfaces: the paged catalog, each dataset's RDF document and each publisher's page, with
content negotiation on every URI the RDF names (the HTML pages stay the default for browsers)."""

from collections.abc import Callable
from functools import wraps

from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from audit.services import audit_record
from dataplatform.core.audit_actions import AuditAction

from ..public import public_datasets
from ..selectors import public_entries, public_entry
from . import graph as dcat
from .paging import BadPage, add_view, page_from
from .selectors import catalog_dates, catalog_site, public_publisher, publisher_entries
from .serialize import negotiate, rdf_response

NOT_ACCEPTABLE = "text/turtle, application/ld+json, application/rdf+xml"


def _not_acceptable() -> HttpResponse:
    return HttpResponse(
        _("Acceptable types: %(types)s") % {"types": NOT_ACCEPTABLE}, status=406, content_type="text/plain"
    )


def _audited(request: HttpRequest, **detail) -> None:
    with transaction.atomic():
        audit_record(
            action=AuditAction.OPEN_DCAT,
            actor=request.user if request.user.is_authenticated else None,
            request=request,
            detail={"public": True, **detail},
        )


def catalog_rdf(request: HttpRequest, fmt: str | None = None) -> HttpResponse:
    """The catalog, a page at a time (``?page=``, ``?limit=``), in the syntax asked for."""
    ext = fmt or negotiate(request, html=False)
    if ext is None:
        return _not_acceptable()
    entries = public_entries().order_by("slug")
    try:
        page = page_from(request.GET, total=entries.count())
    except BadPage as error:
        return HttpResponseBadRequest(_("%(name)s must be a whole number from 1.") % {"name": error})
    site = catalog_site(request.build_absolute_uri("/"))
    graph = dcat.new_graph()
    issued, modified = catalog_dates()
    catalog = dcat.catalog_node(graph, site, issued=issued, modified=modified)
    dcat.add_datasets(graph, site, entries[page.offset : page.offset + page.limit], catalog=catalog)
    add_view(graph, collection=catalog, url=request.build_absolute_uri(request.path), page=page)
    _audited(request, format=ext, page=page.number)
    return rdf_response(graph, ext)


def dataset_rdf(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    """One open dataset's RDF document: the dataset, its distributions, publisher and vocabularies."""
    entry = public_entry(slug)
    if not entry.is_public:
        return HttpResponse(status=404)
    site = catalog_site(request.build_absolute_uri("/"))
    graph = dcat.new_graph()
    node = dcat.add_datasets(graph, site, [entry])[0]
    graph.add((site.catalog, dcat.DCAT.dataset, node))  # where it is listed
    _audited(request, format=fmt, dataset=entry.slug)
    return rdf_response(graph, fmt)


def publisher_rdf(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    unit = public_publisher(code)
    site = catalog_site(request.build_absolute_uri("/"))
    graph = dcat.new_graph()
    node = dcat.agent(graph, site, unit)
    for entry in publisher_entries(unit):
        graph.add((site.dataset(entry), dcat.DCTERMS.publisher, node))
    return rdf_response(graph, fmt)


def publisher_page(request: HttpRequest, code: str) -> HttpResponse:
    unit = public_publisher(code)
    datasets = public_datasets(publisher_entries(unit))  # reviewed names only
    return render(request, "opening/organization.html", {"unit": unit, "datasets": datasets})


def negotiated(rdf_view: Callable[..., HttpResponse]) -> Callable:
    """Serve ``rdf_view`` at an HTML view's URL to a client that prefers RDF (``Accept``); the HTML
    otherwise."""

    def decorate(html_view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @wraps(html_view)
        def view(request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
            ext = negotiate(request, html=True) if request.method in ("GET", "HEAD") else None
            if ext is None:  # HTML, as before, for anything that does not prefer RDF
                response = html_view(request, *args, **kwargs)
            else:
                response = rdf_view(request, *args, fmt=ext, **kwargs)
            patch_vary_headers(response, ["Accept"])
            return response

        return view

    return decorate
