"""SERVICE: refused wherever it hides unless its endpoint is allow-listed; never contacted.

pyoxigraph would execute `SERVICE <http://127.0.0.1:PORT/...>` itself, which lets anyone make
the server call internal addresses. A loopback listener stands in for such an address: every
refused query must get a 4xx naming the allow-list setting, and the listener must see nothing.
"""

from __future__ import annotations

import time

import pyoxigraph as ox
import pytest

from tests.conftest_server import (
    FOAF_DOCUMENT,
    Listener,
    ServerProcess,
    w3c_graph_iri,
    w3c_store,
)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return w3c_store(tmp_path_factory.mktemp("service") / "store")


@pytest.fixture(scope="module")
def server(store):
    with ServerProcess(store=store) as running:
        yield running


def service_queries(url: str) -> dict[str, str]:
    triple = "{ ?s ?p ?o }"
    return {
        "plain": f"SELECT * WHERE {{ SERVICE <{url}> {triple} }}",
        "silent": f"SELECT * WHERE {{ SERVICE SILENT <{url}> {triple} }}",
        "ask": f"ASK {{ SERVICE <{url}> {triple} }}",
        "construct": f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE SILENT <{url}> {triple} }}",
        "optional": f"SELECT * WHERE {{ ?a ?b ?c OPTIONAL {{ SERVICE <{url}> {triple} }} }}",
        "optional-silent": (
            f"SELECT * WHERE {{ ?a ?b ?c OPTIONAL {{ SERVICE SILENT <{url}> {triple} }} }}"
        ),
        "union": f"SELECT * WHERE {{ {{ ?a ?b ?c }} UNION {{ SERVICE SILENT <{url}> {triple} }} }}",
        "filter-exists": (
            f"SELECT * WHERE {{ ?a ?b ?c FILTER EXISTS {{ SERVICE SILENT <{url}> {triple} }} }}"
        ),
        "filter-not-exists": (
            f"SELECT * WHERE {{ ?a ?b ?c FILTER NOT EXISTS {{ SERVICE <{url}> {triple} }} }}"
        ),
        "bind-exists": (
            "SELECT * WHERE { ?a ?b ?c "
            f"BIND(EXISTS {{ SERVICE SILENT <{url}> {triple} }} AS ?x) }}"
        ),
        "minus": f"SELECT * WHERE {{ ?a ?b ?c MINUS {{ SERVICE SILENT <{url}> {triple} }} }}",
        "subquery": (
            f"SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE SILENT <{url}> {triple} }} }} }}"
        ),
        "graph": f"SELECT * WHERE {{ GRAPH ?g {{ SERVICE SILENT <{url}> {triple} }} }}",
        "lower-case": f"select * where {{ service silent <{url}> {triple} }}",
        "prefixed-name": (
            f"PREFIX x: <{url.rsplit('/', 1)[0]}/> "
            f"SELECT * WHERE {{ SERVICE SILENT x:sparql {triple} }}"
        ),
        "base-relative": (
            f"BASE <{url.rsplit('/', 1)[0]}/> SELECT * WHERE {{ SERVICE SILENT <sparql> {triple} }}"
        ),
        "unicode-escaped-keyword": f"SELECT * WHERE {{ \\u0053ERVICE SILENT <{url}> {triple} }}",
        "variable": f"SELECT * WHERE {{ VALUES ?x {{ <{url}> }} SERVICE ?x {triple} }}",
        "variable-silent": (
            f"SELECT * WHERE {{ VALUES ?x {{ <{url}> }} SERVICE SILENT ?x {triple} }}"
        ),
        "malformed-around-service": f"SELECT * WHERE {{ SERVICE SILENT <{url}> {{ ?s ?p }} }}",
    }


CASES = list(service_queries("http://x/sparql"))


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("route", ["get", "form", "direct"])
def test_service_is_refused_and_never_called(server, listener, case: str, route: str) -> None:
    query = service_queries(listener.url)[case]
    if route == "get":
        response = server.client.get("/sparql", params={"query": query})
    elif route == "form":
        response = server.client.post("/sparql", data={"query": query})
    else:
        response = server.client.post(
            "/sparql", content=query, headers={"Content-Type": "application/sparql-query"}
        )
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("text/plain")
    assert "SERVICE" in response.text
    assert "VRLKG_SERVICE_ALLOWLIST" in response.text
    if case in ("plain", "silent", "optional", "union"):
        assert f"<{listener.url}>" in response.text  # names the refused IRI
    if case.startswith("variable"):
        assert "variable" in response.text
    assert listener.connections == []


def test_the_listener_was_never_contacted(server, listener) -> None:
    time.sleep(0.3)  # give a (wrongly) started call time to arrive
    assert listener.connections == []


def test_control_pyoxigraph_alone_would_call_the_listener() -> None:
    """Without the guard the call happens: this is what the tests above prove we prevent."""
    control = Listener()
    try:
        query = f"SELECT * WHERE {{ SERVICE SILENT <{control.url}> {{ ?s ?p ?o }} }}"
        list(ox.Store().query(query))
        deadline = time.monotonic() + 2
        while not control.connections and time.monotonic() < deadline:
            time.sleep(0.02)
        assert control.connections, "the listener did not see pyoxigraph's SERVICE call"
    finally:
        control.close()


def test_the_word_service_elsewhere_is_fine(server) -> None:
    query = f'SELECT ?service WHERE {{ ?service a <{FOAF_DOCUMENT}> BIND("SERVICE" AS ?x) }}'
    response = server.client.get("/sparql", params={"query": query})
    assert response.status_code == 200, response.text
    assert len(response.json()["results"]["bindings"]) == 3


def test_service_description_claims_no_federation(server) -> None:
    response = server.client.get("/sparql", headers={"Accept": "application/n-triples"})
    assert "BasicFederatedQuery" not in response.text


# ---- the allow-list ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def federating(store, server):
    """A second instance whose allow-list holds the first one's endpoint."""
    env = {"VRLKG_SERVICE_ALLOWLIST": f"{server.endpoint}, http://other.example/sparql"}
    with ServerProcess(store=store, env=env) as running:
        yield running


def test_allow_listed_service_is_called(federating, server) -> None:
    query = f"""SELECT ?s WHERE {{
        SERVICE <{server.endpoint}> {{ GRAPH <{w3c_graph_iri(2)}> {{ ?s a <{FOAF_DOCUMENT}> }} }}
    }}"""
    response = federating.client.get("/sparql", params={"query": query})
    assert response.status_code == 200, response.text
    assert [b["s"]["value"] for b in response.json()["results"]["bindings"]] == [w3c_graph_iri(2)]


def test_allow_list_is_exact(federating, server, listener) -> None:
    for target in (listener.url, server.endpoint + "/", server.url + "/sparql?x=1"):
        query = f"SELECT * WHERE {{ SERVICE SILENT <{target}> {{ ?s ?p ?o }} }}"
        response = federating.client.get("/sparql", params={"query": query})
        assert response.status_code == 400, response.text
        assert f"<{target}>" in response.text
    mixed = f"""SELECT * WHERE {{ SERVICE <{server.endpoint}> {{ ?s ?p ?o }}
                                 OPTIONAL {{ SERVICE SILENT <{listener.url}> {{ ?s ?p ?o }} }} }}"""
    response = federating.client.get("/sparql", params={"query": mixed})
    assert response.status_code == 400
    assert listener.connections == []


def test_federating_service_description(federating) -> None:
    response = federating.client.get("/sparql", headers={"Accept": "application/n-triples"})
    assert "BasicFederatedQuery" in response.text
