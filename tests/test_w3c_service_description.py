"""The W3C SPARQL 1.1 Service Description tests (sparql11-service-description/manifest.ttl).

The manifest only names the three tests; what each checks is taken from its name and the
Service Description recommendation: a GET of the endpoint returns RDF, that RDF has an
sd:endpoint triple naming the URL that was fetched, and it conforms to the SD vocabulary's
schema (domains, ranges and the closed sets of languages and features).
"""

from __future__ import annotations

import pytest
import rdflib
from rdflib.collection import Collection
from rdflib.namespace import RDF

from kg.namespaces import SD as SD_NS
from tests.conftest_server import SD_DIR, ServerProcess, require_w3c, w3c_graph_iri, w3c_store

pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated")

MF = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
SD = rdflib.Namespace(SD_NS)

RDF_FORMATS = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
}


def manifest_entries() -> list[str]:
    require_w3c()
    g = rdflib.Graph().parse(SD_DIR / "manifest.ttl", format="turtle")
    manifest = g.value(None, RDF.type, MF.Manifest)
    return [str(e).rsplit("#", 1)[-1] for e in Collection(g, g.value(manifest, MF.entries))]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with ServerProcess(store=w3c_store(tmp_path_factory.mktemp("sd") / "store")) as running:
        yield running


def fetch(server: ServerProcess, accept: str | None = None) -> rdflib.Graph:
    headers = {"Accept": accept} if accept else {}
    response = server.client.get("/sparql", headers=headers)
    assert response.status_code == 200, response.text
    media = response.headers["content-type"].split(";")[0].strip()
    assert media in RDF_FORMATS, media
    if accept:
        assert media == accept
    graph = rdflib.Graph().parse(data=response.content, format=RDF_FORMATS[media])
    assert len(graph) > 0
    return graph


def check_returns_rdf(server: ServerProcess) -> None:
    fetch(server)
    for media in RDF_FORMATS:
        fetch(server, media)


def check_has_endpoint_triple(server: ServerProcess) -> None:
    for media in [None, *RDF_FORMATS]:
        graph = fetch(server, media)
        services = set(graph.subjects(SD.endpoint, rdflib.URIRef(server.endpoint)))
        assert services, f"no sd:endpoint <{server.endpoint}> in {media or 'default'} output"
        assert all((s, RDF.type, SD.Service) in graph for s in services)


# Each query finds violations of the SD vocabulary's schema; all must come back empty.
SCHEMA_VIOLATIONS = {
    "every sd:Service has an IRI sd:endpoint": """
        SELECT ?s WHERE { ?s a sd:Service .
            FILTER NOT EXISTS { ?s sd:endpoint ?e FILTER isIRI(?e) } }""",
    "sd:endpoint is used on an sd:Service": """
        SELECT ?s WHERE { ?s sd:endpoint ?e FILTER NOT EXISTS { ?s a sd:Service } }""",
    "every sd:Service supports a query language": """
        SELECT ?s WHERE { ?s a sd:Service . FILTER NOT EXISTS { ?s sd:supportedLanguage ?l } }""",
    "sd:supportedLanguage is one of the sd:Language instances": """
        SELECT ?l WHERE { ?s sd:supportedLanguage ?l .
            FILTER (?l NOT IN (sd:SPARQL10Query, sd:SPARQL11Query, sd:SPARQL11Update)) }""",
    "sd:feature is one of the sd:Feature instances": """
        SELECT ?f WHERE { ?s sd:feature ?f .
            FILTER (?f NOT IN (sd:DereferencesURIs, sd:UnionDefaultGraph, sd:RequiresDataset,
                               sd:EmptyGraphs, sd:BasicFederatedQuery)) }""",
    "sd:resultFormat and sd:inputFormat name formats by IRI": """
        SELECT ?f WHERE { ?s sd:resultFormat|sd:inputFormat ?f FILTER (!isIRI(?f)) }""",
    "sd:defaultDataset points to an sd:Dataset": """
        SELECT ?d WHERE { ?s sd:defaultDataset ?d FILTER NOT EXISTS { ?d a sd:Dataset } }""",
    "sd:defaultDataset is used on an sd:Service": """
        SELECT ?s WHERE { ?s sd:defaultDataset ?d FILTER NOT EXISTS { ?s a sd:Service } }""",
    "sd:defaultGraph points to an sd:Graph": """
        SELECT ?g WHERE { ?d sd:defaultGraph ?g FILTER NOT EXISTS { ?g a sd:Graph } }""",
    "a dataset has at most one sd:defaultGraph": """
        SELECT ?d WHERE { ?d sd:defaultGraph ?a, ?b FILTER (?a != ?b) }""",
    "sd:namedGraph points to an sd:NamedGraph": """
        SELECT ?g WHERE { ?d sd:namedGraph ?g FILTER NOT EXISTS { ?g a sd:NamedGraph } }""",
    "every sd:NamedGraph has exactly one IRI sd:name": """
        SELECT ?g WHERE { ?g a sd:NamedGraph .
            FILTER (NOT EXISTS { ?g sd:name ?n FILTER isIRI(?n) }
                    || EXISTS { ?g sd:name ?a, ?b FILTER (?a != ?b) }) }""",
    "sd:graph points to an sd:Graph": """
        SELECT ?g WHERE { ?n sd:graph ?g FILTER NOT EXISTS { ?g a sd:Graph } }""",
}


def check_conforms_to_schema(server: ServerProcess) -> None:
    graph = fetch(server)
    for rule, query in SCHEMA_VIOLATIONS.items():
        found = list(graph.query(query, initNs={"sd": SD}))
        assert not found, f"{rule}: violated by {found}"
    # Ours in particular: SPARQL 1.1 Query, the union default graph, each named graph.
    (service,) = set(graph.subjects(RDF.type, SD.Service))
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in graph
    assert (service, SD.feature, SD.UnionDefaultGraph) in graph
    names = {str(n) for n in graph.objects(None, SD.name)}
    assert names == {w3c_graph_iri(n) for n in (1, 2, 3)}


CHECKS = {
    "returns-rdf": check_returns_rdf,
    "has-endpoint-triple": check_has_endpoint_triple,
    "conforms-to-schema": check_conforms_to_schema,
}


def test_every_manifest_entry_has_a_check() -> None:
    assert manifest_entries() == ["has-endpoint-triple", "returns-rdf", "conforms-to-schema"]
    assert set(manifest_entries()) == set(CHECKS)


@pytest.mark.parametrize("name", list(CHECKS))
def test_service_description(name: str, server: ServerProcess) -> None:
    CHECKS[name](server)
