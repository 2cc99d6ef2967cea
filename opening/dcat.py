"""The open catalog as DCAT (DCAT-AP 2): one dcat:Catalog, a dcat:Dataset per open entry, and its
distributions (the three files for universal-open data, the authorised API for on-application data)."""

from collections.abc import Iterable

from django.utils import timezone
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, XSD

from catalog.models import OpenType, UpdateFrequency

from .downloads import FORMATS
from .models import OpenEntry

EU_FREQUENCY = Namespace("http://publications.europa.eu/resource/authority/frequency/")
EU_ACCESS = Namespace("http://publications.europa.eu/resource/authority/access-right/")
EU_FILE_TYPE = Namespace("http://publications.europa.eu/resource/authority/file-type/")
FREQUENCY: dict[str, URIRef] = {
    UpdateFrequency.REALTIME: EU_FREQUENCY.UPDATE_CONT,
    UpdateFrequency.DAILY: EU_FREQUENCY.DAILY,
    UpdateFrequency.WEEKLY: EU_FREQUENCY.WEEKLY,
    UpdateFrequency.MONTHLY: EU_FREQUENCY.MONTHLY,
    UpdateFrequency.QUARTERLY: EU_FREQUENCY.QUARTERLY,
    UpdateFrequency.YEARLY: EU_FREQUENCY.ANNUAL,
}
LICENCES = {"CC-BY-4.0": URIRef("https://creativecommons.org/licenses/by/4.0/")}


def _date(moment) -> Literal | None:
    return Literal(timezone.localtime(moment).isoformat(), datatype=XSD.dateTime) if moment else None


def catalog_graph(*, base: str, entries: Iterable[OpenEntry]) -> Graph:
    graph = Graph()
    graph.bind("dcat", DCAT)
    graph.bind("dct", DCTERMS)
    graph.bind("foaf", FOAF)
    catalog = URIRef(f"{base}open/")
    graph.add((catalog, RDF.type, DCAT.Catalog))
    graph.add((catalog, DCTERMS.title, Literal("泉州市公共数据开放目录", lang="zh")))
    graph.add((catalog, DCTERMS.description, Literal("泉州市政务数据开放平台的开放数据集", lang="zh")))
    graph.add((catalog, FOAF.homepage, catalog))
    for entry in entries:
        graph.add((catalog, DCAT.dataset, _dataset(graph, base, entry)))
    return graph


def _dataset(graph: Graph, base: str, entry: OpenEntry) -> URIRef:
    resource = entry.resource
    page = f"{base}open/datasets/{entry.slug}/"
    node = URIRef(page)
    publisher = URIRef(f"{base}open/organizations/{resource.producer.credit_code.lower()}")
    triples = [
        (node, RDF.type, DCAT.Dataset),
        (node, DCTERMS.identifier, Literal(str(entry.uuid))),
        (node, DCTERMS.title, Literal(resource.name, lang="zh")),
        (node, DCTERMS.description, Literal(resource.description or resource.name, lang="zh")),
        (node, DCTERMS.publisher, publisher),
        (publisher, RDF.type, FOAF.Agent),
        (publisher, FOAF.name, Literal(resource.producer.name, lang="zh")),
        (node, DCAT.landingPage, node),
        (node, DCTERMS.accrualPeriodicity, FREQUENCY[resource.update_frequency]),
        (node, DCAT.theme, URIRef(f"{base}open/?category={resource.category}")),
        (
            node,
            DCTERMS.accessRights,
            EU_ACCESS.PUBLIC if entry.open_type == OpenType.UNIVERSAL else EU_ACCESS.RESTRICTED,
        ),
    ]
    triples += [(node, DCAT.keyword, Literal(tag, lang="zh")) for tag in entry.tags]
    for predicate, moment in (
        (DCTERMS.issued, entry.opened_at),
        (DCTERMS.modified, resource.last_aggregated_at),
    ):
        if (date := _date(moment)) is not None:
            triples.append((node, predicate, date))
    for triple in triples:
        graph.add(triple)
    if entry.open_type == OpenType.UNIVERSAL:
        for fmt, media_type in FORMATS.items():
            url = URIRef(f"{page}download.{fmt}")
            _distribution(graph, node, entry, access=node, download=url, fmt=fmt, media_type=media_type)
    else:
        api = URIRef(f"{base}api/v1/open/datasets/{entry.slug}/records/")
        _distribution(
            graph, node, entry, access=api, download=None, fmt="json", media_type="application/json"
        )
    return node


def _distribution(graph, dataset, entry, *, access, download, fmt, media_type) -> None:
    dist = BNode()
    graph.add((dataset, DCAT.distribution, dist))
    graph.add((dist, RDF.type, DCAT.Distribution))
    graph.add((dist, DCAT.accessURL, access))
    if download is not None:
        graph.add((dist, DCAT.downloadURL, download))
    graph.add((dist, DCTERMS.format, EU_FILE_TYPE[fmt.upper()]))
    graph.add(
        (
            dist,
            DCAT.mediaType,
            URIRef(f"https://www.iana.org/assignments/media-types/{media_type.split(';')[0]}"),
        )
    )
    graph.add((dist, DCTERMS.title, Literal(f"{entry.resource.name} ({fmt.upper()})", lang="zh")))
    licence = LICENCES.get(entry.licence)
    if licence is not None:
        graph.add((dist, DCTERMS.license, licence))
