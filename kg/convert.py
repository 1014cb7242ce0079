"""YAML records to RDF quads: each source's statements in its own named graph, ours in another."""

from __future__ import annotations

from collections.abc import Iterable

from pyoxigraph import Literal, NamedNode, Quad

from kg import namespaces as ns
from kg.iris import mint
from kg.loader import Catalog
from kg.records import PaperRecord

CURATED = "curated"
DOMAIN_SCHEME = "domains"

# The property each paper field is stated with (also named by corrections and curation notes).
FIELD_PROPERTY: dict[str, str] = {
    "type": ns.RDF + "type",
    "title": ns.DCTERMS + "title",
    "arxiv": ns.FABIO + "hasArXivId",
    "doi": ns.PRISM + "doi",
    "date": ns.DCTERMS + "issued",
    "venue": ns.VRLKG + "venue",
    "venue_note": ns.VRLKG + "venueNote",
    "url": ns.SCHEMA + "url",
    "authors": ns.DCTERMS + "creator",
    "abstract": ns.DCTERMS + "abstract",
    "keywords": ns.SCHEMA + "keywords",
    "code": ns.SCHEMA + "codeRepository",
    "project_page": ns.VRLKG + "projectPage",
    "domains": ns.VRLKG + "inDomain",
    "introduces": ns.VRLKG + "introducesMethod",
    "uses_methods": ns.VRLKG + "usesMethod",
    "evaluated_on": ns.VRLKG + "evaluatedOn",
    "models": ns.VRLKG + "usesModel",
    "rl_components": ns.VRLKG + "rlComponent",
    "metrics": ns.VRLKG + "reportsMetric",
}

WORK_CLASS = {
    "paper": "Paper",
    "blog-post": "BlogPost",
    "course": "Course",
    "book": "Book",
    "software": "Software",
}
TESTBED_CLASS = {"environment": "Environment", "benchmark": "Benchmark", "dataset": "Dataset"}
TESTBED_KIND = {
    "simulator": "simulator",
    "suite": "suite",
    "task": "task",
    "game": "game",
    "real-robot": "realRobot",
    "benchmark": "benchmarkKind",
    "dataset": "datasetKind",
}
MODEL_TYPE = {
    "llm": "llm",
    "vlm": "vlm",
    "vision-encoder": "visionEncoder",
    "vla": "vla",
    "diffusion": "diffusionModel",
    "other": "otherModel",
}
DERIVATION = {
    "listed": "listedBySource", "abstract": "foundInAbstract", "title": "foundInTitle",
    "curated": "curatedByHand",
}
VENUE_TYPE = {
    "conference": "conference",
    "journal": "journal",
    "workshop": "workshop",
    "preprint-server": "preprintServer",
}

RDF_TYPE = NamedNode(ns.RDF + "type")
RDFS_LABEL = NamedNode(ns.RDFS + "label")
XSD_STRING = NamedNode(ns.XSD + "string")


def repository_label(url: str) -> str:
    """`owner/name` for a GitHub (GitLab, Hugging Face, Bitbucket) repository URL, else the URL
    without its scheme."""
    rest = url.split("://", 1)[-1].rstrip("/")
    host, _, path = rest.partition("/")
    parts = [p for p in path.split("/") if p]
    if host.lower().removeprefix("www.") in {
        "github.com", "gitlab.com", "huggingface.co", "bitbucket.org"
    } and len(parts) >= 2:
        return f"{parts[0]}/{parts[1].removesuffix('.git')}"
    return rest


def V(local: str) -> NamedNode:
    return NamedNode(ns.VRLKG + local)


def text(value: str) -> Literal:
    return Literal(value)


def typed(value: str, datatype: str) -> Literal:
    return Literal(value, datatype=NamedNode(ns.XSD + datatype))


def date_literal(value: str) -> Literal:
    return typed(value, "date" if len(value) == 10 else "gYearMonth")


class _Graphs:
    """Collects quads; a statement made in several graphs is kept once per graph."""

    def __init__(self) -> None:
        self.quads: set[Quad] = set()

    def add(
        self, s: NamedNode, p: NamedNode | str, o: NamedNode | Literal, graphs: Iterable[NamedNode]
    ) -> None:
        predicate = p if isinstance(p, NamedNode) else NamedNode(p)
        for graph in graphs:
            self.quads.add(Quad(s, predicate, o, graph))


class Converter:
    def __init__(self, catalog: Catalog, base: str) -> None:
        self.catalog = catalog
        self.base = base
        self.out = _Graphs()
        self.curated = NamedNode(mint(base, "graph", CURATED))

    # -- IRIs -------------------------------------------------------------------------------
    def iri(self, kind: str, *slug: str | int) -> NamedNode:
        return NamedNode(mint(self.base, kind, *slug))

    def testbed(self, testbed_id: str) -> NamedNode:
        return self.iri(self.catalog.testbeds[testbed_id].record.type, testbed_id)

    def concept(self, scheme: str, concept: str) -> NamedNode:
        return self.iri("concept", scheme, concept)

    def source_graph(self, source_id: str) -> NamedNode:
        return self.iri("graph", source_id)

    # -- the whole catalog ------------------------------------------------------------------
    def convert(self) -> list[Quad]:
        self._graph_descriptions()
        for located in self.catalog.sources.values():
            self._source(located.record)
        for located in self.catalog.schemes.values():
            self._scheme(located.record)
        self._entities()
        for located in self.catalog.papers.values():
            self._paper(located.record)
        return sorted(self.out.quads, key=str)

    def _graph_descriptions(self) -> None:
        add, cur = self.out.add, [self.curated]
        add(self.curated, RDF_TYPE, NamedNode(ns.PROV + "Bundle"), cur)
        add(self.curated, RDFS_LABEL, text("Statements curated by VRL-KG"), cur)
        for source_id, located in self.catalog.sources.items():
            graph = self.source_graph(source_id)
            add(graph, RDF_TYPE, NamedNode(ns.PROV + "Bundle"), cur)
            add(graph, RDFS_LABEL, text(f"Statements of {located.record.label}"), cur)
            add(graph, ns.PROV + "wasDerivedFrom", self.iri("source", source_id), cur)

    def _source(self, s) -> None:  # type: ignore[no-untyped-def]
        add, cur, node = self.out.add, [self.curated], self.iri("source", s.id)
        add(node, RDF_TYPE, V("Source"), cur)
        add(node, RDFS_LABEL, text(s.label), cur)
        add(node, V("sourceFile"), text(s.file), cur)
        if s.homepage:
            add(node, ns.FOAF + "homepage", NamedNode(s.homepage), cur)
        if s.maintainer:
            add(node, V("maintainer"), text(s.maintainer), cur)
        if s.scheme:
            add(node, V("categoryScheme"), self.iri("scheme", s.scheme), cur)
        if s.survey:
            add(node, V("accompanies"), self.iri("paper", s.survey), cur)
        if s.license:
            add(
                node,
                ns.DCTERMS + "license",
                NamedNode(f"https://spdx.org/licenses/{s.license}"),
                cur,
            )

    def _scheme(self, scheme) -> None:  # type: ignore[no-untyped-def]
        add = self.out.add
        graphs = [self.source_graph(scheme.source)] if scheme.source else [self.curated]
        node = self.iri("scheme", scheme.id)
        add(node, RDF_TYPE, NamedNode(ns.SKOS + "ConceptScheme"), graphs)
        add(node, RDFS_LABEL, text(scheme.label), graphs)
        if scheme.description:
            add(node, ns.DCTERMS + "description", text(scheme.description), graphs)
        if scheme.source:
            add(node, V("schemeSource"), self.iri("source", scheme.source), graphs)
        for c in scheme.concepts:
            cnode = self.concept(scheme.id, c.id)
            add(cnode, RDF_TYPE, NamedNode(ns.SKOS + "Concept"), graphs)
            add(cnode, ns.SKOS + "inScheme", node, graphs)
            add(cnode, ns.SKOS + "prefLabel", text(c.label), graphs)
            add(cnode, RDFS_LABEL, text(c.label), graphs)
            if c.definition:
                add(cnode, ns.SKOS + "definition", text(c.definition), graphs)
            if c.notation:
                add(cnode, ns.SKOS + "notation", text(c.notation), graphs)
            if c.line:
                add(cnode, V("sourceLine"), typed(str(c.line), "positiveInteger"), graphs)
            if c.in_html_comment:
                add(cnode, V("inHtmlComment"), typed("true", "boolean"), graphs)
            if c.broader:
                add(cnode, ns.SKOS + "broader", self.concept(scheme.id, c.broader), graphs)
            else:
                add(cnode, ns.SKOS + "topConceptOf", node, graphs)
            # Alignments between schemes are our own judgement, so they go in the curated graph.
            for relation, prop in (
                ("close_match", "closeMatch"),
                ("broad_match", "broadMatch"),
                ("narrow_match", "narrowMatch"),
            ):
                for target in getattr(c, relation):
                    other_scheme, other = target.split("/", 1)
                    add(cnode, ns.SKOS + prop, self.concept(other_scheme, other), [self.curated])

    def _describe(self, node: NamedNode, label: str, alt_labels: list[str],
                  description: str | None, homepage: str | None, wikidata: str | None) -> None:
        """The statements every curated entity may have: names, description, links."""
        add, cur = self.out.add, [self.curated]
        add(node, RDFS_LABEL, text(label), cur)
        for alt in alt_labels:
            add(node, ns.SKOS + "altLabel", text(alt), cur)
        if description:
            add(node, ns.DCTERMS + "description", text(description), cur)
        if homepage:
            add(node, ns.FOAF + "homepage", NamedNode(homepage), cur)
        if wikidata:
            add(node, ns.SKOS + "exactMatch", NamedNode(ns.WD + wikidata), cur)

    def _entities(self) -> None:
        add, cur = self.out.add, [self.curated]
        for located in self.catalog.people.values():
            p = located.record
            node = self.iri("person", p.id)
            cls = NamedNode(ns.FOAF + "Organization") if p.type == "organization" else V("Person")
            add(node, RDF_TYPE, cls, cur)
            self._describe(node, p.name, [], None, None, p.wikidata)
            add(node, ns.FOAF + "name", text(p.name), cur)
            if p.orcid:
                add(node, V("orcid"), text(p.orcid), cur)
            if p.dblp:
                add(node, ns.RDFS + "seeAlso", NamedNode(p.dblp), cur)
        for located in self.catalog.methods.values():
            m = located.record
            node = self.iri("method", m.id)
            add(node, RDF_TYPE, V("Method"), cur)
            if m.type == "algorithm":
                add(node, RDF_TYPE, V("RLAlgorithm"), cur)
            names = ([m.name] if m.name and m.name != m.label else []) + m.alt_labels
            self._describe(node, m.label, names, m.description, None, m.wikidata)
            for parent in m.builds_on:
                add(node, V("buildsOn"), self.iri("method", parent), cur)
        for located in self.catalog.models.values():
            m = located.record
            node = self.iri("model", m.id)
            add(node, RDF_TYPE, V("Model"), cur)
            self._describe(node, m.label, m.alt_labels, m.description, m.homepage, m.wikidata)
            add(node, V("modelType"), V(MODEL_TYPE[m.type]), cur)
            if m.developer:
                add(node, V("developer"), text(m.developer), cur)
            for parent in m.builds_on:
                add(node, V("buildsOn"), self.iri("model", parent), cur)
        for located in self.catalog.testbeds.values():
            t = located.record
            node = self.testbed(t.id)
            add(node, RDF_TYPE, V(TESTBED_CLASS[t.type]), cur)
            self._describe(node, t.label, t.alt_labels, t.description, t.homepage, t.wikidata)
            add(node, V("testbedKind"), V(TESTBED_KIND[t.kind]), cur)
            if t.part_of:
                add(node, V("partOf"), self.testbed(t.part_of), cur)
            for domain in t.domains:
                add(node, V("inDomain"), self.iri("domain", domain), cur)
            for modality in t.modalities:
                add(node, V("modality"), text(modality), cur)
        if self.catalog.domains:
            scheme = self.iri("scheme", DOMAIN_SCHEME)
            add(scheme, RDF_TYPE, NamedNode(ns.SKOS + "ConceptScheme"), cur)
            add(scheme, RDFS_LABEL, text("Research and application domains"), cur)
        for located in self.catalog.domains.values():
            d = located.record
            node = self.iri("domain", d.id)
            add(node, RDF_TYPE, V("Domain"), cur)
            add(node, ns.SKOS + "inScheme", self.iri("scheme", DOMAIN_SCHEME), cur)
            add(node, RDFS_LABEL, text(d.label), cur)
            add(node, ns.SKOS + "prefLabel", text(d.label), cur)
            if d.description:
                add(node, ns.SKOS + "definition", text(d.description), cur)
            if d.broader:
                add(node, ns.SKOS + "broader", self.iri("domain", d.broader), cur)
            if d.wikidata:
                add(node, ns.SKOS + "exactMatch", NamedNode(ns.WD + d.wikidata), cur)
        for located in self.catalog.venues.values():
            v = located.record
            node = self.iri("venue", v.id)
            add(node, RDF_TYPE, V("Venue"), cur)
            acronyms = [v.acronym] if v.acronym else []
            self._describe(node, v.label, acronyms, None, v.homepage, v.wikidata)
            add(node, V("venueType"), V(VENUE_TYPE[v.type]), cur)
            if v.dblp:
                add(node, ns.RDFS + "seeAlso", NamedNode(v.dblp), cur)

    # -- papers -----------------------------------------------------------------------------
    def _graphs_for(self, p: PaperRecord, field: str) -> list[NamedNode]:
        """The graphs a paper field's statements go into: every source that gave the value and
        whose value we did not correct; ours when no source gave it or when we corrected it."""
        corrected_from = {c.source for c in p.corrections if c.field == field}
        givers = sorted(
            {
                listing.source
                for listing in p.listings
                if field in listing.gives and listing.source not in corrected_from
            }
        )
        graphs = [self.source_graph(s) for s in givers]
        if not givers or corrected_from:
            graphs.append(self.curated)
        return graphs

    def _link_graphs(self, p: PaperRecord, field: str, derived: str | None) -> list[NamedNode]:
        """A link we derived (from an abstract, a title, by hand) is ours; a listed one, or one
        without a derivation, follows its field."""
        if derived in {"abstract", "title", "curated"}:
            return [self.curated]
        return self._graphs_for(p, field)

    def _evidence(self, p: PaperRecord, field: str, slug: str, target: NamedNode,
                  evidence: str | None, derived: str | None) -> None:
        """The text a link was found in and how it was found, as a node of its own."""
        if evidence is None and derived is None:
            return
        add, cur = self.out.add, [self.curated]
        node = self.iri("evidence", p.id, field.replace("_", "-"), slug)
        add(node, RDF_TYPE, V("LinkEvidence"), cur)
        add(node, RDFS_LABEL, text(f"evidence that {p.id} {field.replace('_', ' ')} {slug}"), cur)
        add(node, V("evidenceFor"), self.iri("paper", p.id), cur)
        add(node, V("aboutProperty"), NamedNode(FIELD_PROPERTY[field]), cur)
        add(node, V("linkTarget"), target, cur)
        if evidence:
            add(node, V("evidence"), text(evidence), cur)
        if derived:
            add(node, V("derivation"), V(DERIVATION[derived]), cur)
        if derived in {"listed", "abstract"}:
            for listing in p.listings:
                source_text = "abstract" if derived == "abstract" else field
                if source_text in listing.gives:
                    add(node, ns.PROV + "wasDerivedFrom", self.iri("source", listing.source), cur)

    def _paper(self, p: PaperRecord) -> None:
        add = self.out.add
        node = self.iri("paper", p.id)
        g = lambda field: self._graphs_for(p, field)  # noqa: E731
        listed = sorted({listing.source for listing in p.listings})
        existence = [self.source_graph(s) for s in listed] or [self.curated]

        add(node, RDF_TYPE, V(WORK_CLASS[p.type]), existence)
        add(node, ns.DCTERMS + "title", text(p.title), g("title"))
        if p.arxiv:
            add(node, FIELD_PROPERTY["arxiv"], text(p.arxiv), g("arxiv"))
            add(node, ns.OWL + "sameAs", NamedNode(f"https://arxiv.org/abs/{p.arxiv}"), g("arxiv"))
        if p.doi:
            add(node, FIELD_PROPERTY["doi"], text(p.doi), g("doi"))
            add(node, ns.OWL + "sameAs", NamedNode(f"https://doi.org/{p.doi}"), g("doi"))
        if p.date:
            add(node, FIELD_PROPERTY["date"], date_literal(p.date), g("date"))
        if p.venue:
            add(node, FIELD_PROPERTY["venue"], self.iri("venue", p.venue), g("venue"))
        if p.venue_note:
            add(node, FIELD_PROPERTY["venue_note"], text(p.venue_note), g("venue_note"))
        if p.url:
            add(node, FIELD_PROPERTY["url"], NamedNode(p.url), g("url"))
        if p.abstract:
            add(node, FIELD_PROPERTY["abstract"], text(p.abstract), g("abstract"))
        for position, person in enumerate(p.authors, start=1):
            graphs = g("authors")
            agent = self.iri("person", person)
            authorship = self.iri("authorship", p.id, position)
            add(node, FIELD_PROPERTY["authors"], agent, graphs)
            add(node, V("hasAuthorship"), authorship, graphs)
            add(authorship, RDF_TYPE, V("Authorship"), graphs)
            add(authorship, RDFS_LABEL, text(f"author {position} of {p.id}"), graphs)
            add(authorship, V("author"), agent, graphs)
            add(authorship, V("authorPosition"), typed(str(position), "positiveInteger"), graphs)
        for keyword in p.keywords:
            add(node, FIELD_PROPERTY["keywords"], text(keyword), g("keywords"))
        for url in p.code:
            # The repository is a node of its own, typed and named, so that other graphs (and
            # schema.org consumers) see software rather than a bare link.
            repository = NamedNode(url)
            add(node, FIELD_PROPERTY["code"], repository, g("code"))
            add(repository, RDF_TYPE, NamedNode(ns.SCHEMA + "SoftwareSourceCode"), g("code"))
            add(repository, RDFS_LABEL, text(repository_label(url)), g("code"))
        if p.project_page:
            add(node, FIELD_PROPERTY["project_page"], NamedNode(p.project_page), g("project_page"))
        for domain in p.domains:
            add(node, FIELD_PROPERTY["domains"], self.iri("domain", domain), g("domains"))
        for method in p.introduces:
            add(node, FIELD_PROPERTY["introduces"], self.iri("method", method), g("introduces"))
        for link in p.uses_methods:
            target = self.iri("method", link.id)
            graphs = self._link_graphs(p, "uses_methods", link.derived)
            add(node, FIELD_PROPERTY["uses_methods"], target, graphs)
            self._evidence(p, "uses_methods", link.id, target, link.evidence, link.derived)
        for link in p.evaluated_on:
            target = self.testbed(link.id)
            graphs = self._link_graphs(p, "evaluated_on", link.derived)
            add(node, FIELD_PROPERTY["evaluated_on"], target, graphs)
            self._evidence(p, "evaluated_on", link.id, target, link.evidence, link.derived)
        for use in p.models:
            graphs = self._link_graphs(p, "models", use.derived)
            self._evidence(p, "models", f"{use.model}-{use.role}", self.iri("model", use.model),
                           use.evidence, use.derived)
            model = self.iri("model", use.model)
            use_node = self.iri("model-use", p.id, use.model, use.role)
            role = self.concept("model-roles", use.role)
            add(node, FIELD_PROPERTY["models"], model, graphs)
            add(node, V("hasModelUse"), use_node, graphs)
            add(use_node, RDF_TYPE, V("ModelUse"), graphs)
            add(use_node, RDFS_LABEL, text(f"{use.model} as {use.role} in {p.id}"), graphs)
            add(use_node, V("model"), model, graphs)
            add(use_node, V("modelRole"), role, graphs)
            if use.fine_tuned is not None:
                add(use_node, V("fineTuned"), typed(str(use.fine_tuned).lower(), "boolean"), graphs)
            if use.fine_tuned_as_written:
                add(use_node, V("valueAsWritten"), text(use.fine_tuned_as_written), graphs)
        for component in p.rl_components:
            add(
                node,
                FIELD_PROPERTY["rl_components"],
                self.concept("rl-components", component),
                g("rl_components"),
            )
        for metric in p.metrics:
            add(node, FIELD_PROPERTY["metrics"], self.concept("metrics", metric), g("metrics"))

        for listing in p.listings:
            graph = [self.source_graph(listing.source)]
            source = self.iri("source", listing.source)
            scheme = self.catalog.sources[listing.source].record.scheme
            entry = self.iri("listing", listing.source, listing.line, p.id)
            add(node, V("listedIn"), source, graph)
            add(entry, RDF_TYPE, V("Listing"), graph)
            add(entry, RDFS_LABEL, text(f"{listing.source}, line {listing.line}"), graph)
            add(entry, V("listedWork"), node, graph)
            add(entry, V("inSource"), source, graph)
            add(entry, V("sourceLine"), typed(str(listing.line), "positiveInteger"), graph)
            add(entry, ns.PROV + "wasDerivedFrom", source, graph)
            if listing.in_html_comment:
                add(entry, V("inHtmlComment"), typed("true", "boolean"), graph)
            for category in listing.categories:
                concept = self.concept(scheme, category)  # type: ignore[arg-type]
                add(node, V("inCategory"), concept, graph)
                add(entry, V("inCategory"), concept, graph)

        cur = [self.curated]
        for index, c in enumerate(p.corrections, start=1):
            fix = self.iri("correction", p.id, index)
            add(fix, RDF_TYPE, V("Correction"), cur)
            add(fix, RDFS_LABEL, text(f"correction {index} of {p.id}: {c.field}"), cur)
            add(fix, V("correctionOf"), node, cur)
            add(fix, V("aboutProperty"), NamedNode(FIELD_PROPERTY[c.field]), cur)
            add(fix, V("valueAsWritten"), text(c.as_written), cur)
            add(fix, V("reason"), text(c.reason), cur)
            add(fix, V("inSource"), self.iri("source", c.source), cur)
            if c.line:
                add(fix, V("sourceLine"), typed(str(c.line), "positiveInteger"), cur)
        for field, how in sorted(p.provenance.items()):
            note = self.iri("curation", p.id, field.replace("_", "-"))
            add(note, RDF_TYPE, V("CurationNote"), cur)
            add(note, RDFS_LABEL, text(f"how the {field} of {p.id} was found"), cur)
            add(note, V("noteOn"), node, cur)
            add(note, V("aboutProperty"), NamedNode(FIELD_PROPERTY[field]), cur)
            add(note, V("howFound"), text(how), cur)


def convert(catalog: Catalog, base: str) -> list[Quad]:
    """All quads of the graph, sorted, so that serialisations are the same from run to run."""
    return Converter(catalog, base).convert()
