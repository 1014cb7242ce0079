"""Real clients against the running server: SPARQLWrapper, rdflib's SPARQLStore, Comunica (Node)
on the endpoint and on dereferenced IRIs, and rdflib reading what dereferencing returns."""

from __future__ import annotations

import rdflib
from rdflib.namespace import DCTERMS, RDFS
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import JSON, TURTLE, SPARQLWrapper

from kg.settings import DEFAULT_BASE_IRI
from tests.node_tools import require_node_modules, run_node

BASE = DEFAULT_BASE_IRI
DRM = BASE + "paper/drm"
DRM_TITLE = "DrM: Mastering Visual Reinforcement Learning through Dormant Ratio Minimization"
TITLE_QUERY = f"SELECT ?title WHERE {{ <{DRM}> <http://purl.org/dc/terms/title> ?title }}"


def test_sparqlwrapper_select_ask_construct(graph_server):
    client = SPARQLWrapper(f"{graph_server}/sparql")
    client.setQuery(TITLE_QUERY)
    client.setReturnFormat(JSON)
    bindings = client.query().convert()["results"]["bindings"]
    assert [b["title"]["value"] for b in bindings] == [DRM_TITLE]

    client.setQuery(f"ASK {{ <{DRM}> ?p ?o }}")
    assert client.query().convert()["boolean"] is True

    client.setMethod("POST")
    client.setQuery(f"CONSTRUCT {{ <{DRM}> ?p ?o }} WHERE {{ <{DRM}> ?p ?o }}")
    client.setReturnFormat(TURTLE)
    graph = rdflib.Graph().parse(data=client.query().convert(), format="turtle")
    assert str(graph.value(rdflib.URIRef(DRM), DCTERMS.title)) == DRM_TITLE


def test_rdflib_sparqlstore(graph_server):
    graph = rdflib.Graph(store=SPARQLStore(f"{graph_server}/sparql", returnFormat="json"))
    rows = list(graph.query(TITLE_QUERY))
    assert [str(r.title) for r in rows] == [DRM_TITLE]
    # Triple-pattern access through the store, as rdflib code would use a local graph.
    assert str(graph.value(rdflib.URIRef(DRM), DCTERMS.title)) == DRM_TITLE
    count = next(iter(graph.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"))).n
    assert int(count) > 1000


def test_rdflib_reads_dereferenced_iris(graph_server):
    # rdflib asks for RDF by content negotiation, as a linked-data client does.
    graph = rdflib.Graph().parse(f"{graph_server}/paper/drm")
    assert str(graph.value(rdflib.URIRef(DRM), DCTERMS.title)) == DRM_TITLE
    dmc = rdflib.URIRef(BASE + "environment/dm-control")
    assert str(graph.value(dmc, RDFS.label)) == "DeepMind Control Suite"
    for suffix, fmt in ((".ttl", "turtle"), (".nt", "nt"), (".jsonld", "json-ld"),
                        (".rdf", "xml")):
        parsed = rdflib.Graph().parse(f"{graph_server}/paper/drm{suffix}", format=fmt)
        assert (rdflib.URIRef(DRM), DCTERMS.title, None) in parsed


def test_comunica_on_the_endpoint(graph_server):
    require_node_modules("@comunica/query-sparql")
    result = run_node("comunica-query.mjs", "sparql", f"{graph_server}/sparql", TITLE_QUERY)
    assert result == {"bindings": [{"title": DRM_TITLE}]}
    count = run_node(
        "comunica-query.mjs", "sparql", f"{graph_server}/sparql",
        "SELECT ?p WHERE { ?p <http://purl.org/dc/terms/creator> "
        f"<{BASE}person/sergey-levine> }}",
    )
    assert {"p": BASE + "paper/trpo"} in count["bindings"]


def test_comunica_dereferences_an_iri(graph_server):
    require_node_modules("@comunica/query-sparql")
    result = run_node("comunica-query.mjs", "file", f"{graph_server}/paper/drm", TITLE_QUERY)
    assert result == {"bindings": [{"title": DRM_TITLE}]}
