"""What the pages know about the graph: queries through the worker pool, and an index per store.

Every query a page needs runs in the same killable worker processes as /sparql (server.workers),
under the same time limit, counted from the request's arrival. What every page needs again and
again (the label and kind of each entity, the counts, the ontology's terms, the search index) is
computed once per store directory, with two queries, and computed again when a new build has
been swapped in (the store directory the locator names has changed).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from kg import namespaces as ns
from kg.iris import KINDS
from kg.settings import Settings
from server.jobs import QueryJob
from server.search import Document, SearchIndex
from server.store_locator import StoreLocator
from server.workers import (
    MemoryExceeded,
    PoolBusy,
    PoolClosed,
    QueryTimedOut,
    WorkerDied,
    WorkerPool,
)

log = logging.getLogger("server.site")

Binding = dict[str, dict[str, str]]

# Kinds whose entities are found by the search box (the others are parts of those).
SEARCHED_KINDS = (
    "paper",
    "person",
    "method",
    "model",
    "environment",
    "benchmark",
    "dataset",
    "domain",
    "venue",
    "source",
    "scheme",
    "concept",
)
# Human names of the kinds, singular and plural, in the order the landing page shows them.
KIND_NAMES: dict[str, tuple[str, str]] = {
    "paper": ("work", "Works"),
    "person": ("author", "Authors"),
    "method": ("method", "Methods"),
    "model": ("foundation model", "Foundation models"),
    "environment": ("environment", "Environments"),
    "benchmark": ("benchmark", "Benchmarks"),
    "dataset": ("dataset", "Datasets"),
    "domain": ("domain", "Domains"),
    "venue": ("venue", "Venues"),
    "source": ("source list", "Source lists"),
    "scheme": ("concept scheme", "Concept schemes"),
    "concept": ("category", "Categories"),
    "graph": ("named graph", "Named graphs"),
    "listing": ("listing", "Listings"),
    "correction": ("correction", "Corrections"),
    "curation": ("curation note", "Curation notes"),
    "authorship": ("authorship", "Authorships"),
    "model-use": ("model use", "Model uses"),
    "report": ("quality report", "Quality reports"),
    "defect": ("defect", "Defects"),
}
# A kind added to kg.iris.KINDS before it has a name here is shown by its own name.
for _kind in KINDS - set(KIND_NAMES):
    KIND_NAMES[_kind] = (_kind.replace("-", " "), _kind.replace("-", " ").capitalize() + "s")

INDEX_PROPERTIES = {
    ns.DCTERMS + "title": "label",
    ns.RDFS + "label": "label",
    ns.SKOS + "altLabel": "alt",
    ns.SCHEMA + "keywords": "keywords",
    ns.DCTERMS + "abstract": "text",
    ns.DCTERMS + "description": "text",
    ns.SKOS + "definition": "text",
    ns.FABIO + "hasArXivId": "alt",
    ns.SKOS + "notation": "alt",
}


class PageError(Exception):
    """A page could not be made: the status and a message for the person reading it."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


class GraphAccess:
    """Queries on behalf of pages, through the endpoint's worker pool."""

    def __init__(self, settings: Settings, pool: WorkerPool, locator: StoreLocator):
        self.settings = settings
        self.pool = pool
        self.locator = locator

    def deadline(self) -> float:
        return asyncio.get_running_loop().time() + self.settings.query_timeout

    def store(self) -> str:
        store = self.locator.current()
        if store is None:
            raise PageError(503, "No knowledge graph has been built yet.", {"Retry-After": "10"})
        return store

    async def _run(self, query: str, deadline: float, results: str | None, graph: str | None):
        job = QueryJob(
            store=self.store(),
            query=query,
            base_iri=self.settings.base_iri,
            default_graphs=None,
            named_graphs=None,
            results_format=results,
            graph_format=graph,
            max_result_bytes=self.settings.max_result_bytes,
        )
        limit = f"{self.settings.query_timeout:g}"
        try:
            reply = await self.pool.run(job, deadline)
        except QueryTimedOut:
            raise PageError(
                504, f"The page's query exceeded the time limit of {limit} s."
            ) from None
        except PoolBusy:
            raise PageError(
                503, "The server is busy; retry shortly.", {"Retry-After": "2"}
            ) from None
        except MemoryExceeded:
            raise PageError(507, "The page's query exceeded the memory limit.") from None
        except WorkerDied:
            raise PageError(500, "The query worker stopped unexpectedly; try again.") from None
        except PoolClosed:
            raise PageError(503, "The server is shutting down.") from None
        if reply.status != 200:
            log.error("page query failed (%s): %s", reply.status, reply.body[:500])
            raise PageError(reply.status, reply.body.decode("utf-8", "replace"))
        return reply

    async def select(self, query: str, deadline: float | None = None) -> list[Binding]:
        reply = await self._run(query, deadline or self.deadline(), "json", None)
        return json.loads(reply.body)["results"]["bindings"]

    async def ask(self, query: str, deadline: float | None = None) -> bool:
        reply = await self._run(query, deadline or self.deadline(), "json", None)
        return bool(json.loads(reply.body)["boolean"])

    async def construct(self, query: str, graph_format: str, deadline: float | None = None):
        reply = await self._run(query, deadline or self.deadline(), None, graph_format)
        return reply.body


# ---- the index of a store ----------------------------------------------------------------------


@dataclass
class Entity:
    iri: str
    kind: str
    slug: str
    label: str
    types: set[str] = field(default_factory=set)

    @property
    def path(self) -> str:
        return f"/{self.kind}/{self.slug}"


@dataclass
class OntologyTerm:
    iri: str
    label: str = ""
    comment: str = ""
    types: set[str] = field(default_factory=set)
    values: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))


@dataclass
class SiteIndex:
    store: str
    entities: dict[str, Entity]
    by_kind: dict[str, list[Entity]]
    search: SearchIndex
    terms: dict[str, OntologyTerm]

    def label(self, iri: str) -> str | None:
        entity = self.entities.get(iri)
        if entity:
            return entity.label
        term = self.terms.get(iri)
        return term.label if term and term.label else None

    def counts(self) -> dict[str, int]:
        return {kind: len(self.by_kind.get(kind, [])) for kind in KIND_NAMES}


def _value(binding: Binding, name: str) -> str | None:
    term = binding.get(name)
    return term["value"] if term else None


def entity_query(base: str) -> str:
    values = " ".join(f"<{p}>" for p in [*INDEX_PROPERTIES, ns.RDF + "type"])
    return (
        f"SELECT ?s ?p ?o WHERE {{ VALUES ?p {{ {values} }} ?s ?p ?o "
        f'FILTER (isIRI(?s) && STRSTARTS(STR(?s), "{base}")) }}'
    )


def ontology_query() -> str:
    return f"SELECT ?s ?p ?o WHERE {{ GRAPH <{ns.ONTOLOGY_IRI}> {{ ?s ?p ?o }} FILTER isIRI(?s) }}"


def build_index(store: str, base: str, rows: list[Binding], ontology: list[Binding]) -> SiteIndex:
    fields: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    types: dict[str, set[str]] = defaultdict(set)
    titles: dict[str, str] = {}
    labels: dict[str, str] = {}
    for row in rows:
        s, p, o = _value(row, "s"), _value(row, "p"), _value(row, "o")
        if s is None or p is None or o is None:
            continue
        if p == ns.RDF + "type":
            types[s].add(o)
            continue
        fields[s][INDEX_PROPERTIES[p]].append(o)
        if p == ns.DCTERMS + "title":
            titles[s] = o
        elif p == ns.RDFS + "label":
            labels.setdefault(s, o)
    entities: dict[str, Entity] = {}
    by_kind: dict[str, list[Entity]] = defaultdict(list)
    for iri in set(types) | set(fields):
        rest = iri[len(base) :]
        kind, _, slug = rest.partition("/")
        if kind not in KINDS or not slug:
            continue
        label = titles.get(iri) or labels.get(iri) or slug
        entity = Entity(iri, kind, slug, label, types.get(iri, set()))
        entities[iri] = entity
        by_kind[kind].append(entity)
    for kind in by_kind:
        by_kind[kind].sort(key=lambda e: (e.label.lower(), e.slug))
    documents = [
        Document(e.iri, e.kind, e.label, dict(fields.get(e.iri, {})))
        for e in entities.values()
        if e.kind in SEARCHED_KINDS
    ]
    documents.sort(key=lambda d: d.iri)
    terms: dict[str, OntologyTerm] = {}
    for row in ontology:
        s, p, o = _value(row, "s"), _value(row, "p"), _value(row, "o")
        if s is None or p is None or o is None:
            continue
        term = terms.setdefault(s, OntologyTerm(s))
        if p == ns.RDFS + "label" and not term.label:
            term.label = o
        elif p == ns.RDFS + "comment" and not term.comment:
            term.comment = o
        elif p == ns.RDF + "type":
            term.types.add(o)
        term.values[p].append(o)
    return SiteIndex(store, entities, dict(by_kind), SearchIndex(documents), terms)


class SiteIndexCache:
    """The SiteIndex of the store being served, made again when a new build is swapped in."""

    def __init__(self, access: GraphAccess):
        self.access = access
        self._index: SiteIndex | None = None
        self._lock = asyncio.Lock()

    async def get(self) -> SiteIndex:
        store = self.access.store()
        index = self._index
        if index is not None and index.store == store:
            return index
        async with self._lock:
            index = self._index
            if index is not None and index.store == store:
                return index
            deadline = self.access.deadline()
            base = self.access.settings.base_iri
            rows, ontology = await asyncio.gather(
                self.access.select(entity_query(base), deadline),
                self.access.select(ontology_query(), deadline),
            )
            index = build_index(store, base, rows, ontology)
            log.info("indexed %d entities of %s", len(index.entities), store)
            self._index = index
            return index
