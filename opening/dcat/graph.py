"""The open catalog as DCAT-AP 3: one dcat:Catalog, a dcat:Dataset per open entry (its reviewed content
only, read through ``opening.public``), their distributions (the three files of universal-open data, the
authorised API of on-application data) and publishers.

Every URI here is one the portal answers: the catalog, each dataset and each publisher dereference,
with content negotiation (``opening/dcat/views.py``).
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils import timezone, translation
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, SKOS, XSD

from catalog.models import Category, OpenType
from dataplatform.core.models import Region, Unit

from ..downloads import FORMATS
from ..models import OpenEntry
from ..public import PublicDataset, public_datasets
from . import vocabularies as vocab
from .places import location

ADMS = Namespace("http://www.w3.org/ns/adms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
DCATAP = Namespace("http://data.europa.eu/r5r/")
LOCN = Namespace("http://www.w3.org/ns/locn#")
CATALOG_TITLE = "泉州市公共数据开放目录"
CATALOG_DESCRIPTION = "泉州市政务数据开放平台的开放数据集"
CATALOG_LICENCE = "CC-BY-4.0"  # the licence of the catalog's own metadata
API_FORMAT = "json"


@dataclass
class Site:
    """Where the catalog lives and who answers for it; one per graph, with the nodes made so far."""

    base: str  # the site's root URL, ending in /
    region: Region | None = None
    publisher: Unit | None = None
    locations: dict = field(default_factory=dict)

    def url(self, path: str) -> URIRef:
        return URIRef(f"{self.base}{path}")

    @property
    def catalog(self) -> URIRef:
        return self.url("open/catalog")

    def dataset(self, entry: OpenEntry) -> URIRef:
        return self.url(f"open/datasets/{entry.slug}/")

    def organization(self, unit: Unit) -> URIRef:
        return self.url(f"open/organizations/{unit.credit_code.lower()}/")


def new_graph() -> Graph:
    graph = Graph()
    for prefix, namespace in (
        ("dcat", DCAT),
        ("dct", DCTERMS),
        ("foaf", FOAF),
        ("vcard", VCARD),
        ("skos", SKOS),
        ("adms", ADMS),
        ("dcatap", DCATAP),
        ("locn", LOCN),
    ):
        graph.bind(prefix, namespace)
    return graph


def _datetime(moment: dt.datetime) -> Literal:
    return Literal(moment.astimezone(dt.UTC).isoformat(timespec="seconds"), datatype=XSD.dateTime)


def _date(moment: dt.datetime) -> Literal:
    return Literal(timezone.localtime(moment).date().isoformat(), datatype=XSD.date)


def _zh(text: str) -> Literal:
    return Literal(text, lang="zh")


def catalog_node(
    graph: Graph, site: Site, *, issued: dt.datetime | None, modified: dt.datetime | None
) -> URIRef:
    """The catalog itself, without its datasets."""
    catalog = site.catalog
    homepage = site.url("open/")
    graph.add((catalog, RDF.type, DCAT.Catalog))
    graph.add((catalog, DCTERMS.title, _zh(CATALOG_TITLE)))
    graph.add((catalog, DCTERMS.description, _zh(CATALOG_DESCRIPTION)))
    graph.add((catalog, FOAF.homepage, homepage))
    graph.add((homepage, RDF.type, FOAF.Document))
    graph.add((catalog, DCTERMS.language, vocab.term(graph, vocab.CHINESE, DCTERMS.LinguisticSystem)))
    graph.add((catalog, DCAT.themeTaxonomy, vocab.theme_scheme(graph)))
    licence = vocab.licence(graph, CATALOG_LICENCE)
    if licence is not None:
        graph.add((catalog, DCTERMS.license, licence))
    if site.publisher is not None:
        graph.add((catalog, DCTERMS.publisher, agent(graph, site, site.publisher)))
    if site.region is not None:
        graph.add((catalog, DCTERMS.spatial, location(graph, site.region, cache=site.locations)))
    for predicate, moment in ((DCTERMS.issued, issued), (DCTERMS.modified, modified)):
        if moment is not None:
            graph.add((catalog, predicate, _datetime(moment)))
    return catalog


def add_datasets(
    graph: Graph, site: Site, entries: Iterable[OpenEntry], *, catalog: URIRef | None = None
) -> list:
    """A dcat:Dataset per entry, in the catalog when one is given; their nodes."""
    nodes = []
    for public in public_datasets(entries):
        node = dataset(graph, site, public)
        if catalog is not None:
            graph.add((catalog, DCAT.dataset, node))
        nodes.append(node)
    return nodes


def agent(graph: Graph, site: Site, unit: Unit) -> URIRef:
    """A unit as a foaf:Agent at its publisher page, with its name, type and credit code."""
    node = site.organization(unit)
    kind = vocab.PUBLISHER_TYPE.get(unit.kind, vocab.LOCAL_AUTHORITY)
    graph.add((node, RDF.type, FOAF.Agent))
    graph.add((node, RDF.type, FOAF.Organization))
    graph.add((node, FOAF.name, _zh(unit.name)))
    graph.add((node, DCTERMS.identifier, Literal(unit.credit_code)))  # 统一社会信用代码
    graph.add((node, DCTERMS.type, vocab.term(graph, kind, SKOS.Concept)))
    return node


def _contact(graph: Graph, site: Site, unit: Unit) -> BNode:
    """The producing unit, whom questions about its data go to (through its publisher page)."""
    node = BNode()
    graph.add((node, RDF.type, VCARD.Kind))
    graph.add((node, RDF.type, VCARD.Organization))
    graph.add((node, VCARD.fn, _zh(unit.name)))
    graph.add((node, VCARD.hasURL, site.organization(unit)))
    return node


def _category_label(category: str) -> str:
    with translation.override("zh-hans"):
        return str(Category(category).label)


def dataset(graph: Graph, site: Site, public: PublicDataset) -> URIRef:
    entry = public.entry
    node = site.dataset(entry)
    _describe(graph, node, public)
    _classify(graph, node, public)
    _cover(graph, site, node, public)
    graph.add((node, DCTERMS.publisher, agent(graph, site, public.producer)))
    graph.add((node, DCAT.contactPoint, _contact(graph, site, public.producer)))
    graph.add((node, DCAT.landingPage, node))
    graph.add((node, RDF.type, FOAF.Document))  # the same URL is the dataset's page for people
    access = vocab.ACCESS_RIGHT[entry.open_type]
    graph.add((node, DCTERMS.accessRights, vocab.term(graph, access, DCTERMS.RightsStatement)))
    for dist in _distributions(graph, site, public):
        graph.add((node, DCAT.distribution, dist))
    return node


def _describe(graph: Graph, node: URIRef, public: PublicDataset) -> None:
    entry = public.entry
    graph.add((node, RDF.type, DCAT.Dataset))
    graph.add((node, DCTERMS.identifier, Literal(public.code)))
    identifier = BNode()  # the entry's public UUID, kept as a second identifier
    graph.add((node, ADMS.identifier, identifier))
    graph.add((identifier, RDF.type, ADMS.Identifier))
    graph.add((identifier, SKOS.notation, Literal(str(entry.uuid))))
    graph.add((node, DCTERMS.title, _zh(public.name)))
    # ckanext-dcat's harvester names a dataset by munging its title in CKAN's default language ('en'
    # unless configured): munging drops Chinese, so a Chinese-only title becomes '__'. The code-led
    # title munges to the code, the dataset's stable ASCII name.
    graph.add((node, DCTERMS.title, Literal(f"{public.code} {public.name}", lang="en")))
    graph.add((node, DCTERMS.description, _zh(public.description or public.name)))
    keywords = entry.tags or [_category_label(public.category)]
    for keyword in keywords:
        graph.add((node, DCAT.keyword, _zh(keyword)))
    if entry.opened_at is not None:
        graph.add((node, DCTERMS.issued, _datetime(entry.opened_at)))
    graph.add((node, DCTERMS.modified, _datetime(public.modified_at)))


def _classify(graph: Graph, node: URIRef, public: PublicDataset) -> None:
    graph.add((node, DCAT.theme, vocab.theme(graph, public.category)))
    frequency = vocab.FREQUENCY[public.update_frequency]
    graph.add((node, DCTERMS.accrualPeriodicity, vocab.term(graph, frequency, DCTERMS.Frequency)))


def _cover(graph: Graph, site: Site, node: URIRef, public: PublicDataset) -> None:
    """Spatial coverage: the producer's region; temporal: from the entry's creation to its latest data."""
    graph.add((node, DCTERMS.spatial, location(graph, public.producer.region, cache=site.locations)))
    resource = public.resource
    period = BNode()
    graph.add((period, RDF.type, DCTERMS.PeriodOfTime))
    graph.add((period, DCAT.startDate, _date(resource.created_at)))
    graph.add((period, DCAT.endDate, _date(resource.last_aggregated_at or public.modified_at)))
    graph.add((node, DCTERMS.temporal, period))


def _distributions(graph: Graph, site: Site, public: PublicDataset) -> list[URIRef]:
    entry = public.entry
    page = site.dataset(entry)
    if entry.open_type == OpenType.UNIVERSAL:
        return [
            _distribution(graph, page, public, fmt=fmt, access=page, download=URIRef(f"{page}download.{fmt}"))
            for fmt in FORMATS
        ]
    api = site.url(f"api/v1/open/datasets/{entry.slug}/records/")
    return [_distribution(graph, page, public, fmt=API_FORMAT, access=api, download=None)]


def _distribution(graph, page: URIRef, public: PublicDataset, *, fmt: str, access, download) -> URIRef:
    dist = URIRef(f"{page}#distribution-{fmt}")
    label = fmt.upper()
    graph.add((dist, RDF.type, DCAT.Distribution))
    graph.add((dist, DCAT.accessURL, access))
    if download is not None:
        graph.add((dist, DCAT.downloadURL, download))
        what = f"{public.name}的全部开放数据（已脱敏），{label} 文件"
    else:
        what = f"{public.name}的数据接口，获准申请的单位凭授权调用，返回 {label}"
    graph.add((dist, DCTERMS.title, _zh(f"{public.name} ({label})")))
    graph.add((dist, DCTERMS.description, _zh(what)))
    graph.add((dist, DCTERMS.format, vocab.term(graph, vocab.FILE_TYPE[fmt], DCTERMS.MediaTypeOrExtent)))
    media = vocab.media_type(FORMATS.get(fmt, "application/json"))
    graph.add((dist, DCAT.mediaType, media))
    graph.add((media, RDF.type, DCTERMS.MediaType))
    graph.add((dist, DCATAP.availability, vocab.term(graph, vocab.STABLE, SKOS.Concept)))
    licence = vocab.licence(graph, public.entry.licence)
    if licence is not None:
        graph.add((dist, DCTERMS.license, licence))
    return dist
