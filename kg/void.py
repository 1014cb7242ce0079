"""The dataset description: VoID and DCAT, with the counts taken from COUNT queries.

One module for every place that describes the dataset: the build's `void.ttl`, a release's
`void.ttl`, and the server's `/.well-known/void`. The queries are plain SPARQL; the caller runs
them (on a local store, or through the server's worker pool) and hands back the rows as
`{variable: value}` dicts of strings, so the description does not care where they ran.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pyoxigraph as ox

from kg import namespaces as ns
from kg.query import local_rows

Rows = list[dict[str, str]]

DATA_LICENSE = "https://creativecommons.org/licenses/by/4.0/"
TITLE = "VRL-KG"
DESCRIPTION = (
    "An open knowledge graph of reinforcement-learning research for vision and vision-language "
    "models: papers, authors, methods, environments and benchmarks, foundation models and the "
    "roles they play, and the categories of the curated lists the data comes from, with the "
    "provenance of every statement kept in one named graph per source list."
)
KEYWORDS = ("reinforcement learning", "vision-language models", "knowledge graph", "scholarly")
# Other vocabularies the data uses (void:vocabulary).
VOCABULARIES = (
    ns.ONTOLOGY_IRI,
    ns.DCTERMS,
    ns.SCHEMA,
    ns.SKOS,
    ns.PROV,
    ns.FOAF,
    ns.FABIO,
    ns.PRISM,
    ns.OWL,
)
# How many example resources (void:exampleResource) at most, one per class of ours.
MAX_EXAMPLES = 8

# The media type of each dump file name (also for their .gz versions).
DUMP_MEDIA_TYPES = {
    "vrlkg.nq": "application/n-quads",
    "vrlkg.trig": "application/trig",
    "vrlkg.ttl": "text/turtle",
    "vrlkg.jsonld": "application/ld+json",
    "vrlkg.nt": "application/n-triples",
    "vrlkg.rdf": "application/rdf+xml",
}


def queries(base: str) -> dict[str, str]:
    """The COUNT and listing queries the description is made of, over the default graph (the
    merge of the named graphs) and over each named graph."""
    prologue = ns.sparql_prologue()
    # Entities are the data's own IRIs, not the ontology's terms (which may share the base).
    ours = f'&& !STRSTARTS(STR(?s), "{ns.ONTOLOGY_IRI}")'
    return {
        "totals": prologue
        + "SELECT (COUNT(*) AS ?triples) (COUNT(DISTINCT ?s) AS ?subjects) "
        "(COUNT(DISTINCT ?p) AS ?properties) (COUNT(DISTINCT ?o) AS ?objects) "
        "WHERE { ?s ?p ?o }",
        "entities": prologue
        + "SELECT (COUNT(DISTINCT ?s) AS ?entities) WHERE { ?s ?p ?o "
        f'FILTER (isIRI(?s) && STRSTARTS(STR(?s), "{base}") {ours}) }}',
        "classes": prologue
        + "SELECT ?class (COUNT(DISTINCT ?s) AS ?entities) WHERE { ?s a ?class "
        f'FILTER (STRSTARTS(STR(?s), "{base}") {ours}) }} GROUP BY ?class ORDER BY ?class',
        "graphs": prologue
        + "SELECT ?graph (COUNT(*) AS ?triples) (COUNT(DISTINCT ?s) AS ?entities) "
        "WHERE { GRAPH ?graph { ?s ?p ?o } } GROUP BY ?graph ORDER BY ?graph",
        "bundles": prologue
        + "SELECT ?graph ?label ?source ?license WHERE { ?graph a prov:Bundle ; rdfs:label ?label "
        "OPTIONAL { ?graph prov:wasDerivedFrom ?source "
        "OPTIONAL { ?source dcterms:license ?license } } } ORDER BY ?graph",
        "examples": prologue
        + "SELECT ?class (MIN(STR(?s)) AS ?example) WHERE { ?s a ?class "
        f'FILTER (STRSTARTS(STR(?s), "{base}") && STRSTARTS(STR(?class), STR(vrlkg:))) }} '
        "GROUP BY ?class ORDER BY ?class",
    }


def json_rows(results: dict) -> Rows:
    """Rows of a SPARQL JSON result, as strings."""
    return [
        {name: term["value"] for name, term in binding.items()}
        for binding in results["results"]["bindings"]
    ]


@dataclass(frozen=True)
class Dump:
    """A downloadable file of the dataset: its URL, media type, size and compression."""

    url: str
    media_type: str
    byte_size: int | None = None
    compressed: bool = False


def dataset_iri(base: str) -> str:
    return f"{base}.well-known/void#dataset"


def describe(
    results: dict[str, Rows],
    base: str,
    site: str | None = None,
    dumps: Iterable[Dump] = (),
    version: str | None = None,
    issued: str | None = None,
) -> list[ox.Triple]:
    """VoID + DCAT triples from the rows of `queries(base)`.

    `site` is where the server answers (its /sparql and /downloads); it defaults to the base
    IRI, under which a deployment serves the same paths.
    """
    site = site or base
    t: list[ox.Triple] = []

    def n(iri: str) -> ox.NamedNode:
        return ox.NamedNode(iri)

    def integer(value: str | int) -> ox.Literal:
        return ox.Literal(str(int(value)), datatype=n(ns.XSD + "integer"))

    def add(s: ox.NamedNode | ox.BlankNode, p: str, o: ox.NamedNode | ox.BlankNode | ox.Literal):
        t.append(ox.Triple(s, n(p), o))

    void, dcat, dct = ns.VOID, ns.DCAT, ns.DCTERMS
    dataset = n(dataset_iri(base))
    endpoint = n(f"{site}sparql")
    add(dataset, ns.RDF + "type", n(void + "Dataset"))
    add(dataset, ns.RDF + "type", n(dcat + "Dataset"))
    add(dataset, dct + "title", ox.Literal(TITLE))
    add(dataset, dct + "description", ox.Literal(DESCRIPTION))
    add(dataset, dct + "license", n(DATA_LICENSE))
    add(dataset, dct + "conformsTo", n(ns.ONTOLOGY_IRI))
    add(dataset, ns.FOAF + "homepage", n(site))
    for keyword in KEYWORDS:
        add(dataset, dcat + "keyword", ox.Literal(keyword))
    if version:
        add(dataset, ns.OWL + "versionInfo", ox.Literal(version))
        add(dataset, dcat + "version", ox.Literal(version))
    if issued:
        add(dataset, dct + "issued", ox.Literal(issued, datatype=n(ns.XSD + "date")))
    add(dataset, void + "uriSpace", ox.Literal(base))
    add(dataset, void + "sparqlEndpoint", endpoint)
    add(dataset, void + "rootResource", n(ns.ONTOLOGY_IRI))
    for vocabulary in VOCABULARIES:
        add(dataset, void + "vocabulary", n(vocabulary))

    totals = (results.get("totals") or [{}])[0]
    for var, prop in (
        ("triples", "triples"),
        ("subjects", "distinctSubjects"),
        ("properties", "properties"),
        ("objects", "distinctObjects"),
    ):
        if var in totals:
            add(dataset, void + prop, integer(totals[var]))
    entities = (results.get("entities") or [{}])[0]
    if "entities" in entities:
        add(dataset, void + "entities", integer(entities["entities"]))
    classes = results.get("classes", [])
    add(dataset, void + "classes", integer(len(classes)))
    for row in classes:
        partition = ox.BlankNode()
        add(dataset, void + "classPartition", partition)
        add(partition, void + "class", n(row["class"]))
        add(partition, void + "entities", integer(row["entities"]))
    for row in results.get("examples", [])[:MAX_EXAMPLES]:
        add(dataset, void + "exampleResource", n(row["example"]))

    # One subset per named graph: each source's statements, ours, and the ontology.
    counts = {row["graph"]: row for row in results.get("graphs", [])}
    bundles = {row["graph"]: row for row in results.get("bundles", [])}
    for graph in sorted(counts):
        subset = n(graph)
        add(dataset, void + "subset", subset)
        add(subset, ns.RDF + "type", n(void + "Dataset"))
        add(subset, void + "triples", integer(counts[graph]["triples"]))
        add(subset, void + "entities", integer(counts[graph]["entities"]))
        add(subset, void + "sparqlEndpoint", endpoint)
        bundle = bundles.get(graph)
        if bundle:
            add(subset, dct + "title", ox.Literal(bundle["label"]))
            if "source" in bundle:
                add(subset, dct + "source", n(bundle["source"]))
                add(subset, ns.PROV + "wasDerivedFrom", n(bundle["source"]))
            if "license" in bundle:
                add(subset, dct + "license", n(bundle["license"]))
        elif graph == ns.ONTOLOGY_IRI:
            add(subset, dct + "title", ox.Literal("The VRL-KG ontology"))

    for dump in dumps:
        url = n(dump.url)
        add(dataset, void + "dataDump", url)
        distribution = ox.BlankNode()
        add(dataset, dcat + "distribution", distribution)
        add(distribution, ns.RDF + "type", n(dcat + "Distribution"))
        add(distribution, dcat + "downloadURL", url)
        add(distribution, dcat + "accessURL", url)
        media = n(f"https://www.iana.org/assignments/media-types/{dump.media_type}")
        if dump.compressed:
            add(distribution, dcat + "compressFormat", n(
                "https://www.iana.org/assignments/media-types/application/gzip"
            ))
            add(distribution, dcat + "packageFormat", media)
        add(distribution, dcat + "mediaType", media)
        add(distribution, dct + "format", ox.Literal(dump.media_type))
        add(distribution, dct + "license", n(DATA_LICENSE))
        if dump.byte_size is not None:
            add(distribution, dcat + "byteSize", integer(dump.byte_size))

    service = endpoint
    add(service, ns.RDF + "type", n(dcat + "DataService"))
    add(service, ns.RDF + "type", n(ns.SD + "Service"))
    add(service, ns.SD + "endpoint", endpoint)
    add(service, dcat + "endpointURL", endpoint)
    add(service, dcat + "endpointDescription", endpoint)
    add(service, dcat + "servesDataset", dataset)
    add(service, dct + "conformsTo", n("https://www.w3.org/TR/sparql11-protocol/"))
    add(dataset, dcat + "landingPage", n(site))
    return t


PREFIXES = {
    "void": ns.VOID,
    "dcat": ns.DCAT,
    "dcterms": ns.DCTERMS,
    "sd": ns.SD,
    "foaf": ns.FOAF,
    "prov": ns.PROV,
    "owl": ns.OWL,
    "xsd": ns.XSD,
    "vrlkg": ns.VRLKG,
}


def serialize(triples: list[ox.Triple], fmt: ox.RdfFormat = ox.RdfFormat.TURTLE) -> bytes:
    data = ox.serialize(triples, format=fmt, prefixes=PREFIXES)
    assert data is not None
    return data


def describe_store(
    store: ox.Store,
    base: str,
    site: str | None = None,
    dumps: Iterable[Dump] = (),
    version: str | None = None,
    issued: str | None = None,
    run: Callable[[ox.Store, str], Rows] = local_rows,
) -> list[ox.Triple]:
    """The description of a local store (the build and `vrlkg release` use this)."""
    results = {name: run(store, query) for name, query in queries(base).items()}
    return describe(results, base, site, dumps, version, issued)


def dump_for(name: str, url: str, size: int | None = None) -> Dump | None:
    """The Dump of a file name such as vrlkg.nq or vrlkg.nq.gz, None if it is not a dump."""
    compressed = name.endswith(".gz")
    media = DUMP_MEDIA_TYPES.get(name.removesuffix(".gz"))
    return Dump(url, media, size, compressed) if media else None
