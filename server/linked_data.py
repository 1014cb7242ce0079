"""Linked data: every IRI the graph mints dereferences here, with content negotiation; the HTML
pages (landing page, index pages, search, query UI, ontology documentation, downloads); the
dataset description at /.well-known/void.

The server is configured with the base IRI (settings.base_iri, https://w3id.org/vrlkg/ by
default) but answers wherever it runs: a request for /{kind}/{slug...} is about the IRI
{base}{kind}/{slug...}. HTML for browsers; Turtle, N-Triples, JSON-LD and RDF/XML by Accept or by a
.ttl, .nt, .jsonld or .rdf suffix. The description of an entity is its own statements and the
statements that point at it (from the merged default graph), with the rdfs:label or
dcterms:title of every node at the other end.

`register(app, settings, pool, locator)` adds the routes; server.app calls it.
"""

from __future__ import annotations

import asyncio
import difflib
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import jinja2
import pyoxigraph as ox
import rdflib
from fastapi import FastAPI
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.staticfiles import StaticFiles

from kg import namespaces as ns
from kg import void
from kg.iris import KINDS, SEGMENT
from kg.settings import Settings
from server import negotiation
from server.negotiation import GRAPH_FORMATS, Format
from server.pages import Page, index_jsonld, page_query, shape
from server.site import (
    KIND_NAMES,
    SEARCHED_KINDS,
    Entity,
    GraphAccess,
    PageError,
    SiteIndex,
    SiteIndexCache,
)
from server.store_locator import StoreLocator
from server.workers import WorkerPool

log = logging.getLogger("server.linked_data")

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
VENDOR = STATIC / "vendor"

HTML = Format("html", "text/html; charset=utf-8", ("text/html", "application/xhtml+xml"), "",
              ("html",), "")
# HTML first: a browser's Accept names it, and a client that accepts anything gets a page.
PAGE_FORMATS: tuple[Format, ...] = (HTML, *GRAPH_FORMATS)
SUFFIXES = {".html": "html", ".ttl": "turtle", ".nt": "ntriples", ".jsonld": "jsonld",
            ".rdf": "rdfxml"}
SUFFIX_OF = {key: suffix for suffix, key in SUFFIXES.items()}
PREFIXES = {**ns.PREFIXES, "void": ns.VOID, "dcat": ns.DCAT}
# Build files offered at /downloads (and their descriptions).
BUILD_FILES = {
    "vrlkg.nq": "the whole dataset as N-Quads: every statement with its named graph (sorted)",
    "vrlkg.trig": "the whole dataset as TriG (named graphs)",
    "vrlkg.ttl": "the merged graph as Turtle (no named graphs)",
    "vrlkg.jsonld": "the whole dataset as JSON-LD",
    "void.ttl": "the dataset description (VoID and DCAT)",
    "validation.txt": "the SHACL and quality-check report, as text",
    "validation.ttl": "the SHACL validation report, as RDF",
    "quality.md": "the quality report of the source lists (vrlkg report)",
}
MANIFEST_NS = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#"
QT_NS = "http://www.w3.org/2001/sw/DataAccess/tests/test-query#"


@dataclass(frozen=True)
class ExampleQuery:
    name: str
    question: str
    kind: str
    text: str


def load_examples(queries_dir: Path) -> list[ExampleQuery]:
    """The example and competency queries of queries/manifest.ttl, in its order."""
    manifest = queries_dir / "manifest.ttl"
    if not manifest.is_file():
        return []
    graph = rdflib.Graph().parse(manifest, format="turtle", publicID=manifest.as_uri())
    mf, qt = rdflib.Namespace(MANIFEST_NS), rdflib.Namespace(QT_NS)
    root = next(graph.subjects(rdflib.RDF.type, mf.Manifest), None)
    if root is None:
        return []
    found = []
    for entry in rdflib.collection.Collection(graph, graph.value(root, mf.entries)):
        action = graph.value(entry, mf.action)
        path = Path(str(graph.value(action, qt.query)).removeprefix("file://"))
        if not path.is_file():
            continue
        found.append(
            ExampleQuery(
                name=str(graph.value(entry, mf.name)),
                question=str(graph.value(entry, rdflib.RDFS.comment) or ""),
                kind=str(graph.value(entry, rdflib.DCTERMS.type) or "example"),
                text=path.read_text(encoding="utf-8"),
            )
        )
    return found


def wants_html(request: Request) -> bool:
    return negotiation.choose(PAGE_FORMATS, request.headers.get("accept")) is HTML


def site_url(request: Request) -> str:
    """Where this server answers, from the request (scheme, Host), ending in '/'."""
    host = request.headers.get("host") or f"{request.url.hostname}:{request.url.port}"
    if not negotiation_host_ok(host):
        host = "localhost"
    return f"{request.url.scheme}://{host}/"


def negotiation_host_ok(host: str) -> bool:
    from server.sparql import _AUTHORITY  # the endpoint's own check of the Host header

    return bool(_AUTHORITY.fullmatch(host))


class LinkedData:
    def __init__(self, settings: Settings, pool: WorkerPool, locator: StoreLocator):
        self.settings = settings
        self.base = settings.base_iri
        self.locator = locator
        self.access = GraphAccess(settings, pool, locator)
        self.index = SiteIndexCache(self.access)
        self.examples = load_examples(settings.queries_dir)
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(TEMPLATES)),
            autoescape=jinja2.select_autoescape(["html"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.globals.update(kind_names=KIND_NAMES, searched_kinds=SEARCHED_KINDS)
        self._void: tuple[str, dict] | None = None

    # ---- rendering -----------------------------------------------------------------------------

    def render(self, template: str, status: int = 200, headers: dict | None = None, **context):
        html = self.env.get_template(template).render(**context)
        return HTMLResponse(html, status_code=status, headers=headers)

    def error(self, request: Request, error: PageError) -> Response:
        if not wants_html(request):
            return PlainTextResponse(error.message + "\n", error.status, headers=error.headers)
        return self.render(
            "error.html", error.status, error.headers, title=f"Error {error.status}",
            status=error.status, message=error.message,
        )

    async def not_found(self, request: Request, message: str | None = None) -> Response:
        path = request.url.path
        suggestions: list[Entity] = []
        try:
            index = await self.index.get()
            suggestions = close_matches(index, path)
        except PageError:
            pass
        text = message or f"Nothing is known here: {self.base}{path.lstrip('/')}"
        if not wants_html(request):
            lines = [text, "", "Close matches:"] + [f"  {e.path}" for e in suggestions]
            return PlainTextResponse("\n".join(lines) + "\n", 404)
        slug = path.rstrip("/").rsplit("/", 1)[-1]
        return self.render(
            "not_found.html", 404, title="Not found", message=text, suggestions=suggestions,
            query=slug.replace("-", " "), kinds=sorted(KINDS),
        )

    # ---- the landing page, search, indexes ---------------------------------------------------

    async def landing(self, request: Request) -> Response:
        if not wants_html(request):
            return RedirectResponse("/sparql", status_code=303)
        try:
            index = await self.index.get()
        except PageError as error:
            return self.error(request, error)
        return self.render(
            "landing.html", title="VRL-KG", counts=index.counts(), examples=self.examples,
            base=self.base, triples=len(index.entities),
        )

    async def search(self, request: Request) -> Response:
        q = request.query_params.get("q", "").strip()
        kind = request.query_params.get("kind") or None
        try:
            limit = min(max(int(request.query_params.get("limit", "30")), 1), 200)
        except ValueError:
            limit = 30
        try:
            index = await self.index.get()
        except PageError as error:
            return self.error(request, error)
        started = time.perf_counter()
        hits = index.search.search(q, limit=limit, kinds={kind} if kind else None) if q else []
        elapsed = time.perf_counter() - started
        as_json = request.query_params.get("format") == "json" or (
            negotiation.choose((HTML, negotiation.RESULT_FORMATS[0]),
                               request.headers.get("accept")) is not HTML
        )
        if as_json:
            return JSONResponse({
                "query": q,
                "seconds": round(elapsed, 6),
                "results": [
                    {
                        "iri": h.document.iri,
                        "url": "/" + h.document.iri[len(self.base):],
                        "kind": h.document.kind,
                        "label": h.document.label,
                        "score": h.score,
                        "snippet": h.snippet,
                    }
                    for h in hits
                ],
            }, headers={"Vary": "Accept"})
        return self.render(
            "search.html", title=f"Search: {q}" if q else "Search", q=q, hits=hits,
            kind=kind, elapsed=elapsed, base=self.base, size=len(index.search),
            headers={"Vary": "Accept"},
        )

    async def kind_index(self, request: Request) -> Response:
        kind = request.path_params["kind"]
        if kind not in KINDS:
            return await self.not_found(request)
        try:
            index = await self.index.get()
        except PageError as error:
            return self.error(request, error)
        entities = index.by_kind.get(kind, [])
        return self.render(
            "kind_index.html", title=KIND_NAMES[kind][1], kind=kind, entities=entities,
            jsonld=index_jsonld(kind, entities),
        )

    async def kind_redirect(self, request: Request) -> Response:
        kind = request.path_params["kind"]
        if kind not in KINDS:
            return await self.not_found(request)
        return RedirectResponse(f"/{kind}/", status_code=301)

    # ---- dereferencing -------------------------------------------------------------------------

    def _choose(self, request: Request, suffix_key: str | None) -> Format | None:
        if suffix_key:
            return next(f for f in PAGE_FORMATS if f.key == suffix_key)
        return negotiation.choose(PAGE_FORMATS, request.headers.get("accept"))

    async def dereference(self, request: Request) -> Response:
        kind = request.path_params["kind"]
        rest = request.path_params["rest"]
        if kind not in KINDS:
            return await self.not_found(request)
        if rest == "":
            return await self.kind_index(request)
        suffix_key = None
        for suffix, key in SUFFIXES.items():
            if rest.endswith(suffix):
                rest, suffix_key = rest[: -len(suffix)], key
                break
        segments = rest.split("/")
        if not all(SEGMENT.fullmatch(s) for s in segments):
            return await self.not_found(request)
        iri = f"{self.base}{kind}/{rest}"
        fmt = self._choose(request, suffix_key)
        if fmt is None:
            return PlainTextResponse(
                "None of the media types in the Accept header can be produced. Offered: "
                f"{negotiation.offered(PAGE_FORMATS)}.\n", 406, headers={"Vary": "Accept"},
            )
        headers = {
            "Vary": "Accept",
            "Link": ", ".join(
                f'</{kind}/{rest}{SUFFIX_OF[f.key]}>; rel="alternate"; type="{f.media_type}"'
                for f in PAGE_FORMATS
            ),
        }
        if suffix_key is None:
            headers["Content-Location"] = f"/{kind}/{rest}{SUFFIX_OF[fmt.key]}"
        try:
            if fmt is HTML:
                return await self._page(request, iri, kind, headers)
            body = await self.description(iri, fmt)
        except PageError as error:
            return self.error(request, error)
        if body is None:
            return await self.not_found(request)
        return Response(body, media_type=fmt.content_type, headers=headers)

    async def description(self, iri: str, fmt: Format) -> bytes | None:
        """The entity's statements, what points at it, and the labels of both ends."""
        query = ns.sparql_prologue() + f"""CONSTRUCT {{
  <{iri}> ?p ?o . ?o ?lp ?ol . ?s ?ip <{iri}> . ?s ?sp ?sl .
}} WHERE {{
  {{ <{iri}> ?p ?o OPTIONAL {{ VALUES ?lp {{ rdfs:label dcterms:title }} ?o ?lp ?ol }} }}
  UNION
  {{ ?s ?ip <{iri}> OPTIONAL {{ VALUES ?sp {{ rdfs:label dcterms:title }} ?s ?sp ?sl }} }}
}}"""
        data = await self.access.construct(query, "ntriples")
        triples = list(ox.parse(data, format=ox.RdfFormat.N_TRIPLES))
        subject = ox.NamedNode(iri)
        if not any(t.subject == subject for t in triples):
            return None
        return serialize(triples, fmt)

    async def _page(self, request: Request, iri: str, kind: str, headers: dict) -> Response:
        index = await self.index.get()
        rows = await self.access.select(page_query(iri, kind))
        if not any(r.get("section", {}).get("value") == "out" for r in rows):
            return await self.not_found(request)
        entity = index.entities.get(iri) or Entity(iri, kind, iri[len(self.base) + len(kind) + 1:],
                                                   iri.rsplit("/", 1)[-1])
        page: Page = shape(rows, entity, index, self.base)
        path = f"/{kind}/{entity.slug}"
        alternates = [(f.key, f"{path}{SUFFIX_OF[f.key]}", f.media_type) for f in GRAPH_FORMATS]
        return self.render(
            f"kinds/{kind}.html" if (TEMPLATES / "kinds" / f"{kind}.html").is_file()
            else "entity.html",
            title=entity.label, page=page, e=entity, alternates=alternates,
            index=index, headers=headers,
        )

    # ---- the ontology --------------------------------------------------------------------------

    async def ontology(self, request: Request) -> Response:
        fmt_key = None
        suffix = request.path_params.get("suffix")
        if suffix is not None:
            fmt_key = SUFFIXES.get("." + suffix)
            if fmt_key is None:
                return await self.not_found(request)
        fmt = self._choose(request, fmt_key)
        if fmt is None:
            return PlainTextResponse(
                f"Offered: {negotiation.offered(PAGE_FORMATS)}.\n", 406, headers={"Vary": "Accept"}
            )
        headers = {"Vary": "Accept"}
        try:
            if fmt is not HTML:
                query = (
                    f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{ns.ONTOLOGY_IRI}> {{ ?s ?p ?o }} }}"
                )
                data = await self.access.construct(query, "ntriples")
                triples = list(ox.parse(data, format=ox.RdfFormat.N_TRIPLES))
                if not triples:
                    return await self.not_found(request, "The ontology is not in the store.")
                return Response(serialize(triples, fmt), media_type=fmt.content_type,
                                headers=headers)
            index = await self.index.get()
        except PageError as error:
            return self.error(request, error)
        return self.render("ontology.html", title="VRL-KG ontology",
                           doc=ontology_doc(index), headers=headers)

    # ---- the query page ------------------------------------------------------------------------

    async def query_page(self, request: Request) -> Response:
        tabs = [
            {"name": e.name, "question": e.question, "kind": e.kind, "query": e.text}
            for e in self.examples
        ]
        return self.render(
            "query.html", title="Query", tabs_json=json.dumps(tabs).replace("</", "<\\/"),
            examples=self.examples, vendored=(VENDOR / "yasgui.min.js").is_file(),
        )

    # ---- dataset description and downloads ---------------------------------------------------

    def build_folder(self) -> Path | None:
        store = self.locator.current()
        return Path(store).parent if store else None

    def build_files(self) -> list[tuple[str, Path, str]]:
        folder = self.build_folder()
        found = []
        if folder is None:
            return found
        for name, what in BUILD_FILES.items():
            for place in (folder, self.settings.build_dir):
                path = place / name
                if path.is_file():
                    found.append((name, path, what))
                    break
        return found

    def releases(self) -> list[tuple[str, list[tuple[str, Path]]]]:
        root = self.settings.releases_dir
        if not root.is_dir():
            return []
        found = []
        for folder in sorted(root.iterdir(), key=lambda p: version_key(p.name), reverse=True):
            if folder.is_dir() and not folder.name.startswith("."):
                files = sorted(
                    (p.relative_to(folder).as_posix(), p)
                    for p in folder.rglob("*") if p.is_file()
                )
                found.append((folder.name, files))
        return found

    async def void_document(self, request: Request) -> Response:
        fmt_key = None
        suffix = request.path_params.get("suffix")
        if suffix is not None:
            fmt_key = SUFFIXES.get("." + suffix)
            if fmt_key is None or fmt_key == "html":
                return await self.not_found(request)
        if fmt_key:
            fmt = next(f for f in GRAPH_FORMATS if f.key == fmt_key)
        else:
            # A browser (text/html) gets Turtle, which it shows as text.
            fmt = negotiation.choose(GRAPH_FORMATS, request.headers.get("accept"))
            fmt = fmt or GRAPH_FORMATS[0]
        try:
            results = await self._void_counts()
        except PageError as error:
            return self.error(request, error)
        site = site_url(request)
        dumps = []
        for name, path, _what in self.build_files():
            dump = void.dump_for(name, f"{site}downloads/{name}", path.stat().st_size)
            if dump:
                dumps.append(dump)
        triples = void.describe(results, self.base, site, dumps)
        return Response(serialize(triples, fmt, void.PREFIXES), media_type=fmt.content_type,
                        headers={"Vary": "Accept"})

    async def _void_counts(self) -> dict:
        store = self.access.store()
        cached = self._void
        if cached is not None and cached[0] == store:
            return cached[1]
        queries = void.queries(self.base)
        deadline = self.access.deadline()
        answers = await asyncio.gather(
            *(self.access.select(q, deadline) for q in queries.values())
        )
        results = {
            name: [{k: v["value"] for k, v in row.items()} for row in rows]
            for name, rows in zip(queries, answers, strict=True)
        }
        self._void = (store, results)
        return results

    async def downloads(self, request: Request) -> Response:
        files = [(name, f"/downloads/{name}", path.stat().st_size, what)
                 for name, path, what in self.build_files()]
        releases = [
            (version, [(name, f"/downloads/releases/{version}/{quote(name)}", path.stat().st_size)
                       for name, path in entries])
            for version, entries in self.releases()
        ]
        if not wants_html(request):
            return JSONResponse({
                "build": [{"name": n, "url": u, "bytes": s} for n, u, s, _w in files],
                "releases": {v: [{"name": n, "url": u, "bytes": s} for n, u, s in entries]
                             for v, entries in releases},
            }, headers={"Vary": "Accept"})
        return self.render("downloads.html", title="Downloads", files=files, releases=releases,
                           quality=any(n == "quality.md" for n, *_ in files),
                           headers={"Vary": "Accept"})

    async def download(self, request: Request) -> Response:
        name = request.path_params["name"]
        for known, path, _what in self.build_files():
            if known == name:
                return FileResponse(path, media_type=media_type_of(name), filename=name)
        return await self.not_found(request, f"No file {name} in the current build.")

    async def release_file(self, request: Request) -> Response:
        version = request.path_params["version"]
        name = request.path_params["name"]
        for known_version, entries in self.releases():
            if known_version != version:
                continue
            for known, path in entries:
                if known == name:
                    return FileResponse(path, media_type=media_type_of(name),
                                        filename=name.rsplit("/", 1)[-1])
        return await self.not_found(request, f"No file {name} in release {version}.")


def media_type_of(name: str) -> str:
    if name.endswith(".gz"):
        return "application/gzip"
    media = void.DUMP_MEDIA_TYPES.get(name)
    if media:
        return media
    for suffix, media in ((".ttl", "text/turtle"), (".md", "text/markdown; charset=utf-8"),
                          (".txt", "text/plain; charset=utf-8"), (".json", "application/json"),
                          (".rq", "application/sparql-query"), (".nq", "application/n-quads")):
        if name.endswith(suffix):
            return media
    return "application/octet-stream"


def version_key(name: str) -> tuple:
    parts = []
    for piece in name.lstrip("v").replace("-", ".").split("."):
        parts.append((0, int(piece), "") if piece.isdigit() else (1, 0, piece))
    return tuple(parts)


def serialize(triples: list[ox.Triple], fmt: Format, prefixes: dict | None = None) -> bytes:
    data = ox.serialize(
        sorted(set(triples), key=str),
        format=getattr(ox.RdfFormat, fmt.oxigraph),
        prefixes=prefixes or PREFIXES,
    )
    return data or b""


def close_matches(index: SiteIndex, path: str, limit: int = 8) -> list[Entity]:
    """Entities whose path or slug is close to the one asked for."""
    wanted = path.strip("/").split(".", 1)[0]
    _kind, _, slug = wanted.partition("/")
    paths = {e.path.strip("/"): e for e in index.entities.values()}
    found = [paths[p] for p in difflib.get_close_matches(wanted, list(paths), n=limit, cutoff=0.5)]
    if len(found) < limit and slug:
        last = slug.rsplit("/", 1)[-1]
        slugs: dict[str, list[Entity]] = {}
        for e in index.entities.values():
            if e.kind in SEARCHED_KINDS:
                slugs.setdefault(e.slug.rsplit("/", 1)[-1], []).append(e)
        for s in difflib.get_close_matches(last, list(slugs), n=limit, cutoff=0.6):
            for e in slugs[s]:
                if e not in found:
                    found.append(e)
        for hit in index.search.search(last.replace("-", " "), limit=limit):
            e = index.entities.get(hit.document.iri)
            if e and e not in found:
                found.append(e)
    return found[:limit]


def ontology_doc(index: SiteIndex) -> dict:
    """The ontology's terms grouped for its documentation page."""
    owl, rdfs = ns.OWL, ns.RDFS
    groups: dict[str, list] = {"classes": [], "object": [], "datatype": [], "annotation": [],
                               "individuals": [], "schemes": []}
    header = index.terms.get(ns.ONTOLOGY_IRI)

    def anchor(iri: str) -> str:
        if iri.startswith(ns.VRLKG):
            return iri[len(ns.VRLKG):]
        for prefix, namespace in ns.PREFIXES.items():
            if iri.startswith(namespace):
                return f"{prefix}-{iri[len(namespace):]}"
        return quote(iri, safe="")

    def name(iri: str) -> str:
        if iri.startswith(ns.VRLKG):
            return "vrlkg:" + iri[len(ns.VRLKG):]
        for prefix, namespace in ns.PREFIXES.items():
            if iri.startswith(namespace):
                return f"{prefix}:{iri[len(namespace):]}"
        return iri

    def ref(iri: str) -> dict:
        term = index.terms.get(iri)
        local = iri in index.terms and (term is not None and bool(term.types))
        return {"iri": iri, "name": name(iri), "href": f"#{anchor(iri)}" if local else iri}

    for iri, term in sorted(index.terms.items(), key=lambda kv: name(kv[0]).lower()):
        if iri == ns.ONTOLOGY_IRI or not term.types:
            continue
        entry = {
            "iri": iri, "name": name(iri), "anchor": anchor(iri), "label": term.label,
            "comment": term.comment, "ours": iri.startswith(ns.VRLKG),
            "super": [ref(v) for v in term.values.get(rdfs + "subClassOf", [])
                      + term.values.get(rdfs + "subPropertyOf", [])],
            "domain": [ref(v) for v in term.values.get(rdfs + "domain", [])],
            "range": [ref(v) for v in term.values.get(rdfs + "range", [])],
            "match": [ref(v) for v in term.values.get(ns.SKOS + "closeMatch", [])
                      + term.values.get(ns.SKOS + "exactMatch", [])],
            "types": [ref(v) for v in sorted(term.types)],
        }
        if owl + "Class" in term.types:
            groups["classes"].append(entry)
        elif owl + "ObjectProperty" in term.types:
            groups["object"].append(entry)
        elif owl + "DatatypeProperty" in term.types:
            groups["datatype"].append(entry)
        elif owl + "AnnotationProperty" in term.types:
            groups["annotation"].append(entry)
        elif ns.SKOS + "ConceptScheme" in term.types:
            groups["schemes"].append(entry)
        else:
            groups["individuals"].append(entry)
    for entries in groups.values():
        entries.sort(key=lambda e: (not e["ours"], e["name"].lower()))
    return {
        "iri": ns.ONTOLOGY_IRI,
        "label": header.label if header else "VRL-KG ontology",
        "comment": header.comment if header else "",
        "version": (header.values.get(ns.OWL + "versionInfo") or [""])[0] if header else "",
        "license": (header.values.get(ns.DCTERMS + "license") or [""])[0] if header else "",
        "groups": groups,
    }


def register(app: FastAPI, settings: Settings, pool: WorkerPool, locator: StoreLocator) -> None:
    """Add the linked-data routes, the pages and the static files to the app."""
    ld = LinkedData(settings, pool, locator)
    app.state.linked_data = ld
    app.mount("/static", StaticFiles(directory=str(STATIC), check_dir=False), name="static")
    get = ["GET", "HEAD"]
    routes = [
        ("/", ld.landing),
        ("/search", ld.search),
        ("/query", ld.query_page),
        ("/ontology", ld.ontology),
        ("/ontology.{suffix}", ld.ontology),
        ("/.well-known/void", ld.void_document),
        ("/.well-known/void.{suffix}", ld.void_document),
        ("/downloads", ld.downloads),
        ("/downloads/", ld.downloads),
        ("/downloads/releases/{version}/{name:path}", ld.release_file),
        ("/downloads/{name}", ld.download),
        ("/{kind}", ld.kind_redirect),
        ("/{kind}/{rest:path}", ld.dereference),
    ]
    for path, handler in routes:
        app.add_api_route(path, handler, methods=get, include_in_schema=False)

    async def not_found(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return await ld.not_found(request)
        return PlainTextResponse(str(exc.detail) + "\n", exc.status_code, headers=exc.headers)

    app.add_exception_handler(StarletteHTTPException, not_found)
