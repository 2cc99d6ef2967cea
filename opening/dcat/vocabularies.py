"""The controlled vocabularies DCAT-AP 3 asks for, as URIs with the rdf:type and label its shapes want:
the EU Publications Office authority tables (frequency, file type, access right, data theme, licence,
language, planned availability), IANA media types and the ADMS publisher and licence types.

Every term is written into the graph with its type (``term``): the shapes check ``sh:class`` without
inference, so a bare URI is a Violation.
"""

from typing import NamedTuple

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS

from catalog.models import Category, OpenType, UpdateFrequency
from dataplatform.core.models.units import UnitKind

EU = "http://publications.europa.eu/resource/authority/"
FREQUENCY_NS = Namespace(f"{EU}frequency/")
FILE_TYPE_NS = Namespace(f"{EU}file-type/")
ACCESS_RIGHT_NS = Namespace(f"{EU}access-right/")
DATA_THEME_NS = Namespace(f"{EU}data-theme/")
LICENCE_NS = Namespace(f"{EU}licence/")
LANGUAGE_NS = Namespace(f"{EU}language/")
AVAILABILITY_NS = Namespace(f"{EU}planned-availability/")
IANA = "https://www.iana.org/assignments/media-types/"
ADMS_PUBLISHER_TYPE = Namespace("http://purl.org/adms/publishertype/")
ADMS_LICENCE_TYPE = Namespace("http://purl.org/adms/licencetype/")

DATA_THEME_SCHEME = URIRef(f"{EU}data-theme")


class Term(NamedTuple):
    uri: URIRef
    label: str  # the authority's English label


FREQUENCY: dict[str, Term] = {
    UpdateFrequency.REALTIME: Term(FREQUENCY_NS.UPDATE_CONT, "continuously updated"),
    UpdateFrequency.DAILY: Term(FREQUENCY_NS.DAILY, "daily"),
    UpdateFrequency.WEEKLY: Term(FREQUENCY_NS.WEEKLY, "weekly"),
    UpdateFrequency.MONTHLY: Term(FREQUENCY_NS.MONTHLY, "monthly"),
    UpdateFrequency.QUARTERLY: Term(FREQUENCY_NS.QUARTERLY, "quarterly"),
    UpdateFrequency.YEARLY: Term(FREQUENCY_NS.ANNUAL, "annual"),
}

FILE_TYPE: dict[str, Term] = {
    "csv": Term(FILE_TYPE_NS.CSV, "CSV"),
    "xlsx": Term(FILE_TYPE_NS.XLSX, "XLSX"),
    "json": Term(FILE_TYPE_NS.JSON, "JSON"),
}

ACCESS_RIGHT: dict[str, Term] = {
    OpenType.UNIVERSAL: Term(ACCESS_RIGHT_NS.PUBLIC, "public"),
    # Q6.4: on-application data is given to an approved organization only.
    OpenType.ON_APPLICATION: Term(ACCESS_RIGHT_NS.RESTRICTED, "restricted"),
}

# The platform's categories (the basic resources of Q5.2, thematic and departmental) on the EU data
# themes: each basic resource onto the theme its data is about, the other two onto government.
DATA_THEME: dict[str, Term] = {
    Category.POPULATION: Term(DATA_THEME_NS.SOCI, "Population and society"),
    Category.LEGAL_PERSON: Term(DATA_THEME_NS.ECON, "Economy and finance"),
    Category.GEOSPATIAL: Term(DATA_THEME_NS.ENVI, "Environment"),
    Category.E_LICENCE: Term(DATA_THEME_NS.GOVE, "Government and public sector"),
    Category.CREDIT: Term(DATA_THEME_NS.JUST, "Justice, legal system and public safety"),
    Category.THEMATIC: Term(DATA_THEME_NS.GOVE, "Government and public sector"),
    Category.DEPARTMENTAL: Term(DATA_THEME_NS.GOVE, "Government and public sector"),
}


class Licence(NamedTuple):
    uri: URIRef
    title: str
    kind: Term  # ADMS licence type


_ATTRIBUTION = Term(ADMS_LICENCE_TYPE.Attribution, "Attribution")
LICENCES: dict[str, Licence] = {
    "CC-BY-4.0": Licence(
        LICENCE_NS.CC_BY_4_0, "Creative Commons Attribution 4.0 International", _ATTRIBUTION
    ),
    "CC-BY-SA-4.0": Licence(
        LICENCE_NS.CC_BYSA_4_0,
        "Creative Commons Attribution-ShareAlike 4.0 International",
        Term(ADMS_LICENCE_TYPE.ShareAlike, "Share alike"),
    ),
    "CC0-1.0": Licence(
        LICENCE_NS.CC0,
        "Creative Commons CC0 1.0 Universal",
        Term(ADMS_LICENCE_TYPE.PublicDomain, "Public domain"),
    ),
    "ODC-BY-1.0": Licence(LICENCE_NS.ODC_BY, "Open Data Commons Attribution License 1.0", _ATTRIBUTION),
}

PUBLISHER_TYPE: dict[str, Term] = {
    UnitKind.ENTERPRISE: Term(ADMS_PUBLISHER_TYPE.Company, "Company"),
    UnitKind.UNIVERSITY: Term(
        ADMS_PUBLISHER_TYPE["Academia-ScientificOrganisation"], "Academia/Scientific organisation"
    ),
    UnitKind.RESEARCH: Term(
        ADMS_PUBLISHER_TYPE["Academia-ScientificOrganisation"], "Academia/Scientific organisation"
    ),
}
LOCAL_AUTHORITY = Term(ADMS_PUBLISHER_TYPE.LocalAuthority, "Local authority")  # a city's or county's unit

CHINESE = Term(LANGUAGE_NS.ZHO, "Chinese")
STABLE = Term(AVAILABILITY_NS.STABLE, "stable")


def media_type(content_type: str) -> URIRef:
    """The IANA URI of a media type, without its parameters (``text/csv; charset=utf-8``)."""
    return URIRef(IANA + content_type.split(";")[0].strip())


def term(graph: Graph, value: Term, rdf_type: URIRef) -> URIRef:
    """``value`` typed ``rdf_type`` (and a skos:Concept with its label, as the shapes of the range ask)."""
    graph.add((value.uri, RDF.type, rdf_type))
    if rdf_type != SKOS.Concept:
        graph.add((value.uri, RDF.type, SKOS.Concept))
    graph.add((value.uri, SKOS.prefLabel, Literal(value.label, lang="en")))
    return value.uri


def theme(graph: Graph, category: str) -> URIRef:
    """The EU data theme of a category, a skos:Concept in the data-theme scheme."""
    uri = term(graph, DATA_THEME[category], SKOS.Concept)
    graph.add((uri, SKOS.inScheme, theme_scheme(graph)))
    return uri


def theme_scheme(graph: Graph) -> URIRef:
    graph.add((DATA_THEME_SCHEME, RDF.type, SKOS.ConceptScheme))
    graph.add((DATA_THEME_SCHEME, DCTERMS.title, Literal("Data theme", lang="en")))
    return DATA_THEME_SCHEME


def licence(graph: Graph, code: str) -> URIRef | None:
    """The licence document of an entry's licence code, or None for a code the register lacks."""
    found = LICENCES.get(code.upper())
    if found is None:
        return None
    graph.add((found.uri, RDF.type, DCTERMS.LicenseDocument))
    graph.add((found.uri, DCTERMS.title, Literal(found.title, lang="en")))
    graph.add((found.uri, DCTERMS.type, term(graph, found.kind, SKOS.Concept)))
    return found.uri
