"""The one place for namespaces. Plain strings, so pyoxigraph and rdflib can both use them."""

from __future__ import annotations

# Our vocabulary is fixed; only the data IRIs follow the configurable base (kg.settings).
VRLKG = "https://w3id.org/vrlkg/ontology#"
ONTOLOGY_IRI = "https://w3id.org/vrlkg/ontology"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
PROV = "http://www.w3.org/ns/prov#"
SCHEMA = "https://schema.org/"
FABIO = "http://purl.org/spar/fabio/"
PRISM = "http://prismstandard.org/namespaces/basic/2.0/"
BIBO = "http://purl.org/ontology/bibo/"
MLS = "http://www.w3.org/ns/mls#"
WD = "http://www.wikidata.org/entity/"
SH = "http://www.w3.org/ns/shacl#"
VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS = "http://www.w3.org/ns/formats/"

# Prefixes written into Turtle, TriG and JSON-LD output and offered to query authors.
PREFIXES: dict[str, str] = {
    "vrlkg": VRLKG,
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "foaf": FOAF,
    "prov": PROV,
    "schema": SCHEMA,
    "fabio": FABIO,
    "prism": PRISM,
    "bibo": BIBO,
    "mls": MLS,
    "wd": WD,
}


def sparql_prologue(extra: dict[str, str] | None = None) -> str:
    """PREFIX lines for every namespace above (and any extra ones)."""
    prefixes = {**PREFIXES, **(extra or {})}
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in prefixes.items())
