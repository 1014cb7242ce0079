"""SPARQL 1.1 Protocol: turn an HTTP request into a query and its dataset, or refuse it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl

from pyoxigraph import NamedNode
from starlette.requests import Request

from server.errors import HttpError, ReadOnlyError
from server.guard import RDF_CONTENT_TYPES, is_update_attempt
from server.negotiation import bare_media_type, known_name

FORM = "application/x-www-form-urlencoded"
QUERY = "application/sparql-query"


@dataclass(frozen=True)
class SparqlRequest:
    # None: no query at all (a GET of the endpoint, answered with the service description).
    query: str | None
    default_graphs: tuple[str, ...]
    named_graphs: tuple[str, ...]
    format: str | None

    @property
    def protocol_dataset(self) -> bool:
        return bool(self.default_graphs or self.named_graphs)


def _parse_pairs(raw: bytes, where: str) -> list[tuple[str, str]]:
    try:
        return parse_qsl(
            raw.decode("latin-1"), keep_blank_values=True, encoding="utf-8", errors="strict"
        )
    except UnicodeDecodeError as error:
        raise HttpError(400, f"The {where} is not valid UTF-8 after percent-decoding.") from error


def _values(pairs: list[tuple[str, str]], name: str) -> list[str]:
    return [value for key, value in pairs if key == name]


async def _read_body(stream: Callable[[], AsyncIterator[bytes]], limit: int) -> bytes:
    size = 0
    chunks: list[bytes] = []
    async for chunk in stream():
        size += len(chunk)
        if size > limit:
            raise HttpError(413, f"The request body is larger than the limit of {limit} bytes.")
        chunks.append(chunk)
    return b"".join(chunks)


def _charset(content_type: str) -> str | None:
    for param in content_type.split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return None


async def read_request(
    request: Request, max_body_bytes: int, max_query_length: int = 0
) -> SparqlRequest:
    """Validate the request against the protocol; raise HttpError (or ReadOnlyError)."""
    return await parse_request(
        request.method,
        request.scope.get("query_string", b""),
        request.headers.get("content-type", ""),
        request.stream,
        max_body_bytes,
        max_query_length,
    )


async def parse_request(
    method: str,
    query_string: bytes,
    header: str,
    stream: Callable[[], AsyncIterator[bytes]],
    max_body_bytes: int,
    max_query_length: int = 0,
) -> SparqlRequest:
    """The protocol checks on the parts of a request: method, URL query string, Content-Type
    header and a body stream (read only for POST, and only up to `max_body_bytes`)."""
    url_pairs = _parse_pairs(query_string, "query string")
    content_type = bare_media_type(header)
    url_names = [key for key, _ in url_pairs]

    if method == "GET":
        if is_update_attempt(url_names, ""):
            raise ReadOnlyError(403, "SPARQL Update is not supported.")
        pairs = url_pairs
        queries = _values(url_pairs, "query")
    elif method == "POST":
        if is_update_attempt(url_names, content_type):
            detail = (
                "Uploading RDF (Graph Store Protocol) is not supported."
                if content_type in RDF_CONTENT_TYPES
                else "SPARQL Update is not supported."
            )
            raise ReadOnlyError(403, detail)
        if content_type == FORM:
            form_pairs = _parse_pairs(await _read_body(stream, max_body_bytes), "form body")
            if is_update_attempt([key for key, _ in form_pairs], ""):
                raise ReadOnlyError(403, "SPARQL Update is not supported.")
            pairs = url_pairs + form_pairs
            queries = _values(pairs, "query")
            if not queries:
                raise HttpError(400, "The form has no 'query' parameter.")
        elif content_type == QUERY:
            charset = _charset(header)
            if charset not in (None, "utf-8", "utf8"):
                raise HttpError(
                    400, f"Queries must be sent in UTF-8, not {charset!r} (SPARQL 1.1 Protocol)."
                )
            if _values(url_pairs, "query"):
                raise HttpError(400, "The query was given both in the request body and in the URL.")
            body = await _read_body(stream, max_body_bytes)
            try:
                queries = [body.decode("utf-8")]
            except UnicodeDecodeError as error:
                raise HttpError(400, "The query is not valid UTF-8.") from error
            pairs = url_pairs
        else:
            got = f"'{content_type}'" if content_type else "no Content-Type"
            raise HttpError(
                400,
                f"A POSTed query needs Content-Type {FORM} (with a 'query' parameter) or "
                f"{QUERY} (with the query as the body); got {got}.",
            )
    else:  # pragma: no cover - routing only sends GET and POST here
        raise ReadOnlyError(405)

    if len(queries) > 1:
        raise HttpError(400, "The request has more than one query; send exactly one.")
    query = queries[0] if queries else None
    if query is not None and not query.strip():
        raise HttpError(400, "The query is empty.")
    if query is not None and max_query_length and len(query) > max_query_length:
        raise HttpError(
            413,
            f"The query is longer than the limit of {max_query_length} characters "
            "(VRLKG_MAX_QUERY_LENGTH).",
        )

    formats = _values(pairs, "format")
    fmt = formats[-1] if formats else None
    if fmt is not None and not known_name(fmt):
        raise HttpError(400, f"Unknown format {fmt!r}.")
    return SparqlRequest(
        query=query,
        default_graphs=_graph_iris(_values(pairs, "default-graph-uri"), "default-graph-uri"),
        named_graphs=_graph_iris(_values(pairs, "named-graph-uri"), "named-graph-uri"),
        format=fmt,
    )


def _graph_iris(values: list[str], param: str) -> tuple[str, ...]:
    for value in values:
        try:
            NamedNode(value)
        except ValueError as error:
            raise HttpError(400, f"{param} must be an absolute IRI: {value!r}.") from error
    return tuple(dict.fromkeys(values))
