"""Spatial coverage: an administrative region as a dct:Location with its bounding box and centroid
(GeoSPARQL WKT, longitude first), as DCAT-AP's recommended shapes ask."""

from rdflib import BNode, Graph, Literal, Namespace
from rdflib.namespace import DCAT, DCTERMS, RDF, SKOS

from dataplatform.core.models import Region

GSP = Namespace("http://www.opengis.net/ont/geosparql#")

# (west, south, east, north) in degrees, from the published extents of the administrative divisions.
# A region not listed takes its nearest listed parent's: the coverage is then wider, never narrower.
EXTENTS: dict[str, tuple[float, float, float, float]] = {
    "350000": (115.833, 23.55, 120.667, 28.333),  # 福建省: 115°50′–120°40′E, 23°33′–28°20′N
    "350500": (117.567, 24.367, 119.083, 25.933),  # 泉州市: 117°34′–119°05′E, 24°22′–25°56′N
}


def _wkt(text: str) -> Literal:
    return Literal(text, datatype=GSP.wktLiteral)


def _extent(region: Region | None) -> tuple[Region, tuple[float, float, float, float]] | None:
    while region is not None:
        if region.code in EXTENTS:
            return region, EXTENTS[region.code]
        region = region.parent
    return None


def location(graph: Graph, region: Region, *, cache: dict) -> BNode:
    """The region as a dct:Location, one node per region and graph (``cache`` keeps them)."""
    if region.code in cache:
        return cache[region.code]
    node = BNode()
    cache[region.code] = node
    graph.add((node, RDF.type, DCTERMS.Location))
    graph.add((node, DCTERMS.identifier, Literal(region.code)))  # GB/T 2260 division code
    graph.add((node, SKOS.prefLabel, Literal(region.name, lang="zh")))
    found = _extent(region)
    if found is not None:
        west, south, east, north = found[1]
        ring = f"{west} {south}, {east} {south}, {east} {north}, {west} {north}, {west} {south}"
        graph.add((node, DCAT.bbox, _wkt(f"POLYGON(({ring}))")))
        graph.add((node, DCAT.centroid, _wkt(f"POINT({(west + east) / 2:.3f} {(south + north) / 2:.3f})")))
    return node
