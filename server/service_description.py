"""The SPARQL 1.1 Service Description answered to a GET of the endpoint without a query."""

from __future__ import annotations

import pyoxigraph as ox

from kg.namespaces import FORMATS, RDF, RDFS, SD
from server.negotiation import GRAPH_FORMATS, RESULT_FORMATS, Format

PREFIXES = {"sd": SD, "formats": FORMATS, "rdf": RDF, "rdfs": RDFS}
# Where the server answers the dataset description (VoID and DCAT), relative to the endpoint.
VOID_PATH = "/.well-known/void"


def void_url(endpoint: str) -> str:
    """The dataset description's URL on the server whose endpoint is `endpoint` (…/sparql)."""
    root = endpoint.rsplit("/", 1)[0] if endpoint.endswith("/sparql") else endpoint.rstrip("/")
    return root + VOID_PATH


def description(
    endpoint: str, named_graphs: list[str] | tuple[str, ...], federated: bool
) -> list[ox.Triple]:
    """sd:Service with its endpoint, language, result formats, features and default dataset."""
    a = ox.NamedNode(RDF + "type")

    def sd(name: str) -> ox.NamedNode:
        return ox.NamedNode(SD + name)

    service = ox.BlankNode()
    dataset = ox.BlankNode()
    default_graph = ox.BlankNode()
    triples = [
        ox.Triple(service, a, sd("Service")),
        ox.Triple(service, sd("endpoint"), ox.NamedNode(endpoint)),
        ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
        ox.Triple(service, sd("feature"), sd("UnionDefaultGraph")),
        # The dataset description (VoID and DCAT: counts, subsets, dumps, licence).
        ox.Triple(service, ox.NamedNode(RDFS + "seeAlso"), ox.NamedNode(void_url(endpoint))),
    ]
    if federated:
        triples.append(ox.Triple(service, sd("feature"), sd("BasicFederatedQuery")))
    for fmt in RESULT_FORMATS + GRAPH_FORMATS:
        triples.append(ox.Triple(service, sd("resultFormat"), ox.NamedNode(fmt.iri)))
    triples += [
        ox.Triple(service, sd("defaultDataset"), dataset),
        ox.Triple(dataset, a, sd("Dataset")),
        ox.Triple(dataset, sd("defaultGraph"), default_graph),
        ox.Triple(default_graph, a, sd("Graph")),
    ]
    for name in named_graphs:
        node = ox.BlankNode()
        triples += [
            ox.Triple(dataset, sd("namedGraph"), node),
            ox.Triple(node, a, sd("NamedGraph")),
            ox.Triple(node, sd("name"), ox.NamedNode(name)),
        ]
    return triples


def serialize(triples: list[ox.Triple], fmt: Format) -> bytes:
    return ox.serialize(triples, format=getattr(ox.RdfFormat, fmt.oxigraph), prefixes=PREFIXES)
