"""Paging of the catalog as data.europa.eu and ckanext-dcat do it: ``?page=N`` (from 1) and ``?limit=M``,
described by a Hydra ``PartialCollectionView`` (first, last, next, previous, totalItems) that a harvester
follows to the end (ckanext-dcat reads ``hydra:next``)."""

import math
from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import Http404, QueryDict
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, XSD

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


class BadPage(ValueError):
    """A page or limit that is not a whole number in range."""


@dataclass(frozen=True)
class Page:
    number: int
    limit: int
    total: int

    @property
    def last(self) -> int:
        return max(1, math.ceil(self.total / self.limit))

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.limit


def _positive(query: QueryDict, name: str, default: int) -> int:
    raw = query.get(name, "")
    if raw == "":
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise BadPage(name)
    return int(raw)


def page_from(query: QueryDict, *, total: int) -> Page:
    """The page the query asks for; BadPage for a malformed one, 404 past the last (as ckanext-dcat
    expects when it pages on)."""
    page = Page(
        number=_positive(query, "page", 1),
        limit=min(_positive(query, "limit", DEFAULT_LIMIT), MAX_LIMIT),
        total=total,
    )
    if page.number > page.last:
        raise Http404
    return page


def page_url(url: str, page: Page, number: int) -> URIRef:
    query = {"page": number} if page.limit == DEFAULT_LIMIT else {"page": number, "limit": page.limit}
    return URIRef(f"{url}?{urlencode(query)}")


def add_view(graph: Graph, *, collection: URIRef, url: str, page: Page) -> URIRef:
    """The Hydra view of ``page`` of ``collection`` (served at ``url``), linked from the collection."""
    graph.bind("hydra", HYDRA)
    view = page_url(url, page, page.number)
    graph.add((collection, HYDRA.view, view))
    graph.add((view, RDF.type, HYDRA.PartialCollectionView))
    graph.add((view, HYDRA.totalItems, Literal(page.total, datatype=XSD.nonNegativeInteger)))
    graph.add((view, HYDRA.itemsPerPage, Literal(page.limit, datatype=XSD.nonNegativeInteger)))
    graph.add((view, HYDRA.first, page_url(url, page, 1)))
    graph.add((view, HYDRA.last, page_url(url, page, page.last)))
    if page.number > 1:
        graph.add((view, HYDRA.previous, page_url(url, page, page.number - 1)))
    if page.number < page.last:
        graph.add((view, HYDRA.next, page_url(url, page, page.number + 1)))
    return view
