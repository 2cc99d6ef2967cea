"""DCAT (DCAT-AP) in JSON-LD and Turtle, parsed back with rdflib."""

import pytest
from rdflib import Graph, URIRef
from rdflib import namespace as ns

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("fmt", "syntax"), [("ttl", "turtle"), ("jsonld", "json-ld")])
def test_the_catalog_parses_back(open_entry, on_application_entry, proposed_elsewhere, client, fmt, syntax):
    response = client.get(f"/open/catalog.{fmt}")
    assert response.status_code == 200
    graph = Graph().parse(data=response.content.decode(), format=syntax)
    datasets = set(graph.subjects(ns.RDF.type, ns.DCAT.Dataset))
    assert len(datasets) == 2
    page = URIRef(f"http://testserver/open/datasets/{open_entry.slug}/")
    assert page in datasets
    assert str(graph.value(page, ns.DCTERMS.title)) == "个体工商户证照信息"
    assert str(graph.value(page, ns.DCTERMS.identifier)) == str(open_entry.uuid)
    downloads = {str(graph.value(d, ns.DCAT.downloadURL)) for d in graph.objects(page, ns.DCAT.distribution)}
    assert f"{page}download.csv" in downloads
    publisher = graph.value(page, ns.DCTERMS.publisher)
    assert publisher is not None
    assert len(list(graph.subjects(ns.RDF.type, ns.DCAT.Catalog))) == 1


@pytest.fixture
def proposed_elsewhere(proposed):
    return proposed  # proposed, not open: not in the catalog


def test_a_dcat_download_is_audited(open_entry, client):
    from audit.models import AuditEvent

    client.get("/open/catalog.ttl")
    assert AuditEvent.objects.get(action="open.dcat").detail["format"] == "ttl"
