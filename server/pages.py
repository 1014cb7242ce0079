"""The data of an entity's HTML page: one SPARQL query per page, shaped for the templates, and the
schema.org JSON-LD embedded in the page.

The query is a UNION of sections, told apart by ?section: the entity's own statements (out),
what links to it (in), the named graphs that state each statement (graph: the evidence), and
sections particular to the kind (a paper's ordered authors, model uses, categories, related
papers; a person's works and co-authors; ...).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field

from kg import namespaces as ns
from server.site import KIND_NAMES, Binding, Entity, SiteIndex

V = ns.VRLKG
INCOMING_LIMIT = 2000
RELATED_LIMIT = 12

LABEL_PATH = "rdfs:label|dcterms:title"


def _sections(iri: str, kind: str) -> list[str]:
    t = f"<{iri}>"
    common = [
        f'{{ BIND("out" AS ?section) {t} ?p ?o '
        f"OPTIONAL {{ ?o {LABEL_PATH} ?olabel }} }}",
        f"{{ {{ SELECT ?p ?o ?olabel WHERE {{ ?o ?p {t} "
        f"OPTIONAL {{ ?o {LABEL_PATH} ?olabel }} }} "
        f'LIMIT {INCOMING_LIMIT} }} BIND("in" AS ?section) }}',
        f'{{ BIND("graph" AS ?section) GRAPH ?g {{ {t} ?p ?o }} }}',
        f'{{ BIND("note" AS ?section) ?n vrlkg:noteOn {t} ; '
        "vrlkg:aboutProperty ?p ; vrlkg:howFound ?how }",
        f'{{ BIND("correction" AS ?section) ?n vrlkg:correctionOf {t} ; '
        "vrlkg:aboutProperty ?p ; "
        "vrlkg:valueAsWritten ?written ; vrlkg:reason ?why ; vrlkg:inSource ?src "
        "OPTIONAL { ?n vrlkg:sourceLine ?line } OPTIONAL { ?src rdfs:label ?srclabel } }",
    ]
    return common + _kind_sections(t, kind)


def _kind_sections(t: str, kind: str) -> list[str]:
    """The sections particular to a kind of entity (`t` is the entity's IRI in brackets)."""
    if kind == "paper":
        shared = "vrlkg:evaluatedOn vrlkg:introducesMethod vrlkg:usesMethod"
        return [
            f'{{ BIND("author" AS ?section) {t} vrlkg:hasAuthorship ?a . ?a vrlkg:author ?x ; '
            "vrlkg:authorPosition ?pos OPTIONAL { ?x rdfs:label ?xlabel } }",
            f'{{ BIND("modeluse" AS ?section) {t} vrlkg:hasModelUse ?u . ?u vrlkg:model ?x ; '
            "vrlkg:modelRole ?role OPTIONAL { ?x rdfs:label ?xlabel } "
            "OPTIONAL { ?role rdfs:label ?rolelabel } OPTIONAL { ?u vrlkg:fineTuned ?ft } "
            "OPTIONAL { ?u vrlkg:valueAsWritten ?written } }",
            f'{{ BIND("category" AS ?section) {t} vrlkg:inCategory ?x '
            "OPTIONAL { ?x rdfs:label ?xlabel } "
            "OPTIONAL { ?x skos:inScheme ?scheme . ?scheme rdfs:label ?schemelabel } }",
            f'{{ BIND("listing" AS ?section) ?l vrlkg:listedWork {t} ; vrlkg:inSource ?src ; '
            "vrlkg:sourceLine ?line OPTIONAL { ?src rdfs:label ?srclabel } }",
            "{ { SELECT ?x (SAMPLE(?title) AS ?xlabel) (COUNT(DISTINCT ?via) AS ?shared) "
            '(GROUP_CONCAT(DISTINCT ?vialabel; separator=", ") AS ?vialabels) WHERE { '
            f"VALUES ?rp {{ {shared} }} VALUES ?rp2 {{ {shared} }} {t} ?rp ?via . "
            f"?x ?rp2 ?via ; dcterms:title ?title . FILTER (?x != {t}) "
            "?via rdfs:label ?vialabel } GROUP BY ?x "
            f"ORDER BY DESC(?shared) ?xlabel LIMIT {RELATED_LIMIT} }} "
            'BIND("related" AS ?section) }',
        ]
    if kind == "person":
        return [
            f'{{ BIND("work" AS ?section) ?x dcterms:creator {t} ; dcterms:title ?xlabel '
            "OPTIONAL { ?x dcterms:issued ?date } "
            f"OPTIONAL {{ ?x vrlkg:hasAuthorship ?a . ?a vrlkg:author {t} ; "
            "vrlkg:authorPosition ?pos } }",
            "{ { SELECT ?x (SAMPLE(?l) AS ?xlabel) (COUNT(DISTINCT ?w) AS ?shared) WHERE { "
            f"?w dcterms:creator {t}, ?x . FILTER (?x != {t}) ?x rdfs:label ?l }} GROUP BY ?x "
            'ORDER BY DESC(?shared) ?xlabel LIMIT 100 } BIND("coauthor" AS ?section) }',
        ]
    if kind in ("environment", "benchmark", "dataset"):
        return [
            f'{{ BIND("evaluated" AS ?section) ?x vrlkg:evaluatedOn ?via . '
            f"?via vrlkg:partOf* {t} . ?x dcterms:title ?xlabel "
            "OPTIONAL { ?via rdfs:label ?vialabels } }",
        ]
    if kind == "model":
        return [
            f'{{ BIND("use" AS ?section) ?x vrlkg:hasModelUse ?u . ?u vrlkg:model {t} ; '
            "vrlkg:modelRole ?role . ?x dcterms:title ?xlabel "
            "OPTIONAL { ?role rdfs:label ?rolelabel } OPTIONAL { ?u vrlkg:fineTuned ?ft } }",
        ]
    if kind == "scheme":
        return [
            f'{{ BIND("concept" AS ?section) ?x skos:inScheme {t} ; rdfs:label ?xlabel '
            "OPTIONAL { ?x skos:broader ?broader } OPTIONAL { ?x vrlkg:sourceLine ?line } "
            "OPTIONAL { ?x skos:notation ?notation } }",
            "{ { SELECT ?x (COUNT(DISTINCT ?w) AS ?shared) WHERE { "
            f"?x skos:inScheme {t} . ?w ?wp ?x ; dcterms:title ?wt }} GROUP BY ?x }} "
            'BIND("conceptcount" AS ?section) }',
        ]
    if kind == "source":
        return [
            f'{{ BIND("entry" AS ?section) ?l vrlkg:inSource {t} ; vrlkg:listedWork ?x ; '
            "vrlkg:sourceLine ?line . ?x dcterms:title ?xlabel "
            "OPTIONAL { ?l vrlkg:inCategory ?c . ?c rdfs:label ?clabel } }",
        ]
    if kind == "graph":
        return [
            f"{{ {{ SELECT (COUNT(*) AS ?shared) WHERE {{ GRAPH {t} {{ ?gs ?gp ?go }} }} }} "
            'BIND("size" AS ?section) }',
        ]
    return []


def page_query(iri: str, kind: str) -> str:
    return ns.sparql_prologue() + "SELECT * WHERE {\n  " + "\n  UNION\n  ".join(
        _sections(iri, kind)
    ) + "\n}"


# ---- shaping -----------------------------------------------------------------------------------


@dataclass
class Value:
    text: str
    iri: str | None = None
    url: str | None = None  # where the link goes: our page for our IRIs
    external: bool = False
    lang: str | None = None
    datatype: str | None = None
    graphs: list[tuple[str, str]] = field(default_factory=list)  # (slug, url) of stating graphs


@dataclass
class PropertyRow:
    iri: str
    label: str
    url: str
    values: list[Value]


@dataclass
class Page:
    entity: Entity
    kind_name: str
    types: list[Value]
    properties: list[PropertyRow]
    incoming: list[PropertyRow]
    sections: dict[str, list[dict[str, str]]]
    notes: dict[str, list[str]]
    corrections: list[dict[str, str]]
    values: dict[str, list[Value]]
    jsonld: str = ""


class Linker:
    """Turns IRIs into links: ours to our pages, the ontology's to its documentation."""

    def __init__(self, base: str, index: SiteIndex):
        self.base = base
        self.index = index

    def url(self, iri: str) -> tuple[str, bool]:
        if iri.startswith(ns.VRLKG):
            return "/ontology#" + iri[len(ns.VRLKG) :], False
        if iri == ns.ONTOLOGY_IRI:
            return "/ontology", False
        if iri.startswith(self.base):
            return "/" + iri[len(self.base) :], False
        return iri, True

    def label(self, iri: str, fallback: str | None = None) -> str:
        found = self.index.label(iri)
        if found:
            return found
        if fallback:
            return fallback
        for prefix, namespace in ns.PREFIXES.items():
            if iri.startswith(namespace) and len(iri) > len(namespace):
                return f"{prefix}:{iri[len(namespace):]}"
        return iri

    def value(self, term: dict[str, str], label: str | None = None) -> Value:
        if term["type"] == "uri":
            url, external = self.url(term["value"])
            text = label or (term["value"] if external else self.label(term["value"]))
            return Value(text, term["value"], url, external)
        return Value(
            term["value"], lang=term.get("xml:lang"), datatype=term.get("datatype")
        )


def _v(row: Binding, name: str) -> str | None:
    term = row.get(name)
    return term["value"] if term else None


# The order in which a page lists an entity's properties; the others follow alphabetically.
PROPERTY_ORDER = [
    ns.DCTERMS + "title",
    ns.RDFS + "label",
    ns.FOAF + "name",
    ns.SKOS + "prefLabel",
    ns.SKOS + "altLabel",
    ns.DCTERMS + "creator",
    ns.DCTERMS + "issued",
    V + "venue",
    V + "venueNote",
    ns.DCTERMS + "abstract",
    ns.DCTERMS + "description",
    ns.SKOS + "definition",
]
HIDDEN_ON_PAPERS = {V + "hasAuthorship", V + "hasModelUse"}


def shape(rows: list[Binding], entity: Entity, index: SiteIndex, base: str) -> Page:
    link = Linker(base, index)
    sections: dict[str, list[dict[str, str]]] = defaultdict(list)
    out: dict[str, dict[str, Value]] = defaultdict(dict)
    incoming: dict[str, dict[str, Value]] = defaultdict(dict)
    graphs: dict[tuple[str, str], list[str]] = defaultdict(list)
    notes: dict[str, list[str]] = defaultdict(list)
    corrections: list[dict[str, str]] = []
    for row in rows:
        section = _v(row, "section")
        if section == "out":
            p, o = row["p"]["value"], row["o"]
            key = o["value"] + "|" + o.get("xml:lang", "")
            if key not in out[p]:
                out[p][key] = link.value(o, _v(row, "olabel"))
        elif section == "in":
            p, o = row["p"]["value"], row["o"]
            if o["value"] not in incoming[p]:
                incoming[p][o["value"]] = link.value(o, _v(row, "olabel"))
        elif section == "graph":
            key = (row["p"]["value"], row["o"]["value"])
            graph = row["g"]["value"]
            if graph not in graphs[key]:
                graphs[key].append(graph)
        elif section == "note":
            notes[row["p"]["value"]].append(row["how"]["value"])
        elif section == "correction":
            corrections.append({k: v["value"] for k, v in row.items()})
        elif section:
            sections[section].append({k: v["value"] for k, v in row.items()})
    # Evidence: which named graphs state each of the entity's statements.
    for p, values in out.items():
        for value in values.values():
            key = (p, value.iri or value.text)
            for graph in graphs.get(key, []):
                value.graphs.append((graph.rsplit("/", 1)[-1], link.url(graph)[0]))

    def rows_of(props: dict[str, dict[str, Value]], skip: set[str]) -> list[PropertyRow]:
        def order(p: str) -> tuple[int, str]:
            return (PROPERTY_ORDER.index(p) if p in PROPERTY_ORDER else 99, link.label(p))

        result = []
        for p in sorted(props, key=order):
            if p in skip:
                continue
            values = sorted(props[p].values(), key=lambda v: v.text.lower())
            result.append(PropertyRow(p, link.label(p), link.url(p)[0], values))
        return result

    type_iri = ns.RDF + "type"
    types = list(out.get(type_iri, {}).values())
    for t in types:
        t.text = link.label(t.iri or t.text)
    skip = {type_iri} | (HIDDEN_ON_PAPERS if entity.kind == "paper" else set())
    page = Page(
        entity=entity,
        kind_name=KIND_NAMES[entity.kind][0],
        types=types,
        properties=rows_of(out, skip),
        incoming=rows_of(incoming, set()),
        sections={k: _sorted_section(k, v) for k, v in sections.items()},
        notes={link.label(p): how for p, how in notes.items()},
        corrections=[
            {**c, "property": link.label(c.get("p", "")), "srcurl": link.url(c["src"])[0]}
            for c in corrections
        ],
        values={p: list(v.values()) for p, v in out.items()},
    )
    for _name, items in page.sections.items():
        for item in items:
            for var in ("x", "role", "scheme", "src", "c", "broader", "l"):
                if var in item:
                    item[var + "url"] = link.url(item[var])[0]
    page.jsonld = json.dumps(schema_org(page, base, link), indent=1, ensure_ascii=False)
    return page


def _sorted_section(name: str, rows: list[dict[str, str]]) -> list[dict[str, str]]:
    def number(value: str | None) -> float:
        try:
            return float(value) if value is not None else float("inf")
        except ValueError:
            return float("inf")

    unique: dict[tuple, dict[str, str]] = {}
    for row in rows:
        unique.setdefault(tuple(sorted(row.items())), row)
    rows = list(unique.values())
    if name == "author":
        merged: dict[str, dict[str, str]] = {}
        for row in rows:
            merged.setdefault(row["pos"], row)
        return sorted(merged.values(), key=lambda r: number(r.get("pos")))
    if name in ("entry", "listing"):
        return sorted(rows, key=lambda r: (number(r.get("line")), r.get("xlabel", "")))
    if name in ("related", "coauthor"):
        return sorted(rows, key=lambda r: (-number(r.get("shared")), r.get("xlabel", "")))
    if name == "work":
        return sorted(rows, key=lambda r: (r.get("date", "") or "0", r.get("xlabel", "")),
                      reverse=True)
    if name == "concept":
        return sorted(rows, key=lambda r: (number(r.get("line")), r.get("xlabel", "")))
    return sorted(rows, key=lambda r: r.get("xlabel", "") or "")


# ---- schema.org ---------------------------------------------------------------------------------

WORK_TYPES = {
    V + "Paper": "ScholarlyArticle",
    V + "BlogPost": "BlogPosting",
    V + "Course": "Course",
    V + "Book": "Book",
    V + "Software": "SoftwareSourceCode",
}
KIND_TYPES = {
    "person": "Person",
    "method": "DefinedTerm",
    "model": "SoftwareApplication",
    "environment": "SoftwareApplication",
    "benchmark": "Dataset",
    "dataset": "Dataset",
    "domain": "DefinedTerm",
    "concept": "DefinedTerm",
    "scheme": "DefinedTermSet",
    "venue": "Organization",
    "source": "CreativeWork",
}


def schema_org(page: Page, base: str, link: Linker) -> dict:
    entity = page.entity
    values = page.values

    def texts(p: str) -> list[str]:
        return [v.text for v in values.get(p, [])]

    def iris(p: str) -> list[str]:
        return [v.iri for v in values.get(p, []) if v.iri]

    types = {t.iri for t in page.types}
    if entity.kind == "paper":
        kind = next((WORK_TYPES[t] for t in types if t in WORK_TYPES), "CreativeWork")
    elif entity.kind == "person" and ns.FOAF + "Organization" in types:
        kind = "Organization"
    else:
        kind = KIND_TYPES.get(entity.kind, "Thing")
    data: dict = {
        "@context": "https://schema.org",
        "@type": kind,
        "@id": entity.iri,
        "name": entity.label,
        "url": entity.iri,
    }
    same = iris(ns.OWL + "sameAs") + iris(ns.SKOS + "exactMatch")
    if same:
        data["sameAs"] = same
    description = texts(ns.DCTERMS + "description") or texts(ns.SKOS + "definition")
    if description:
        data["description"] = description[0]
    alt = texts(ns.SKOS + "altLabel")
    if alt:
        data["alternateName"] = alt
    homepage = iris(ns.FOAF + "homepage")
    if homepage:
        data["mainEntityOfPage"] = homepage[0]
    if entity.kind == "paper":
        data["headline"] = entity.label
        authors = page.sections.get("author", [])
        if authors:
            data["author"] = [
                {"@type": "Person", "@id": a["x"], "name": a.get("xlabel", "")} for a in authors
            ]
        issued = texts(ns.DCTERMS + "issued")
        if issued:
            data["datePublished"] = issued[0]
        abstract = texts(ns.DCTERMS + "abstract")
        if abstract:
            data["abstract"] = abstract[0]
        identifiers = []
        for prop, scheme in ((ns.FABIO + "hasArXivId", "arXiv"), (ns.PRISM + "doi", "DOI")):
            for value in texts(prop):
                identifiers.append(
                    {"@type": "PropertyValue", "propertyID": scheme, "value": value}
                )
        if identifiers:
            data["identifier"] = identifiers
        keywords = texts(ns.SCHEMA + "keywords")
        if keywords:
            data["keywords"] = keywords
        code = iris(ns.SCHEMA + "codeRepository")
        if code:
            data["codeRepository" if kind == "SoftwareSourceCode" else "isBasedOn"] = [
                {"@type": "SoftwareSourceCode", "@id": c, "codeRepository": c} for c in code
            ]
        categories = page.sections.get("category", [])
        if categories:
            data["about"] = [
                {
                    "@type": "DefinedTerm",
                    "@id": c["x"],
                    "name": c.get("xlabel", ""),
                    "inDefinedTermSet": c.get("scheme", ""),
                }
                for c in categories
            ]
        venue = values.get(V + "venue", [])
        if venue:
            data["isPartOf"] = {"@id": venue[0].iri, "name": venue[0].text}
        url = iris(ns.SCHEMA + "url")
        if url:
            data["mainEntityOfPage"] = url[0]
    elif entity.kind == "person":
        works = page.sections.get("work", [])
        if works:
            data["subjectOf"] = [{"@id": w["x"], "name": w.get("xlabel", "")} for w in works]
    elif entity.kind in ("method", "domain", "concept"):
        schemes = iris(ns.SKOS + "inScheme")
        if schemes:
            data["inDefinedTermSet"] = schemes[0]
        notation = texts(ns.SKOS + "notation")
        if notation:
            data["termCode"] = notation[0]
    return data


def index_jsonld(kind: str, entities: list[Entity]) -> str:
    return json.dumps(
        {
            "@context": "https://schema.org",
            "@type": "ItemList",
            "name": KIND_NAMES[kind][1],
            "numberOfItems": len(entities),
            "itemListElement": [
                {"@type": "ListItem", "position": i + 1, "url": e.iri, "name": e.label}
                for i, e in enumerate(entities[:1000])
            ],
        },
        ensure_ascii=False,
    )
