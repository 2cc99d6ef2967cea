"""DCAT (DCAT-AP) in JSON-LD and Turtle, parsed back with rdflib."""

import json

import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib import namespace as ns

from catalog.services import resource_update
from catalog.workflow import resource_transition

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
    # The Chinese title, tagged zh; an "en" title led by the code gives ckanext-dcat an ASCII name.
    titles = {title.language: str(title) for title in graph.objects(page, ns.DCTERMS.title)}
    assert titles["zh"] == "个体工商户证照信息"
    # DCAT-AP 3 (issue 16): dct:identifier is the resource code; the public UUID is an adms:identifier.
    assert str(graph.value(page, ns.DCTERMS.identifier)) == open_entry.resource.code
    uuid_node = graph.value(page, URIRef("http://www.w3.org/ns/adms#identifier"))
    assert str(graph.value(uuid_node, ns.SKOS.notation)) == str(open_entry.uuid)
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


HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
SYNTAXES = [("text/turtle", "turtle"), ("application/ld+json", "json-ld"), ("application/rdf+xml", "xml")]


def _graph(response, syntax="turtle") -> Graph:
    return Graph().parse(data=response.content, format=syntax)


def _datasets(graph: Graph) -> set:
    return set(graph.subjects(ns.RDF.type, ns.DCAT.Dataset))


def test_the_catalog_is_paged_with_a_hydra_view(every_kind, client):
    response = client.get("/open/catalog.ttl?page=2&limit=3")
    graph = _graph(response)
    assert len(_datasets(graph)) == 3
    view = URIRef("http://testserver/open/catalog.ttl?page=2&limit=3")
    assert (view, ns.RDF.type, HYDRA.PartialCollectionView) in graph
    assert int(graph.value(view, HYDRA.totalItems)) == len(every_kind)
    assert str(graph.value(view, HYDRA.first)).endswith("?page=1&limit=3")
    assert str(graph.value(view, HYDRA.previous)).endswith("?page=1&limit=3")
    assert str(graph.value(view, HYDRA.next)).endswith("?page=3&limit=3")
    assert str(graph.value(view, HYDRA.last)).endswith("?page=3&limit=3")


def test_a_harvester_following_next_gets_every_dataset_once(every_kind, client):
    seen: list = []
    url: str | None = "/open/catalog?limit=2"
    while url:
        graph = _graph(client.get(url, HTTP_ACCEPT="text/turtle"))
        seen += _datasets(graph)
        following = next(iter(graph.objects(None, HYDRA.next)), None)  # as ckanext-dcat's next_page()
        url = str(following).removeprefix("http://testserver") if following else None
    assert len(seen) == len(set(seen)) == len(every_kind)


def test_the_last_page_has_no_next_and_a_page_past_it_is_404(every_kind, client):
    graph = _graph(client.get("/open/catalog.ttl?page=4&limit=2"))
    assert len(_datasets(graph)) == 1
    assert next(iter(graph.objects(None, HYDRA.next)), None) is None
    assert client.get("/open/catalog.ttl?page=5&limit=2").status_code == 404
    assert client.get("/open/catalog.ttl?page=0").status_code == 400
    assert client.get("/open/catalog.ttl?limit=x").status_code == 400


@pytest.mark.parametrize(("accept", "syntax"), SYNTAXES)
def test_the_catalog_url_negotiates_its_syntax(every_kind, client, accept, syntax):
    response = client.get("/open/catalog", HTTP_ACCEPT=accept)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(accept)
    assert "Accept" in response["Vary"]
    graph = _graph(response, syntax)
    assert len(list(graph.subjects(ns.RDF.type, ns.DCAT.Catalog))) == 1
    assert len(_datasets(graph)) == len(every_kind)


def test_the_catalog_refuses_a_type_it_cannot_give(client, every_kind):
    assert client.get("/open/catalog", HTTP_ACCEPT="text/html").status_code == 406


@pytest.mark.parametrize(("accept", "syntax"), SYNTAXES)
def test_a_dataset_url_answers_rdf_to_a_client_that_asks(every_kind, client, accept, syntax):
    entry = every_kind[1]
    response = client.get(f"/open/datasets/{entry.slug}/", HTTP_ACCEPT=accept)
    assert response["Content-Type"].startswith(accept)
    graph = _graph(response, syntax)
    assert _datasets(graph) == {URIRef(f"http://testserver/open/datasets/{entry.slug}/")}


def test_a_dataset_url_stays_a_page_for_a_browser(every_kind, client):
    entry = every_kind[1]
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    for accept in (browser, "*/*", None):
        headers = {"HTTP_ACCEPT": accept} if accept else {}
        response = client.get(f"/open/datasets/{entry.slug}/", **headers)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/html")
        assert "Accept" in response["Vary"]


@pytest.mark.parametrize(("ext", "syntax"), [("ttl", "turtle"), ("jsonld", "json-ld"), ("rdf", "xml")])
def test_each_dataset_has_an_rdf_document(every_kind, client, ext, syntax):
    for entry in every_kind:
        graph = _graph(client.get(f"/open/datasets/{entry.slug}.{ext}"), syntax)
        assert len(_datasets(graph)) == 1


def test_the_json_ld_is_compacted_with_a_context(every_kind, client):
    document = json.loads(client.get("/open/catalog.jsonld").content)
    assert document["@context"]["dcat"] == str(ns.DCAT)
    assert document["@context"]["dct"] == str(ns.DCTERMS)
    nodes = document["@graph"]
    catalog = next(n for n in nodes if n.get("@type") == "dcat:Catalog")
    assert "dct:title" in catalog
    assert "dcat:dataset" in catalog


def test_a_draft_title_never_reaches_the_catalog(every_kind, client):
    """Public outputs show the last reviewed version: while a producer revises an open entry in draft,
    DCAT keeps the published title and description. (Needs opening.public: the reviewed view.)"""
    entry = every_kind[1]
    resource = resource_transition(resource=entry.resource, to="draft", actor=entry.resource.created_by)
    resource_update(
        actor=entry.resource.created_by,
        resource=resource,
        name="未经审核的新标题",
        description="未经审核的描述",
    )
    for url in (
        "/open/catalog.ttl",
        f"/open/datasets/{entry.slug}.ttl",
        f"/open/datasets/{entry.slug}.jsonld",
    ):
        body = client.get(url).content.decode()
        assert "未经审核" not in body, url
        assert entry.resource.name in body, url
