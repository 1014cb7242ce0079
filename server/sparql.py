"""The /sparql route: protocol checks, negotiation, dispatch to the worker pool, status codes."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from kg.settings import Settings
from server import negotiation, service_description
from server.cache import ResponseCache, cacheable, etag, matches
from server.errors import HttpError, ReadOnlyError
from server.jobs import GraphsJob, QueryJob, Reply
from server.protocol import SparqlRequest, parse_request
from server.store_locator import StoreLocator
from server.workers import (
    MemoryExceeded,
    PoolBusy,
    PoolClosed,
    QueryTimedOut,
    WorkerDied,
    WorkerPool,
)

log = logging.getLogger("server.sparql")


def text_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return PlainTextResponse(message.rstrip("\n") + "\n", status_code=status, headers=headers)


# host[:port] or [ipv6][:port]: the Host header becomes part of IRIs we write out.
_AUTHORITY = re.compile(r"(?:[A-Za-z0-9._~-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")


def endpoint_iri(request: Request | Incoming) -> str:
    """The endpoint's own URL: the service description's sd:endpoint and the queries' base IRI."""
    host = request.headers.get("host")
    if host is None:
        server = request.scope.get("server") or ("localhost", None)
        host = server[0] if server[1] is None else f"{server[0]}:{server[1]}"
    if not _AUTHORITY.fullmatch(host):
        raise HttpError(400, "The Host header is not a valid host name.")
    scheme = request.scope.get("scheme", "http")
    return f"{scheme}://{host}{request.scope['path']}"


class Incoming:
    """What /sparql needs of a request, from an ASGI scope (the fast path) or a Starlette
    Request (the FastAPI route): header names lower-case, the first value of each (Accept:
    all values joined)."""

    __slots__ = ("headers", "method", "scope", "stream")

    def __init__(
        self,
        scope: Mapping[str, Any],
        stream: Callable[[], AsyncIterator[bytes]],
    ):
        self.scope = scope
        self.method: str = scope["method"]
        self.stream = stream
        headers: dict[str, str] = {}
        for raw_name, raw_value in scope["headers"]:
            name = raw_name.decode("latin-1").lower()
            value = raw_value.decode("latin-1")
            if name not in headers:
                headers[name] = value
            elif name == "accept":
                headers[name] += ", " + value
        self.headers = headers


class Outgoing:
    __slots__ = ("body", "headers", "status")

    def __init__(self, status: int, body: bytes, headers: dict[str, str]):
        self.status = status
        self.body = body
        self.headers = headers


def text_answer(status: int, message: str, headers: dict[str, str] | None = None) -> Outgoing:
    return Outgoing(
        status,
        (message.rstrip("\n") + "\n").encode("utf-8"),
        {"Content-Type": "text/plain; charset=utf-8", **(headers or {})},
    )


class SparqlEndpoint:
    def __init__(self, settings: Settings, pool: WorkerPool, locator: StoreLocator):
        self.settings = settings
        self.pool = pool
        self.locator = locator
        self._graphs: tuple[str, tuple[str, ...]] | None = None  # (store path, graph IRIs)
        self.cache = ResponseCache(settings.cache_bytes)

    # ---- routes -----------------------------------------------------------------------------

    async def query(self, request: Request) -> Response:
        """GET and POST /sparql through FastAPI (the fast path in server.fastpath skips this)."""
        answer = await self.answer(Incoming(request.scope, request.stream))
        return Response(answer.body, status_code=answer.status, headers=answer.headers)

    async def answer(self, request: Incoming) -> Outgoing:
        """GET and POST /sparql."""
        deadline = asyncio.get_running_loop().time() + self.settings.query_timeout
        try:
            sparql = await parse_request(
                request.method,
                request.scope.get("query_string", b""),
                request.headers.get("content-type", ""),
                request.stream,
                self.settings.max_request_bytes,
                self.settings.max_query_length,
            )
            if sparql.query is None:
                return await self._describe(request, sparql, deadline)
            return await self._evaluate(request, sparql, deadline)
        except HttpError as error:
            return text_answer(error.status, error.message, error.headers)

    async def write(self, request: Request) -> Response:
        """PUT, DELETE and PATCH /sparql: Graph Store Protocol writes and the like."""
        error = ReadOnlyError(405, f"{request.method} is not supported.")
        return text_response(error.status, error.message, error.headers)

    # ---- work -------------------------------------------------------------------------------

    def _store(self) -> str:
        store = self.locator.current()
        if store is None:
            raise HttpError(
                503, "No knowledge graph store is available yet.", {"Retry-After": "10"}
            )
        return store

    async def _evaluate(self, request: Incoming, sparql: SparqlRequest, deadline: float):
        accept = request.headers.get("accept")
        if sparql.format is not None:
            results = negotiation.by_name(negotiation.RESULT_FORMATS, sparql.format)
            graph = negotiation.by_name(negotiation.GRAPH_FORMATS, sparql.format)
        else:
            results = negotiation.choose(negotiation.RESULT_FORMATS, accept)
            graph = negotiation.choose(negotiation.GRAPH_FORMATS, accept)
        if results is None and graph is None:
            raise self._not_acceptable(negotiation.RESULT_FORMATS + negotiation.GRAPH_FORMATS)
        query = sparql.query or ""
        job = QueryJob(
            store=self._store(),
            query=query,
            base_iri=endpoint_iri(request),
            default_graphs=sparql.default_graphs if sparql.protocol_dataset else None,
            named_graphs=sparql.named_graphs if sparql.protocol_dataset else None,
            results_format=results.key if results else None,
            graph_format=graph.key if graph else None,
            max_result_bytes=self.settings.max_result_bytes,
            max_result_rows=self.settings.max_result_rows,
        )
        headers = {"Vary": "Accept"}
        key = None
        if cacheable(query):
            key = (job.store, query, job.base_iri, job.default_graphs, job.named_graphs,
                   job.results_format, job.graph_format)
            tag = etag(key)
            headers["ETag"] = tag
            if request.method == "GET" and matches(request.headers.get("if-none-match"), tag):
                return Outgoing(304, b"", headers)
            hit = self.cache.get(key)
            if hit is not None:
                return Outgoing(200, hit[1], {"Content-Type": hit[0], **headers})
        reply = await self._run(job, deadline)
        if reply.status == 406:
            graph_kind = reply.kind == "graph"
            raise self._not_acceptable(
                negotiation.GRAPH_FORMATS if graph_kind else negotiation.RESULT_FORMATS
            )
        if reply.status != 200:
            raise HttpError(reply.status, reply.body.decode("utf-8", "replace"))
        if key is not None:
            self.cache.put(key, reply.content_type, reply.body)
        return Outgoing(200, reply.body, {"Content-Type": reply.content_type, **headers})

    async def _describe(self, request: Incoming, sparql: SparqlRequest, deadline: float):
        if request.method != "GET":
            raise HttpError(400, "The request has no query.")
        if sparql.format is not None:
            fmt = negotiation.by_name(negotiation.GRAPH_FORMATS, sparql.format)
        else:
            fmt = negotiation.choose(negotiation.GRAPH_FORMATS, request.headers.get("accept"))
        if fmt is None:
            raise self._not_acceptable(negotiation.GRAPH_FORMATS)
        store = self.locator.current()
        graphs = await self._named_graphs(store, deadline) if store else ()
        triples = service_description.description(
            endpoint_iri(request), graphs, federated=bool(self.settings.service_allowlist)
        )
        return Outgoing(
            200,
            service_description.serialize(triples, fmt),
            {"Content-Type": fmt.content_type, "Vary": "Accept"},
        )

    async def _named_graphs(self, store: str, deadline: float) -> tuple[str, ...]:
        cached = self._graphs
        if cached is not None and cached[0] == store:
            return cached[1]
        reply = await self._run(GraphsJob(store), deadline)
        if reply.status != 200:
            raise HttpError(reply.status, reply.body.decode("utf-8", "replace"))
        self._graphs = (store, reply.graphs)
        return reply.graphs

    async def _run(self, job: object, deadline: float) -> Reply:
        timeout = f"{self.settings.query_timeout:g}"
        try:
            return await self.pool.run(job, deadline)
        except QueryTimedOut as error:
            detail = " (all query workers stayed busy)" if error.waited_for_worker else ""
            raise HttpError(504, f"query exceeded the time limit of {timeout} s{detail}") from None
        except PoolBusy:
            raise HttpError(
                503,
                "The endpoint is busy: too many queries are waiting; retry shortly.",
                {"Retry-After": "2"},
            ) from None
        except MemoryExceeded:
            mib = self.settings.max_worker_memory_bytes / (1 << 20)
            raise HttpError(
                507, f"query exceeded the memory limit of {mib:.4g} MiB and was stopped"
            ) from None
        except WorkerDied:
            raise HttpError(500, "The query worker stopped unexpectedly; try again.") from None
        except PoolClosed:
            raise HttpError(503, "The endpoint is shutting down.") from None

    @staticmethod
    def _not_acceptable(formats: tuple[negotiation.Format, ...]) -> HttpError:
        return HttpError(
            406,
            "None of the media types in the Accept header (or the format parameter) can be "
            f"produced for this request. Offered: {negotiation.offered(formats)}.",
        )


async def internal_error(request: Request, exc: Exception) -> Response:
    """Last-resort handler: log the details, tell the client nothing about the insides."""
    log.error("internal error on %s %s", request.method, request.url.path, exc_info=exc)
    return text_response(500, "Internal server error.")
