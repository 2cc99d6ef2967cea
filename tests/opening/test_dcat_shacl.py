"""DCAT-AP 3.0.1 conformance, checked with pyshacl against the official shapes (../shared/dcat-ap/):
the main shape file, and the split shapes with the recommended ones, the ranges and the deprecated URIs.
Both severities are counted: a Warning fails as a Violation does."""

import functools
import re
from pathlib import Path

import pytest
from django.conf import settings
from pyshacl import validate
from rdflib import Graph, URIRef
from rdflib import namespace as ns

from catalog.models import Category
from opening.dcat.vocabularies import DATA_THEME, LICENCES

pytestmark = pytest.mark.django_db

SHAPES_DIR = Path(settings.BASE_DIR).parent / "shared" / "dcat-ap" / "3.0.1"
SHAPE_SETS = {
    "dcat-ap-SHACL": ["dcat-ap-SHACL.ttl"],
    "split+recommended": ["shapes.ttl", "shapes_recommended.ttl", "range.ttl", "deprecateduris.ttl"],
}
DCATAP_AVAILABILITY = URIRef("http://data.europa.eu/r5r/availability")


@functools.cache
def shapes(name: str) -> Graph:
    graph = Graph()
    for file in SHAPE_SETS[name]:
        graph.parse(SHAPES_DIR / file, format="turtle")
    return graph


def shacl_counts(data: Graph, shape_set: str) -> tuple[dict[str, int], str]:
    _, report, text = validate(data, shacl_graph=shapes(shape_set), inference="none", allow_warnings=True)
    counts = {"Violation": 0, "Warning": 0, "Info": 0}
    for severity in report.objects(None, ns.SH.resultSeverity):
        counts[str(severity).rsplit("#", 1)[-1]] += 1
    return counts, text


def test_the_fixture_covers_every_category_licence_frequency_and_format(every_kind, client):
    graph = Graph().parse(data=client.get("/open/catalog.ttl").content, format="turtle")
    themes = set(graph.objects(None, ns.DCAT.theme))
    assert themes == {term.uri for term in DATA_THEME.values()}
    assert {str(f) for f in graph.objects(None, ns.DCTERMS.accrualPeriodicity)} == {
        f"http://publications.europa.eu/resource/authority/frequency/{code}"
        for code in ("UPDATE_CONT", "DAILY", "WEEKLY", "MONTHLY", "QUARTERLY", "ANNUAL")
    }
    licences = {
        str(lic)
        for d in graph.subjects(ns.RDF.type, ns.DCAT.Distribution)
        for lic in graph.objects(d, ns.DCTERMS.license)
    }
    assert licences == {str(lic.uri) for lic in LICENCES.values()}
    formats = {str(f).rsplit("/", 1)[-1] for f in graph.objects(None, ns.DCTERMS.format)}
    assert formats == {"CSV", "XLSX", "JSON"}
    assert {str(r).rsplit("/", 1)[-1] for r in graph.objects(None, ns.DCTERMS.accessRights)} == {
        "PUBLIC",
        "RESTRICTED",
    }


@pytest.mark.parametrize("shape_set", list(SHAPE_SETS))
@pytest.mark.parametrize(("fmt", "syntax"), [("ttl", "turtle"), ("jsonld", "json-ld"), ("rdf", "xml")])
def test_the_catalog_has_no_violation_and_no_warning(every_kind, client, shape_set, fmt, syntax):
    response = client.get(f"/open/catalog.{fmt}")
    data = Graph().parse(data=response.content, format=syntax)
    assert len(set(data.subjects(ns.RDF.type, ns.DCAT.Dataset))) == len(Category.values)
    counts, text = shacl_counts(data, shape_set)
    print(
        f"pyshacl {shape_set} on /open/catalog.{fmt}: {counts['Violation']} Violations, {counts['Warning']} Warnings"
    )
    assert counts["Violation"] == 0, text
    assert counts["Warning"] == 0, text


@pytest.mark.parametrize("shape_set", list(SHAPE_SETS))
def test_each_dataset_document_has_no_violation_and_no_warning(every_kind, client, shape_set):
    for entry in every_kind:
        data = Graph().parse(data=client.get(f"/open/datasets/{entry.slug}.ttl").content, format="turtle")
        counts, text = shacl_counts(data, shape_set)
        assert counts == {"Violation": 0, "Warning": 0, "Info": 0}, text
    print(f"pyshacl {shape_set} on {len(every_kind)} dataset documents: 0 Violations, 0 Warnings")


def test_a_catalog_without_the_types_is_caught_by_the_shapes(every_kind, client):
    """The check bites: the same catalog without the vocabularies' types has Violations."""
    data = Graph().parse(data=client.get("/open/catalog.ttl").content, format="turtle")
    for node in list(data.subjects(ns.RDF.type, ns.DCTERMS.Frequency)):
        data.remove((node, ns.RDF.type, ns.DCTERMS.Frequency))
    for dist in list(data.subjects(ns.RDF.type, ns.DCAT.Distribution)):
        data.remove((dist, DCATAP_AVAILABILITY, None))
    counts, _ = shacl_counts(data, "split+recommended")
    assert counts["Violation"] >= len(Category.values)
    assert counts["Warning"] >= 1


def _munge_title_to_name(title: str) -> str:
    """CKAN's rule for a dataset name made from a title (ckan.lib.munge): separators become hyphens,
    anything but ASCII letters, digits, '-' and '_' is dropped, lower case, at least 2 characters."""
    name = re.sub("[ .:/]", "-", title)
    name = re.sub("[^a-zA-Z0-9-_]", "", name).lower()
    name = re.sub("-+", "-", name).strip("-")
    return name.ljust(2, "_")


def test_each_dataset_has_its_resource_code_and_an_ascii_name(every_kind, client):
    graph = Graph().parse(data=client.get("/open/catalog.ttl").content, format="turtle")
    for entry in every_kind:
        node = URIRef(f"http://testserver/open/datasets/{entry.slug}/")
        assert str(graph.value(node, ns.DCTERMS.identifier)) == entry.resource.code
        titles = {t.language: str(t) for t in graph.objects(node, ns.DCTERMS.title)}
        assert titles["zh"] == entry.resource.name
        assert _munge_title_to_name(titles["zh"]) == "__"  # what a Chinese-only title would give
        assert _munge_title_to_name(titles["en"]) == entry.slug  # what ckanext-dcat's harvester takes


def test_the_catalog_names_a_publisher_whose_uri_resolves(every_kind, client):
    graph = Graph().parse(data=client.get("/open/catalog.ttl").content, format="turtle")
    publishers = set(graph.objects(None, ns.DCTERMS.publisher))
    assert len(publishers) == 3  # the authority (the catalog's), the city's producer, the county's
    for publisher in publishers:
        page = client.get(str(publisher).removeprefix("http://testserver"))
        assert page.status_code == 200
        assert page["Content-Type"].startswith("text/html")
        rdf = client.get(str(publisher).removeprefix("http://testserver"), HTTP_ACCEPT="text/turtle")
        agent = Graph().parse(data=rdf.content, format="turtle")
        assert (publisher, ns.RDF.type, ns.FOAF.Agent) in agent
        assert agent.value(publisher, ns.FOAF.name) == graph.value(publisher, ns.FOAF.name)


def test_an_unknown_publisher_is_404(client, every_kind):
    assert client.get("/open/organizations/91350500000000000x/").status_code == 404
