"""Hostile input: random and garbled requests against the real server on loopback (hypothesis).

Whatever comes in, the answer is never a 500 (a worker that died: hostile input must not be able
to cause one), never another 5xx than the documented limit answers, never a stack trace or a file
path, and the server calls nobody: SERVICE and FROM payloads name a loopback listener that must
see no connection. Bounded: a few hundred examples, a tiny store, a 2 s time limit.
"""

from __future__ import annotations

import contextlib
import re
import socket

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest_server import ServerProcess, build_store, numbered_quads

LEAK = re.compile(
    r"Traceback \(most recent call last\)|File \""
    r"|(?<![\w:/.<-])/(?:home|root|tmp|usr|work|var|opt)/"
)
ALLOWED_5XX = {503, 504, 507}
FUZZ = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)


@pytest.fixture(scope="module")
def server(tmp_path_factory, listener):
    store = build_store(tmp_path_factory.mktemp("fuzz") / "store", quads=numbered_quads(40))
    env = {"VRLKG_QUERY_TIMEOUT": "2", "VRLKG_MAX_QUERY_LENGTH": "20000"}
    with ServerProcess(store=store, env=env) as running:
        yield running
    assert listener.connections == [], "the server contacted the loopback listener"


def sparql_pieces(target: str) -> st.SearchStrategy[str]:
    """Fragments of SPARQL, some of them reaching for `target`."""
    return st.sampled_from(
        [
            "SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "*", "?s", "?p", "?o", "WHERE", "{", "}",
            "(", ")", ".", ";", ",", "FILTER", "OPTIONAL", "UNION", "MINUS", "GRAPH", "?g",
            "LIMIT 3", "ORDER BY ?s", "GROUP BY ?s", "COUNT(*)", "AS", "BIND", "VALUES",
            "PREFIX ex: <http://example.org/>", "ex:p", "<http://example.org/s1>", '"x"@en',
            "\"\"\"long\"\"\"", "1e9", "REGEX(?o, \"(a+)+$\")", "NOW()", "UUID()", "EXISTS",
            f"SERVICE <{target}>", f"SERVICE SILENT <{target}>", "SERVICE ?g",
            f"SERV\\u0049CE <{target}>", f"FROM <{target}>", f"FROM NAMED <{target}>",
            "INSERT DATA { <a> <b> <c> }", "DROP ALL", "LOAD <" + target + ">", "BASE <x:>",
            "\\u0000", "\x00", "\ud7ff", "😀", "#", "\n", "\t",
        ]
    )


def queries(target: str) -> st.SearchStrategy[str]:
    garbled = st.lists(sparql_pieces(target), min_size=0, max_size=30).map(" ".join)
    plausible = st.sampled_from(
        [
            "SELECT * WHERE { ?s ?p ?o } LIMIT 5",
            f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}",
            f"SELECT * FROM <{target}> WHERE {{ ?s ?p ?o }}",
            f"SELECT * WHERE {{ OPTIONAL {{ SERVICE SILENT <{target}> {{ ?s ?p ?o }} }} }}",
            "DESCRIBE <http://example.org/s1>",
            "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
        ]
    )
    noise = st.text(max_size=300)
    huge = st.integers(min_value=7_000, max_value=9_000).map(lambda n: "SELECT " + "?x " * n)
    return st.one_of(garbled, plausible, noise, huge)


MEDIA = st.one_of(
    st.sampled_from(
        [
            "application/sparql-results+json", "application/sparql-results+xml", "text/csv",
            "text/tab-separated-values", "text/turtle", "application/ld+json",
            "application/rdf+xml", "application/n-triples", "*/*", "text/*", "image/png",
            "application/json;q=0", "text/html, */*;q=0.1", ";;;", "q=1", "*/*;q=abc", "",
        ]
    ),
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=80),
)
CONTENT_TYPES = st.one_of(
    st.sampled_from(
        [
            "application/x-www-form-urlencoded", "application/sparql-query",
            "application/sparql-query; charset=latin-1", "application/sparql-query; charset=utf-16",
            "application/sparql-update", "text/turtle", "multipart/form-data; boundary=x",
            "application/x-www-form-urlencoded; charset=utf-8", "",
        ]
    ),
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=60),
)
PARAM_NAMES = st.sampled_from(
    ["query", "default-graph-uri", "named-graph-uri", "format", "update", "using-graph-uri",
     "timeout", "x", ""]
)
ENCODINGS = st.sampled_from(["utf-8", "utf-16", "latin-1", "utf-32", "cp1252"])


@st.composite
def requests(draw: st.DrawFn, target: str) -> dict:
    method = draw(st.sampled_from(["GET", "POST", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"]))
    path = draw(st.sampled_from(["/sparql", "/sparql", "/sparql", "/sparql/", "/", "/x%00"]))
    params: list[tuple[str, str]] = []
    if draw(st.booleans()):
        params.append(("query", draw(queries(target))))
    for _ in range(draw(st.integers(0, 3))):
        value = draw(st.one_of(st.text(max_size=60), st.just(target), queries(target)))
        params.append((draw(PARAM_NAMES), value))
    headers = {"Accept": draw(MEDIA)}
    if draw(st.booleans()):
        headers["Accept-Encoding"] = draw(st.sampled_from(["gzip", "br", "identity;q=0", "*"]))
    if draw(st.booleans()):
        headers["Origin"] = draw(st.sampled_from(["http://evil.example", "null", target]))
    body: bytes | None = None
    if method != "GET":
        headers["Content-Type"] = draw(CONTENT_TYPES)
        kind = draw(st.sampled_from(["form", "raw", "bytes", "empty", "huge"]))
        if kind == "form":
            pairs = draw(st.integers(0, 2))
            form = [(draw(PARAM_NAMES), draw(queries(target))) for _ in range(pairs)]
            body = str(httpx.QueryParams(form)).encode("ascii")
        elif kind == "raw":
            body = draw(queries(target)).encode(draw(ENCODINGS), "replace")
        elif kind == "bytes":
            body = draw(st.binary(max_size=2000))
        elif kind == "huge":
            body = b"query=" + b"A" * draw(st.integers(900_000, 1_200_000))
        else:
            body = b""
    headers = {name: value.strip() for name, value in headers.items()}  # as h11 requires
    return {"method": method, "path": path, "params": params, "headers": headers, "body": body}


def check(response: httpx.Response) -> None:
    status = response.status_code
    assert status != 500, response.text
    assert status < 500 or status in ALLOWED_5XX, (status, response.text)
    text = response.content.decode("utf-8", "replace")
    assert not LEAK.search(text), text[:500]


@given(data=st.data())
@FUZZ
def test_random_requests_never_break_the_server(server, listener, data) -> None:
    request = data.draw(requests(listener.url))
    try:
        response = server.client.request(
            request["method"],
            request["path"],
            params=request["params"],
            headers=request["headers"],
            content=request["body"],
        )
    except httpx.InvalidURL:  # longer than httpx sends (64 KiB); the raw-socket test covers those
        return
    check(response)
    assert listener.connections == []


RAW_LINES = st.sampled_from(
    [
        b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\n",
        b"POST /sparql HTTP/1.1\r\n",
        b"GET /sparql?query=%ff%fe HTTP/1.1\r\n",
        b"GET /sparql?query=" + b"%41" * 30_000 + b" HTTP/1.1\r\n",
        b"GARBAGE\r\n",
        b"GET /sparql HTTP/9.9\r\n",
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",  # a TLS hello on the plain port
    ]
)


@given(
    line=RAW_LINES,
    headers=st.lists(st.binary(max_size=80), max_size=5),
    body=st.binary(max_size=500),
)
@settings(max_examples=60, deadline=None, database=None)
def test_garbled_http_gets_a_4xx_or_a_closed_connection(server, line, headers, body) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        extra = b"".join(h.replace(b"\n", b"").replace(b"\r", b"") + b"\r\n" for h in headers)
        head = line + b"Host: 127.0.0.1\r\n" + extra
        sock.sendall(head + b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        sock.shutdown(socket.SHUT_WR)
        received = b""
        with contextlib.suppress(ConnectionResetError):
            while chunk := sock.recv(65536):
                received += chunk
    if received:
        status_line = received.split(b"\r\n", 1)[0]
        assert status_line.startswith(b"HTTP/1.1 "), status_line
        status = int(status_line.split()[1])
        assert status != 500 and (status < 500 or status in ALLOWED_5XX), received[:300]
        assert not LEAK.search(received.decode("utf-8", "replace")), received[:500]
    # The server is still there.
    assert server.client.get("/sparql", params={"query": "ASK {}"}).status_code == 200
