"""RDF out: the three syntaxes, chosen by the URL's extension or by content negotiation (``Accept``),
and JSON-LD compacted with a context so that it reads as plain JSON."""

from typing import NamedTuple

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers
from rdflib import Graph


class Syntax(NamedTuple):
    rdflib: str  # rdflib's name of the serializer
    media_type: str


SYNTAXES: dict[str, Syntax] = {
    "ttl": Syntax("turtle", "text/turtle"),
    "jsonld": Syntax("json-ld", "application/ld+json"),
    "rdf": Syntax("xml", "application/rdf+xml"),
}
BY_MEDIA_TYPE = {syntax.media_type: ext for ext, syntax in SYNTAXES.items()}
HTML = "text/html"


def negotiate(request: HttpRequest, *, html: bool) -> str | None:
    """The extension of the syntax the client prefers; None for HTML (when ``html``) or for nothing
    acceptable. A browser's ``*/*`` takes HTML where there is a page, Turtle where there is none."""
    offered = [HTML, *BY_MEDIA_TYPE] if html else list(BY_MEDIA_TYPE)
    preferred = request.get_preferred_type(offered)
    return BY_MEDIA_TYPE.get(preferred) if preferred else None


def context(graph: Graph) -> dict[str, str]:
    """The JSON-LD context: the graph's prefixes, so terms read ``dct:title``, ``dcat:Dataset``."""
    wanted = {"dcat", "dct", "foaf", "vcard", "skos", "adms", "dcatap", "locn", "hydra", "rdf", "xsd"}
    return {prefix: str(ns) for prefix, ns in graph.namespaces() if prefix in wanted}


def rdf_response(graph: Graph, ext: str) -> HttpResponse:
    syntax = SYNTAXES[ext]
    if ext == "jsonld":
        body = graph.serialize(format="json-ld", context=context(graph), auto_compact=True, indent=2)
    else:
        body = graph.serialize(format=syntax.rdflib)
    response = HttpResponse(body, content_type=f"{syntax.media_type}; charset=utf-8")
    patch_vary_headers(response, ["Accept"])
    return response
