"""The endpoint's protocol behaviour: read-only refusals, bad requests, datasets, CORS, errors."""

from __future__ import annotations

import json

import pytest

from tests.conftest_server import (
    FOAF_DOCUMENT,
    PROTOCOL_DIR,
    ServerProcess,
    build_store,
    numbered_quads,
    w3c_graph_iri,
)

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
DIRECT = {"Content-Type": "application/sparql-query"}
COUNT_ALL = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    files = {w3c_graph_iri(n): PROTOCOL_DIR / f"data{n}.nt" for n in (1, 2, 3)}
    return build_store(tmp_path_factory.mktemp("protocol") / "store", files, numbered_quads(5))


@pytest.fixture(scope="module")
def server(store):
    with ServerProcess(store=store) as running:
        yield running


def rows(response) -> list[dict]:
    assert response.status_code == 200, response.text
    return json.loads(response.content)["results"]["bindings"]


def count_all(server: ServerProcess) -> int:
    (row,) = rows(server.client.get("/sparql", params={"query": COUNT_ALL}))
    return int(row["n"]["value"])


def assert_plain_error(response, status: int, *needles: str) -> None:
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("text/plain")
    assert "Traceback" not in response.text
    for needle in needles:
        assert needle in response.text, response.text


# ---- read-only ---------------------------------------------------------------------------------

UPDATE = "INSERT DATA { GRAPH <http://example.org/new> { <http://a> <http://b> <http://c> } }"

UPDATE_ATTEMPTS = {
    "get-update-param": ("GET", "/sparql", {"update": UPDATE}, {}, None),
    "post-form-update": ("POST", "/sparql", None, FORM, f"update={UPDATE}".encode()),
    "post-form-using-graph": (
        "POST",
        "/sparql",
        {"using-graph-uri": "http://example.org/g"},
        FORM,
        b"update=CLEAR%20ALL",
    ),
    "post-direct-update": (
        "POST",
        "/sparql",
        None,
        {"Content-Type": "application/sparql-update"},
        UPDATE.encode(),
    ),
    "post-direct-update-with-query-param": (
        "POST",
        "/sparql",
        {"query": "ASK {}"},
        {"Content-Type": "application/sparql-update; charset=utf-8"},
        b"CLEAR ALL",
    ),
    "gsp-post-turtle": (
        "POST",
        "/sparql",
        {"graph": "http://example.org/new"},
        {"Content-Type": "text/turtle"},
        b"<http://a> <http://b> <http://c> .",
    ),
    "gsp-post-ntriples-default": (
        "POST",
        "/sparql",
        {"default": ""},
        {"Content-Type": "application/n-triples"},
        b"<http://a> <http://b> <http://c> .\n",
    ),
    "gsp-put": (
        "PUT",
        "/sparql",
        {"graph": "http://example.org/new"},
        {"Content-Type": "text/turtle"},
        b"<http://a> <http://b> <http://c> .",
    ),
    "gsp-delete": ("DELETE", "/sparql", {"graph": w3c_graph_iri(1)}, {}, None),
    "patch": ("PATCH", "/sparql", None, {"Content-Type": "application/sparql-update"}, b"CLEAR"),
    "put-query": ("PUT", "/sparql", {"query": "ASK {}"}, FORM, None),
}


@pytest.mark.parametrize("name", list(UPDATE_ATTEMPTS))
def test_update_attempts_are_refused(server: ServerProcess, name: str) -> None:
    method, path, params, headers, body = UPDATE_ATTEMPTS[name]
    before = count_all(server)
    response = server.client.request(method, path, params=params, headers=headers, content=body)
    assert 400 <= response.status_code < 500, response.text
    assert response.status_code in (403, 405)
    assert "read-only" in response.text
    assert response.headers["content-type"].startswith("text/plain")
    if response.status_code == 405:
        assert "GET" in response.headers["allow"] and "POST" in response.headers["allow"]
    assert count_all(server) == before


@pytest.mark.parametrize("route", ["get", "form", "direct"])
def test_update_sent_as_query_fails_to_parse(server: ServerProcess, route: str) -> None:
    before = count_all(server)
    if route == "get":
        response = server.client.get("/sparql", params={"query": UPDATE})
    elif route == "form":
        response = server.client.post("/sparql", data={"query": UPDATE})
    else:
        response = server.client.post("/sparql", content=UPDATE, headers=DIRECT)
    assert_plain_error(response, 400, "syntax error", "error at 1:")
    assert count_all(server) == before


# ---- malformed and badly formed requests -------------------------------------------------------


def test_malformed_query_gets_the_parser_message(server: ServerProcess) -> None:
    response = server.client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p }"})
    assert_plain_error(response, 400, "Query syntax error", "error at 1:")


def test_malformed_query_by_post(server: ServerProcess) -> None:
    response = server.client.post("/sparql", content="ASK {", headers=DIRECT)
    assert_plain_error(response, 400, "error at 1:6")


BAD_REQUESTS = {
    "two-query-params": ("GET", "/sparql?query=ASK%20%7B%7D&query=ASK%20%7B%7D", {}, None),
    "query-in-url-and-form": (
        "POST",
        "/sparql?query=ASK%20%7B%7D",
        FORM,
        b"query=ASK%20%7B%7D",
    ),
    "query-in-url-and-body": ("POST", "/sparql?query=ASK%20%7B%7D", DIRECT, b"ASK {}"),
    "two-queries-in-form": ("POST", "/sparql", FORM, b"query=ASK%7B%7D&query=ASK%7B%7D"),
    "wrong-content-type": ("POST", "/sparql", {"Content-Type": "text/plain"}, b"ASK {}"),
    "no-content-type": ("POST", "/sparql", {}, b"query=ASK%20%7B%7D"),
    "utf16-charset": (
        "POST",
        "/sparql",
        {"Content-Type": "application/sparql-query; charset=UTF-16"},
        "ASK {}".encode("utf-16"),
    ),
    "invalid-utf8-body": ("POST", "/sparql", DIRECT, b"ASK { \xff }"),
    "invalid-utf8-param": ("GET", "/sparql?query=ASK%20%7B%FF%7D", {}, None),
    "empty-query": ("GET", "/sparql?query=", {}, None),
    "form-without-query": ("POST", "/sparql", FORM, b"default-graph-uri=http%3A%2F%2Fa"),
    "direct-empty-body": ("POST", "/sparql", DIRECT, b""),
    "relative-graph-iri": (
        "GET",
        "/sparql?query=ASK%7B%7D&default-graph-uri=not%20an%20iri",
        {},
        None,
    ),
    "unknown-format": ("GET", "/sparql?query=ASK%7B%7D&format=png", {}, None),
}


@pytest.mark.parametrize("name", list(BAD_REQUESTS))
def test_bad_requests_get_400(server: ServerProcess, name: str) -> None:
    method, url, headers, body = BAD_REQUESTS[name]
    response = server.client.request(method, url, headers=headers, content=body)
    assert_plain_error(response, 400)


def test_oversized_body_gets_413(server: ServerProcess) -> None:
    query = "ASK {} #" + "x" * (1 << 20)
    response = server.client.post("/sparql", content=query, headers=DIRECT)
    assert_plain_error(response, 413, "larger than the limit")


def test_no_file_paths_in_error_bodies(server: ServerProcess, store) -> None:
    responses = [
        server.client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p }"}),
        server.client.post("/sparql", content="ASK {}", headers={"Content-Type": "text/plain"}),
        server.client.put("/sparql"),
        server.client.get("/sparql", params={"query": "ASK {}"}, headers={"Accept": "image/png"}),
    ]
    for response in responses:
        assert response.status_code >= 400
        assert str(store) not in response.text
        assert "/tmp" not in response.text and "File " not in response.text


# ---- queries and datasets ----------------------------------------------------------------------


def test_default_graph_is_the_union_of_named_graphs(server: ServerProcess) -> None:
    query = f"SELECT ?s WHERE {{ ?s a <{FOAF_DOCUMENT}> }}"
    found = {r["s"]["value"] for r in rows(server.client.get("/sparql", params={"query": query}))}
    assert found == {w3c_graph_iri(n) for n in (1, 2, 3)}


def test_protocol_default_graph_replaces_the_union(server: ServerProcess) -> None:
    query = f"SELECT ?s WHERE {{ ?s a <{FOAF_DOCUMENT}> }}"
    params = {"query": query, "default-graph-uri": [w3c_graph_iri(1), w3c_graph_iri(3)]}
    found = {r["s"]["value"] for r in rows(server.client.get("/sparql", params=params))}
    assert found == {w3c_graph_iri(1), w3c_graph_iri(3)}


def test_protocol_named_graphs_limit_graph_patterns(server: ServerProcess) -> None:
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    data = {"query": query, "named-graph-uri": w3c_graph_iri(2)}
    found = {r["g"]["value"] for r in rows(server.client.post("/sparql", data=data))}
    assert found == {w3c_graph_iri(2)}


def test_protocol_dataset_from_url_with_direct_post(server: ServerProcess) -> None:
    query = f"SELECT ?s WHERE {{ ?s a <{FOAF_DOCUMENT}> }}"
    response = server.client.post(
        "/sparql", params={"default-graph-uri": w3c_graph_iri(2)}, content=query, headers=DIRECT
    )
    assert [r["s"]["value"] for r in rows(response)] == [w3c_graph_iri(2)]


def test_query_from_clause_is_honoured(server: ServerProcess) -> None:
    query = f"SELECT ?s FROM <{w3c_graph_iri(3)}> WHERE {{ ?s ?p ?o }}"
    found = [r["s"]["value"] for r in rows(server.client.get("/sparql", params={"query": query}))]
    assert found == [w3c_graph_iri(3)]


def test_query_from_named_clause_is_honoured(server: ServerProcess) -> None:
    query = f"SELECT ?g FROM NAMED <{w3c_graph_iri(1)}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"
    found = [r["g"]["value"] for r in rows(server.client.get("/sparql", params={"query": query}))]
    assert found == [w3c_graph_iri(1)]


def test_from_in_a_literal_keeps_the_union(server: ServerProcess) -> None:
    query = f'SELECT ?s WHERE {{ ?s a <{FOAF_DOCUMENT}> BIND("from <x>" AS ?note) }}'
    assert len(rows(server.client.get("/sparql", params={"query": query}))) == 3


def test_relative_iris_resolve_against_the_endpoint(server: ServerProcess) -> None:
    response = server.client.post(
        "/sparql",
        content="CONSTRUCT { <s> <p> 1 } WHERE {}",
        headers={**DIRECT, "Accept": "application/n-triples"},
    )
    assert response.status_code == 200
    assert f"<{server.url}/s> <{server.url}/p>" in response.text


def test_get_without_query_is_the_service_description(server: ServerProcess) -> None:
    response = server.client.get("/sparql")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")
    assert "sd:Service" in response.text


def test_post_without_query_is_an_error(server: ServerProcess) -> None:
    response = server.client.post("/sparql", data={})
    assert 400 <= response.status_code < 500


# ---- CORS --------------------------------------------------------------------------------------


def test_cors_preflight(server: ServerProcess) -> None:
    response = server.client.options(
        "/sparql",
        headers={
            "Origin": "https://yasgui.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "content-type" in response.headers["access-control-allow-headers"].lower()


def test_cors_headers_on_answers(server: ServerProcess) -> None:
    response = server.client.get(
        "/sparql", params={"query": "ASK {}"}, headers={"Origin": "https://yasgui.example"}
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert "content-type" in response.headers["access-control-expose-headers"].lower()
    error = server.client.get(
        "/sparql", params={"query": "ASK {"}, headers={"Origin": "https://yasgui.example"}
    )
    assert error.status_code == 400
    assert error.headers["access-control-allow-origin"] == "*"


def test_a_host_header_that_is_not_a_host_is_refused(server: ServerProcess) -> None:
    for host in ('a"b', "a{b}", "x/y"):
        response = server.client.get("/sparql", headers={"Host": host})
        assert_plain_error(response, 400, "Host")
    ok = server.client.get("/sparql", headers={"Host": "[::1]:8000", "Accept": "text/turtle"})
    assert ok.status_code == 200 and "<http://[::1]:8000/sparql>" in ok.text
